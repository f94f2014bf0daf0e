"""A search of the nominations list at volume: a common word is answered by walking the list's order
(its count estimated), a rare one by counting every match; both give the newest matches, in order,
and a misjudged estimate still gives the exact answer (service/queries/search.py). And an inbox's
search asks the index for the caller's own tasks (service/queries/visibility.py)."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest
from sqlalchemy import ColumnElement, text, true
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from models.tables import Nomination, Unit
from models.tables.nominations import search_vector
from service.queries import paging, search
from service.queries.search import SearchPage, matches_search, search_page, worth_walking
from service.queries.visibility import assigned_matches
from service.security.authz import ScopedGrant
from service.security.principal import CurrentUser
from tests.support.query_plans import plan_as_run, plan_nodes
from tests.support.read_model import insert_dossiers

# Thousands of dossiers and fresh statistics: the planner's estimates are the point.
pytestmark = pytest.mark.own_database

ROWS = 4000


async def _load(owner_engine: AsyncEngine) -> None:
    """ROWS dossiers of the read model (rows, as bench/read_scale.py loads them), one a minute:
    every third "pho", one in two hundred "hiem", "alpha" and "beta" each on two in five but never
    on the same dossier; one in forty proposed by another unit (a short list, a small share of the table)."""
    await insert_dossiers(
        owner_engine, ROWS, prefix="nomination-search-",
        unit="CASE WHEN i % 40 = 0 THEN (SELECT max(id) FROM units) ELSE (SELECT min(id) FROM units) END",
        search="concat_ws(' ', 'nguoi', 'so' || i, CASE WHEN i % 3 = 0 THEN 'pho' END, "
        "CASE WHEN i % 200 = 7 THEN 'hiem' END, "
        "CASE WHEN i % 5 IN (1, 2) THEN 'alpha' WHEN i % 5 IN (3, 4) THEN 'beta' END)",
    )  # fmt: skip


async def _truth(engine: AsyncEngine, q: str, *, unit: bool = False) -> list[uuid.UUID]:
    """Every match, newest first, as the plain condition finds it (of the other unit's, if `unit`)."""
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT id FROM nominations WHERE to_tsvector('simple', search_text) @@ plainto_tsquery('simple', :q) "
                "AND (NOT :unit OR proposing_unit_id = (SELECT max(id) FROM units)) ORDER BY updated_at DESC, id DESC"
            ),
            {"q": q, "unit": unit},
        )
        return [r[0] for r in rows]


async def _search(
    engine: AsyncEngine,
    q: str,
    *,
    limit: int = 50,
    offset: int = 0,
    after: tuple[datetime, uuid.UUID] | None = None,
    where: ColumnElement[bool] | None = None,
) -> SearchPage:
    async with AsyncSession(engine) as session:
        return await search_page(
            session, true() if where is None else where, q, after=after, limit=limit, offset=offset
        )


async def _other_unit(engine: AsyncEngine) -> ColumnElement[bool]:
    async with engine.connect() as conn:
        unit = (await conn.execute(text("SELECT max(id) FROM units"))).scalar_one()
    return col(Nomination.proposing_unit_id) == unit


@pytest.mark.parametrize(
    ("rows_left", "share", "wanted", "walks"),
    [
        (1_000_000, 0.00885, 50, True),  # "nguyen van" at a million: about 5,600 rows to walk
        (1_000_000, 0.005, 50, False),  # a word the statistics do not know: the planner's default
        (1_000_000, 0.0006, 50, False),  # "dang thi phuong": 645 matches, counted
        (2_000, 0.009, 50, False),  # a commune's 2,000 dossiers hold about 18 matches
        (1_000_000, 0.00885, 5_000, False),  # page 100 by offset: past the budget
    ],
)
def test_when_a_search_walks(rows_left: float, share: float, wanted: int, walks: bool) -> None:
    assert worth_walking(rows_left, share, wanted) is walks


async def test_searches_common_and_rare_words_give_the_newest_matches(
    engine: AsyncEngine, owner_engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _load(owner_engine)
    # However short a list may be, one that is most of the table is not searched row by row: the
    # index answers it (a province's list; here the whole table).
    monkeypatch.setattr(search, "SHORT_LIST", 100_000)

    # A word on every third dossier: the list's order is walked, the count estimated.
    common = await _truth(engine, "pho")
    assert len(common) >= ROWS // 3
    first = await _search(engine, "pho")
    assert first.estimated and not first.capped
    assert [n.id for n in first.rows] == common[:50]
    assert 0.7 * len(common) <= first.total <= 1.3 * len(common)
    assert len(str(first.total).rstrip("0")) <= 2  # two significant digits: said as "about"
    # The next page by cursor and by offset: exactly the next matches.
    last = first.rows[-1]
    by_cursor = await _search(engine, "pho", after=(last.updated_at, last.id))
    assert [n.id for n in by_cursor.rows] == common[50:100]
    by_offset = await _search(engine, "pho", offset=50)
    assert [n.id for n in by_offset.rows] == common[50:100]

    # A word on one dossier in two hundred: every match found and counted.
    rare = await _truth(engine, "hiem")
    found = await _search(engine, "hiem")
    assert not found.estimated and found.total == len(rare) >= ROWS // 200
    assert [n.id for n in found.rows] == rare[:50]

    # Two common words never on the same dossier: the planner expects many, the walk finds none,
    # and the answer is still exact.
    assert await _truth(engine, "alpha beta") == []
    none = await _search(engine, "alpha beta")
    assert (none.rows, none.total, none.estimated) == ([], 0, False)


async def test_a_broad_search_walks_an_index_alone(engine: AsyncEngine, owner_engine: AsyncEngine) -> None:
    # The walk reads the list's order, its filters and each row's lexemes from one index (migration
    # 0025): no row of the table is fetched to test it, whatever the list's filters.
    await _load(owner_engine)
    for where in (true(), col(Nomination.status) == "in_progress"):
        walk = search._walk(where, "pho", keyset=False)
        compiled = walk.compile(dialect=engine.dialect)
        plan = await plan_as_run(engine, str(compiled), {**compiled.params, **paging.page_values(limit=50, offset=0)})
        scans = [n for n in plan_nodes(plan) if n.get("Relation Name") == "nominations"]
        assert [(n["Node Type"], n.get("Index Name"), n.get("Heap Fetches")) for n in scans] == [
            ("Index Only Scan", "ix_nominations_list", 0)
        ], scans


async def test_a_short_list_is_searched_row_by_row_and_exactly(
    engine: AsyncEngine, owner_engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _load(owner_engine)
    unit = await _other_unit(engine)
    common = await _truth(engine, "pho", unit=True)
    assert 0 < len(common) < 100

    async def not_the_index(*args: object, **kwargs: object) -> None:
        raise AssertionError("a short list is searched without the full-text index")

    # The unit's 100 dossiers: each tested, the count exact, the newest first, the next page after
    # the cursor; the full-text index's way is never taken.
    monkeypatch.setattr(search, "_every_match", not_the_index)
    found = await _search(engine, "pho", where=unit, limit=20)
    assert not found.estimated and found.total == len(common)
    assert [n.id for n in found.rows] == common[:20]
    last = found.rows[-1]
    after = await _search(engine, "pho", where=unit, limit=20, after=(last.updated_at, last.id))
    assert [n.id for n in after.rows] == common[20:40] and after.total == len(common)
    assert (await _search(engine, "khong co", where=unit)).total == 0
    monkeypatch.undo()

    # A list longer than the planner said: no answer from the rows (at most SHORT_LIST + 1 read),
    # and the search goes on the other ways.
    monkeypatch.setattr(search, "SHORT_LIST", 50)
    async with AsyncSession(engine) as session:
        assert (
            await search._within_short_list(session, search._asked(unit, "pho", after=None, limit=20, offset=0)) is None
        )
        hiem = unit & matches_search(search_vector(Nomination), "hiem")
        asked = search._asked(hiem, "nguoi", after=None, limit=20, offset=0)
        assert await search._within_short_list(session, asked) is not None


def _inbox_search(grants: list[ScopedGrant]) -> list[object]:
    """What an inbox search for "Nguyễn Văn" sends PostgreSQL, as the user with `grants`."""
    user = CurrentUser(id=1, username="u", full_name="U", unit=Unit(id=3, code="U", name="U", kind="k", level="l"),
                       grants=grants, roles=[(g.role, g.unit_id) for g in grants])  # fmt: skip
    return list(assigned_matches(user, "Nguyễn Văn").compile(dialect=postgresql.dialect()).params.values())


def test_an_inbox_search_asks_the_index_for_the_callers_own_tasks() -> None:
    # Direct grants: the words, to be prefixed with each of the caller's (role, unit) pairs, as the
    # index holds them for that pair's tasks.
    direct = _inbox_search([ScopedGrant("council_secretary", 3), ScopedGrant("appraiser", 2)])
    assert "nguyen van" in direct and ["@appraiser/2", "@council_secretary/3"] in direct
    # A subtree grant: its tasks are of units below, which no pair names: the words alone.
    below = _inbox_search([ScopedGrant("council_secretary", 3), ScopedGrant("appraiser", 2, subtree=True)])
    assert "nguyen van" in below and not any("@" in str(p) for p in below)


async def test_an_inbox_query_finds_the_owners_words_whatever_they_hold(engine: AsyncEngine) -> None:
    """inbox_words_query (migration 0027) parses a search as the stored words were parsed, and quotes
    each prefixed word as tsquery reads it: words the parser keeps whole with punctuation (an
    address, a path) are found in their owner's inbox lexemes and in no other's, a quote splits words
    as it does in the stored text, and a search with no word matches nothing."""
    words = "O'Neil /hoso/2026 thu.ky@tinh.gov.vn nguyen"
    async with engine.connect() as conn:

        async def found(q: str, task_owner: str, owners: list[str]) -> bool:
            statement = text(
                "SELECT inbox_words(to_tsvector('simple', :words), :task_owner) @@ inbox_words_query(:q, :owners)"
            )
            values = {"words": words, "task_owner": task_owner, "q": q, "owners": owners}
            return bool((await conn.execute(statement, values)).scalar_one())

        assert await found("o'neil nguyen", "@appraiser/2", ["@council_secretary/3", "@appraiser/2"])
        assert await found("thu.ky@tinh.gov.vn", "@appraiser/2", ["@appraiser/2"])
        assert await found("/hoso/2026 neil", "@appraiser/2", ["@appraiser/2"])
        assert not await found("o'neil nguyen", "@appraiser/2", ["@council_secretary/3"])
        assert not await found("nguyen van", "@appraiser/2", ["@appraiser/2"])
        assert not await found("!!! ???", "@appraiser/2", ["@appraiser/2"])
