"""Yearly plan reports read whole: the consolidated view a plan's secretariat and the API both show."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col

from models.tables.plans import PlanReport


async def consolidated(conn: AsyncConnection, plan_id: str, year: int, stream: str) -> dict[str, Any]:
    """Who reported, who is late, and the sums of numeric key figures, for one report stream and year."""
    rows = (
        await conn.execute(
            select(col(PlanReport.status), col(PlanReport.late), func.count())
            .where(col(PlanReport.plan_id) == plan_id, col(PlanReport.year) == year, col(PlanReport.stream) == stream)
            .group_by(col(PlanReport.status), col(PlanReport.late))
        )
    ).all()
    counts = {"total": 0, "submitted": 0, "submitted_late": 0, "overdue": 0, "open": 0}
    for status, late, n in rows:
        counts["total"] += n
        if status == "submitted":
            counts["submitted"] += n
            if late:
                counts["submitted_late"] += n
        elif status in counts:
            counts[status] += n
    figures = (
        await conn.execute(
            text(
                "SELECT kv.key, sum((kv.value)::numeric) FROM plan_reports r, jsonb_each(r.key_figures) kv"
                " WHERE r.plan_id = :plan_id AND r.year = :year AND r.stream = :stream AND r.status = 'submitted'"
                " AND jsonb_typeof(kv.value) = 'number' GROUP BY kv.key ORDER BY kv.key"
            ),
            {"plan_id": plan_id, "year": year, "stream": stream},
        )
    ).all()
    counts_out: dict[str, Any] = dict(counts)
    counts_out["key_figures"] = {k: float(v) if v is not None else None for k, v in figures}
    return counts_out
