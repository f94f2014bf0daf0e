"""The nominations list's page at volume: a short list (a small share of the table) is sorted from its
rows, a long one walked in the list's order, and both give the newest rows, in order, by offset and
by cursor, with the count (service/queries/nominations.py list_page)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import ColumnElement, event, text, true
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from models.tables import Nomination, Unit
from service.api.schemas.nominations import NominationFilters
from service.queries.nominations import list_page, nominations_where
from service.security.authz import ScopedGrant
from service.security.principal import CurrentUser
from tests.support.query_plans import plan_as_run, plan_nodes
from tests.support.read_model import insert_dossiers

# The province's administrator: sees every dossier (no condition of its own).
ADMIN = CurrentUser(
    id=1, username="admin", full_name="Admin", unit=Unit(id=1, code="P", name="P", kind="k", level="province"),
    grants=[ScopedGrant("admin", 1, subtree=True)], roles=[("admin", 1)], whole_tree=frozenset({"admin"}),
)  # fmt: skip
# Thousands of dossiers and fresh statistics (the table's estimated rows decide the way).
pytestmark = pytest.mark.own_database

ROWS = 3000
# One dossier in a hundred is of the other unit: a short list.
SHORT_EVERY = 100


async def _load(owner_engine: AsyncEngine) -> int:
    await insert_dossiers(
        owner_engine, ROWS, prefix="nomination-page-",
        unit=f"CASE WHEN i % {SHORT_EVERY} = 0 THEN (SELECT max(id) FROM units) ELSE (SELECT min(id) FROM units) END",
        # Ties on the last change: the id decides.
        updated="now() - make_interval(mins => i / 2)",
    )  # fmt: skip
    async with owner_engine.connect() as conn:
        return int((await conn.execute(text("SELECT max(id) FROM units"))).scalar_one())


async def _truth(engine: AsyncEngine, unit: int | None) -> list[uuid.UUID]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT id FROM nominations WHERE CAST(:unit AS integer) IS NULL OR proposing_unit_id = :unit "
                "ORDER BY updated_at DESC, id DESC"
            ),
            {"unit": unit},
        )
        return [r[0] for r in rows]


class Statements:
    """The SELECTs the engine runs (to ask PostgreSQL which branch of a page it ran)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.seen: list[tuple[str, Any]] = []
        event.listen(engine.sync_engine, "before_cursor_execute", self._record)

    def _record(self, conn: Any, cursor: Any, statement: str, parameters: Any, *args: Any) -> None:
        self.seen.append((statement, parameters))


async def _page(
    engine: AsyncEngine, where: ColumnElement[bool], *, limit: int = 20, offset: int = 0,
    after: tuple[datetime, uuid.UUID] | None = None,
) -> tuple[list[Nomination], int, bool]:  # fmt: skip
    async with AsyncSession(engine) as session:
        return await list_page(session, where, after=after, limit=limit, offset=offset)


async def _branch_run(engine: AsyncEngine, statement: str, parameters: Any) -> str:
    """Which way PostgreSQL took for this page: the short list's sort or the walk. Each way sits
    under a one-time filter ("short": count <= cap AND …; the walk: its negation, with OR); the
    other way's scan is never executed."""
    gates = [node for node in plan_nodes(await plan_as_run(engine, statement, parameters)) if "One-Time Filter" in node]
    taken = [g["One-Time Filter"] for g in gates if any(c.get("Actual Loops", 0) > 0 for c in g.get("Plans", []))]
    assert len(gates) == 2 and len(taken) == 1, gates
    return "walk" if " OR " in taken[0] else "short"


async def test_short_and_long_lists_give_the_newest_rows_each_their_way(
    engine: AsyncEngine, owner_engine: AsyncEngine
) -> None:
    other = await _load(owner_engine)
    statements = Statements(engine)
    for unit, way in ((other, "short"), (None, "walk")):
        where = true() if unit is None else col(Nomination.proposing_unit_id) == unit
        truth = await _truth(engine, unit)
        statements.seen.clear()
        rows, total, capped = await _page(engine, where)
        assert [n.id for n in rows] == truth[:20]
        assert (total, capped) == (len(truth), False)
        page_statement = next(s for s in statements.seen if "UNION ALL" in s[0])
        assert await _branch_run(engine, *page_statement) == way
        # The next page by offset and by cursor; a page past the end still counts the list.
        assert [n.id for n in (await _page(engine, where, offset=20))[0]] == truth[20:40]
        last = rows[-1]
        assert [n.id for n in (await _page(engine, where, after=(last.updated_at, last.id)))[0]] == truth[20:40]
        assert await _page(engine, where, offset=len(truth) + 5) == ([], len(truth), False)


async def test_the_overdue_list_counts_from_the_dossiers_with_an_open_task(
    engine: AsyncEngine, owner_engine: AsyncEngine
) -> None:
    # Every third dossier overdue, every third due later, the rest with no open task.
    await insert_dossiers(
        owner_engine, ROWS, prefix="nomination-overdue-",
        due="CASE i % 3 WHEN 0 THEN now() - make_interval(hours => i) "
        "WHEN 1 THEN now() + make_interval(hours => i) END",
    )  # fmt: skip
    async with engine.connect() as conn:
        overdue = [r[0] for r in await conn.execute(text(
            "SELECT id FROM nominations WHERE open_due_at < now() ORDER BY updated_at DESC, id DESC"
        ))]  # fmt: skip
    assert len(overdue) == ROWS // 3
    statements = Statements(engine)
    where = nominations_where(ADMIN, NominationFilters(overdue=True))
    rows, total, capped = await _page(engine, where)
    assert ([n.id for n in rows], total, capped) == (overdue[:20], len(overdue), False)
    # The count read the overdue dossiers' own index, and nothing of the table.
    plan = await plan_as_run(engine, *next(s for s in statements.seen if "UNION ALL" in s[0]))
    counted = next(n for n in plan_nodes(plan) if n.get("Subplan Name") == "CTE size")
    scans = [
        (n["Node Type"], n.get("Index Name"), n.get("Heap Fetches")) for n in plan_nodes(counted) if "Index Name" in n
    ]
    assert scans == [("Index Only Scan", "ix_nominations_open_due", 0)], scans


async def test_a_list_is_planned_for_its_own_values_until_its_transaction_ends(engine: AsyncEngine) -> None:
    """A list, its search and the inbox plan their statements for the values of the call, however
    often the connection has run them; the setting ends with the request's transaction."""

    async def mode(session: AsyncSession) -> str:
        return str((await (await session.connection()).exec_driver_sql("SHOW plan_cache_mode")).scalar_one())

    async with AsyncSession(engine) as session:
        assert await mode(session) == "auto"
        await list_page(session, true(), after=None, limit=5, offset=0)
        assert await mode(session) == "force_custom_plan"
        await session.rollback()
        assert await mode(session) == "auto"
        # Said again in the next transaction (once per transaction, not once per session).
        await list_page(session, true(), after=None, limit=5, offset=0)
        assert await mode(session) == "force_custom_plan"
