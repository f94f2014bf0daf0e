"""Dossiers written straight into the read model, thousands at once, as bench/read_scale.py loads
them: for tests of lists, searches and pages at volume (rows only: no workflow stands behind them,
so such a test reads lists and never opens one of these dossiers)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine


async def insert_dossiers(
    owner_engine: AsyncEngine,
    rows: int,
    *,
    prefix: str,
    unit: str = "(SELECT min(id) FROM units)",
    name: str = "'Người ' || i",
    search: str = "'nguoi so' || i",
    updated: str = "now() - make_interval(mins => i)",
    due: str = "NULL",
    params: dict[str, Any] | None = None,
) -> None:
    """`rows` dossiers numbered i = 1…rows, each column given as an SQL expression of i: the proposing
    unit, the nominee's name, the folded search text, the last change (newest first by i) and when
    its open task falls due (none by default). Then
    the table is analysed, so that the planner's estimates are of these rows."""
    async with owner_engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO nominations (id, workflow_id, award_form, proposing_unit_id, nominee_kind, nominee_name, "
                "nominee, period_kind, period_year, achievements, criteria, route, status, search_text, created_by, "
                "created_at, updated_at, open_due_at, version) "
                f"SELECT gen_random_uuid(), :prefix || i, 'BANG_KHEN_TINH', {unit}, 'individual', named.name, "
                "jsonb_build_object('kind', 'individual', 'name', named.name), 'annual', 2026, 'Xuất sắc', '[]', '[]', "
                f"'in_progress', {search}, (SELECT min(id) FROM users), now() - make_interval(mins => i), {updated}, {due}, 1 "
                f"FROM generate_series(1, :rows) AS i, LATERAL (SELECT {name} AS name) AS named"
            ),
            {"rows": rows, "prefix": prefix, **(params or {})},
        )
    await analyse(owner_engine)


async def analyse(owner_engine: AsyncEngine) -> None:
    async with owner_engine.connect() as conn:
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        await conn.execute(text("VACUUM ANALYZE nominations"))
