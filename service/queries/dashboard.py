"""Read-side figures for leaders and administrators: the dashboard and the "stuck and late" view.

Everything is limited to the nominations the caller sees (`visible_to`); durations are in working
days with the holiday calendar (`models/rules/calendar.py`), in Asia/Ho_Chi_Minh.
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from activities.plans import quota_status
from models.rules.calendar import VN_TZ, working_days_between
from models.rules.org_tree import OrgTree
from models.rules.plans import PlanDef
from models.store.org import load_org_tree
from models.tables import Nomination, Task
from models.tables.plans import Plan, PlanMilestone
from service.queries.nominations import visible_to
from service.security.principal import CurrentUser
from workflows.contracts import OPEN_STATUSES

# Durations per step are computed from at most this many finished tasks (the newest).
DURATION_SAMPLE = 20_000


def percentile(values: list[int], share: float) -> float | None:
    """The nearest-rank percentile (0 < share <= 1) of whole working days; None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(share * len(ordered)))
    return float(ordered[rank - 1])


def median(values: list[int]) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    mid = len(ordered) // 2
    return float(ordered[mid]) if len(ordered) % 2 else (ordered[mid - 1] + ordered[mid]) / 2


def _working_days(start: datetime, end: datetime) -> int:
    return working_days_between(start.astimezone(VN_TZ).date(), end.astimezone(VN_TZ).date())


async def _counts(session: AsyncSession, user: CurrentUser, column: Any) -> list[tuple[Any, int]]:
    rows = (
        await session.exec(
            select(column, func.count()).where(visible_to(user)).group_by(column).order_by(func.count().desc())
        )
    ).all()
    return [(key, int(n)) for key, n in rows]


async def dashboard(session: AsyncSession, user: CurrentUser, index: OrgTree, now: datetime) -> dict[str, Any]:
    by_status = await _counts(session, user, col(Nomination.status))
    by_form = await _counts(session, user, col(Nomination.award_form))
    by_unit = await _counts(session, user, col(Nomination.proposing_unit_id))
    by_year = sorted(await _counts(session, user, col(Nomination.period_year)))

    done = (
        await session.exec(
            select(Task.step_name, Task.created_at, Task.completed_at)
            .join(Nomination, col(Nomination.id) == col(Task.nomination_id))
            .where(visible_to(user), col(Task.status) == "done", col(Task.completed_at).is_not(None))
            .order_by(col(Task.completed_at).desc(), col(Task.id))
            .limit(DURATION_SAMPLE)
        )
    ).all()
    per_step: dict[str, list[int]] = defaultdict(list)
    for name, created, completed in done:
        assert completed is not None
        per_step[name].append(_working_days(created, completed))
    durations = [
        {"step": name, "tasks": len(days), "median": median(days), "p90": percentile(days, 0.9)}
        for name, days in sorted(per_step.items(), key=lambda kv: -len(kv[1]))
    ]

    overdue_rows = (
        await session.exec(
            select(Task.step_name, func.count())
            .join(Nomination, col(Nomination.id) == col(Task.nomination_id))
            .where(visible_to(user), col(Task.status) == "open", col(Task.due_at) < now)
            .group_by(col(Task.step_name))
            .order_by(func.count().desc())
        )
    ).all()

    return {
        "generated_at": now,
        "by_status": [{"key": k, "label": k, "count": n} for k, n in by_status],
        "by_award_form": [{"key": k, "label": k, "count": n} for k, n in by_form],
        "by_unit": [
            {"key": str(k), "label": index.by_id[k].name if k in index.by_id else str(k), "count": n}
            for k, n in by_unit
        ],
        "by_year": [{"key": str(k), "label": str(k), "count": n} for k, n in by_year],
        "durations": durations,
        "overdue_by_step": [{"key": name, "label": name, "count": int(n)} for name, n in overdue_rows],
        "quotas": await _quotas(session, user, index),
    }


async def _quotas(session: AsyncSession, user: CurrentUser, index: OrgTree) -> list[dict[str, Any]]:
    """For each plan review (2025, 2030) of a plan whose scope the caller holds a role in: each
    quota's units with the nominations counted towards it (not withdrawn or rejected) and awarded."""
    mine: set[int] = set().union(*user.scope.values()) if user.scope else set()
    plans = (await session.exec(select(Plan).order_by(col(Plan.id)))).all()
    out: list[dict[str, Any]] = []
    for plan in plans:
        definition = PlanDef.model_validate(plan.definition)
        scope = index.by_code.get(plan.scope_code)
        if scope is None or scope.id not in mine or not definition.quotas:
            continue
        scope_ids = [scope.id, *index.descendants(scope.id)]
        milestones = (
            await session.exec(
                select(PlanMilestone).where(PlanMilestone.plan_id == plan.id).order_by(col(PlanMilestone.opens_at))
            )
        ).all()
        for m in milestones:
            query = select(Nomination).where(
                col(Nomination.period_kind) == m.period_kind, col(Nomination.period_year) == m.year
            )
            query = query.where(col(Nomination.proposing_unit_id).in_(scope_ids))
            nominations = (await session.exec(query)).all()
            counted = [n for n in nominations if n.status not in ("withdrawn", "rejected")]
            awarded = Counter((n.proposing_unit_id, n.nominee_kind) for n in nominations if n.status == "awarded")
            rows = quota_status(definition, m.key, index, counted)
            names = {q.key: q.name for q in definition.quotas}
            for row in rows:
                row["quota_name"] = names.get(row["quota"], row["quota"])
                unit = index.by_code.get(row["unit"])
                row["awarded"] = awarded[(unit.id, row["nominee_kind"])] if unit else 0
            if rows:
                out.append(
                    {
                        "plan_id": plan.id,
                        "plan_title": plan.title,
                        "milestone": m.key,
                        "milestone_name": m.name,
                        "year": m.year,
                        "units": len(rows),
                        "met": sum(1 for r in rows if r["met"]),
                        "rows": rows,
                    }
                )
    return out


async def stuck_and_late(session: AsyncSession, user: CurrentUser, index: OrgTree, now: datetime) -> dict[str, Any]:
    """Overdue open tasks by unit and step, escalations not acted on, and open dossiers to check
    against Temporal (the caller asks the gateway which workflows are not running)."""
    seen = visible_to(user)
    overdue = (
        await session.exec(
            select(Task.unit_id, Task.step_name, func.count(), func.min(Task.due_at))
            .join(Nomination, col(Nomination.id) == col(Task.nomination_id))
            .where(seen, col(Task.status) == "open", col(Task.due_at) < now)
            .group_by(col(Task.unit_id), col(Task.step_name))
            .order_by(func.min(Task.due_at), col(Task.unit_id), col(Task.step_name))
        )
    ).all()
    escalated = (
        await session.exec(
            select(Task, Nomination.nominee_name)
            .join(Nomination, col(Nomination.id) == col(Task.nomination_id))
            .where(seen, col(Task.status) == "open", col(Task.escalated_at).is_not(None))
            .order_by(col(Task.escalated_at), col(Task.id))
            .limit(500)
        )
    ).all()
    open_rows = (
        await session.exec(
            select(Nomination)
            .where(seen, col(Nomination.status).in_(OPEN_STATUSES))
            .order_by(col(Nomination.updated_at), col(Nomination.id))
            .limit(1000)
        )
    ).all()

    def unit_name(unit_id: int) -> str:
        return index.by_id[unit_id].name if unit_id in index.by_id else str(unit_id)

    return {
        "overdue": [
            {"unit_id": u, "unit_name": unit_name(u), "step_name": s, "count": int(n), "oldest_due_at": d}
            for u, s, n, d in overdue
        ],
        "escalations": [
            {
                "task_id": t.id,
                "nomination_id": t.nomination_id,
                "nominee_name": name,
                "step_name": t.step_name,
                "unit_id": t.unit_id,
                "unit_name": unit_name(t.unit_id),
                "due_at": t.due_at,
                "escalated_at": t.escalated_at,
            }
            for t, name in escalated
        ],
        "open": list(open_rows),
    }


def utcnow() -> datetime:
    return datetime.now(UTC)


async def org_index(session: AsyncSession) -> OrgTree:
    return await load_org_tree(await session.connection())
