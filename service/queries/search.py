"""A search of the nominations list (`q`): its page and how many it matches, at a million dossiers.

A search is answered one of three ways, chosen from PostgreSQL's own estimates before anything is
read (EXPLAIN of the walk, about a millisecond):

- **A short list** (a school's, a commune's: at most SHORT_LIST rows without the search, and a small
  share of the table): each of its rows is tested, and the count is exact (`_within_short_list`).
- **Few matches** (a rare name): the full-text index finds every match, they are counted up to
  COUNT_CAP and the page is the newest of them: one scan of the matches (`_every_match`).
- **Many matches** (a common name such as "nguyen van", one dossier in a hundred): finding every
  match means reading every one of them from the table to learn which are newest, 30–40 ms at a
  million dossiers. Instead the list's order is walked from the newest, testing each row's stored
  lexemes, until the page is full (about 5,600 rows for fifty of "nguyen van"). The count is
  then an estimate, said as one in the UI ("khoảng 8.900"): the share of matches among the rows
  walked, times PostgreSQL's estimate of the rows the list's other conditions leave. It is measured
  on the rows, so names that go together (Nguyễn Văn) do not fool it as they fool the planner.

A walk reads at most WALK_BUDGET rows. If the page is not full by then (the planner thought the
words common and they are not, or the list ends), the search is answered the first way, exactly.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    ClauseElement,
    ColumnElement,
    Executable,
    Integer,
    Select,
    bindparam,
    func,
    over,
    true,
    tuple_,
)
from sqlalchemy import select as sa_select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.visitors import InternalTraversal
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from models.rules.text import fold
from models.tables import Nomination
from models.tables.nominations import search_vector
from service.queries import paging, statements
from service.queries.arrays import id_in_parameter
from service.queries.dossier_rows import NEWEST, PageRow, listed_columns

# Rows of the list's order a broad search reads at most (about 2–3 µs each, from memory).
WALK_BUDGET = 20_000
# A walk is tried only when the planner expects the page within this share of the budget, and the
# list to hold 2.5 times the page's matches, so that a plain misjudgement still fills the page
# before the budget or the list runs out. Below 0.5: a word the statistics do not know gets the
# planner's default share (0.5%), which must not start a walk (10,000 rows for a page of fifty).
WALK_MARGIN = 0.4
# A list this short (as the planner expects it without the search: a school's, a commune's) is
# searched by testing each of its rows (2–3 µs a row), not in the full-text index, whose posting
# lists of common words ("thi", "van") cost 8–25 ms to intersect whatever the list.
SHORT_LIST = 4_000
# … and a small share of the table (at most one row in SHORT_SHARE): the index's posting lists grow
# with the table, so in a table of ten thousand the index answers a list of 4,000 faster.
SHORT_SHARE = 20
# The walked rows' subquery, found by this name in the plan.
NUMBERED = "numbered"


def matches_search(lexemes: Any, q: str) -> ColumnElement[bool]:
    """Nominee name or achievements match `q`, accents and case ignored: every word of `q` is among
    the stored lexemes of the search text (a nomination's, or the copy its tasks carry), which the
    full-text indexes hold (models/tables/nominations.py)."""
    return lexemes.op("@@")(func.plainto_tsquery("simple", fold(q)))  # type: ignore[no-any-return]


@dataclass(frozen=True)
class SearchPage:
    # The page's rows, of the list's columns (service/queries/dossier_rows.py LISTED_FIELDS).
    rows: list[PageRow]
    total: int
    # More than COUNT_CAP matches: `total` is the cap.
    capped: bool
    # `total` is an estimate from the rows walked, rounded to two significant digits.
    estimated: bool


async def search_page(
    session: AsyncSession,
    where: ColumnElement[bool],
    q: str,
    *,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
    offset: int,
) -> SearchPage:
    """The page of the nominations list under `where` (the user's visibility and the list's other
    filters) whose nominee or achievements match `q`, newest change first."""
    await paging.plan_for_these_values(session)
    asked = _asked(where, q, after=after, limit=limit, offset=offset)
    walk = statements.PAGES.get(("walk", *asked.key), lambda: _walk(where, q, keyset=asked.keyset))
    explained = statements.PAGES.get(("explain walk", *asked.key), lambda: Explain(walk))  # type: ignore[arg-type]
    rows_left, share = await _estimates(session, explained, asked.values)
    if rows_left <= SHORT_LIST and rows_left * SHORT_SHARE <= await _table_rows(session):
        short = await _within_short_list(session, asked)
        if short is not None:
            return short
    wanted = offset + limit
    if worth_walking(rows_left, share, wanted):
        page = (await (await session.connection()).execute(walk, asked.values)).all()
        if len(page) == limit:
            walked = int(page[-1].walked)
            estimate = _two_digits(wanted / walked * max(rows_left, walked))
            return SearchPage(await _rows(session, [r.id for r in page]), estimate, False, True)
    rows, total, capped = await _every_match(session, asked)
    return SearchPage(rows, total, capped, False)


@dataclass(frozen=True)
class _Asked:
    """A search as its statements are kept and run (service/queries/statements.py)."""

    where: ColumnElement[bool]
    q: str
    keyset: bool
    # What the search's statements are kept by: the condition, the words, whether a cursor is given.
    key: tuple[Any, ...]
    # The page's values they are run with (paging.page_values).
    values: dict[str, Any]


def _asked(
    where: ColumnElement[bool], q: str, *, after: tuple[datetime, uuid.UUID] | None, limit: int, offset: int
) -> _Asked:
    keyset = after is not None
    values = paging.page_values(limit=limit, offset=offset, after=after)
    return _Asked(where, q, keyset, (statements.condition_key(where), q, keyset), values)


def worth_walking(rows_left: float, share: float, wanted: int) -> bool:
    """Whether the planner's estimates promise the `wanted` rows (the offset and the page) well
    within the budget and well short of the rows the list has."""
    return share > 0 and wanted / share <= WALK_BUDGET * WALK_MARGIN and rows_left * share >= wanted / WALK_MARGIN


def _walk(where: ColumnElement[bool], q: str, *, keyset: bool) -> Select[Any]:
    """The newest WALK_BUDGET rows of the list (without the search), numbered in order; of them, the
    ids of the page that matches, each with its number. PostgreSQL stops reading once the page is
    full. Ids only: the page's rows are read by id afterwards rather than carried through the walk.
    The page's values are parameters (page_limit, page_offset; after_at and after_id if `keyset`)."""
    n = Nomination.__table__.c  # type: ignore[attr-defined]
    newest = sa_select(n.id, n.updated_at, n.search_vector).where(where)
    if keyset:
        newest = newest.where(tuple_(n.updated_at, n.id) < paging.page_after())
    newest_rows = newest.order_by(n.updated_at.desc(), n.id.desc()).limit(WALK_BUDGET).subquery()
    order = [newest_rows.c.updated_at.desc(), newest_rows.c.id.desc()]
    numbered = sa_select(newest_rows, over(func.row_number(), order_by=order).label("walked")).subquery(NUMBERED)
    return (
        sa_select(numbered.c.id, numbered.c.walked)
        .where(matches_search(numbered.c.search_vector, q))
        .order_by(numbered.c.updated_at.desc(), numbered.c.id.desc())
        .limit(paging.page_limit())
        .offset(paging.page_offset())
    )


@cache
def _rows_statement() -> Select[Any]:
    return sa_select(*listed_columns()).where(id_in_parameter(col(Nomination.id), "ids")).order_by(*NEWEST)


async def _rows(session: AsyncSession, ids: list[uuid.UUID]) -> list[PageRow]:
    """The page's rows (the list's columns) of these ids, newest change first."""
    return list((await (await session.connection()).execute(_rows_statement(), {"ids": ids})).all())


async def _estimates(session: AsyncSession, explained: Executable, values: dict[str, Any]) -> tuple[float, float]:
    """PostgreSQL's estimates for a walk, from its plan (`explained`, the walk's EXPLAIN): how many
    rows the list's other conditions leave, and which share of the rows walked match the search."""
    plan = (await (await session.connection()).execute(explained, values)).scalar_one()[0]["Plan"]
    matched = _find(plan, lambda n: n.get("Alias") == NUMBERED)
    budget = _find(matched, lambda n: n.get("Node Type") == "Limit") if matched else None
    if matched is None or budget is None or not budget["Plan Rows"]:
        return 0.0, 0.0
    return float(budget["Plans"][0]["Plan Rows"]), float(matched["Plan Rows"]) / float(budget["Plan Rows"])


class Explain(Executable, ClauseElement):
    """EXPLAIN (FORMAT JSON) of a SELECT, compiled and cached by SQLAlchemy like the SELECT itself
    (a walk's statement costs milliseconds to compile, every time if compiled by hand)."""

    _traverse_internals = [("statement", InternalTraversal.dp_clauseelement)]  # noqa: RUF012 (SQLAlchemy's own attribute)
    inherit_cache = True

    def __init__(self, statement: Select[Any]) -> None:
        self.statement = statement

    @property
    def _all_selected_columns(self) -> tuple[()]:
        # A cached EXPLAIN's one column is found by position: no SELECT column maps onto it.
        return ()


@compiles(Explain, "postgresql")
def _compile_explain(element: Explain, compiler: Any, **kw: Any) -> str:
    return "EXPLAIN (FORMAT JSON) " + str(compiler.process(element.statement, **kw))


def _find(plan: dict[str, Any], wanted: Callable[[dict[str, Any]], bool]) -> dict[str, Any] | None:
    """The first node of an EXPLAIN's plan tree, depth first, that is `wanted`."""
    if wanted(plan):
        return plan
    for child in plan.get("Plans", []):
        if (found := _find(child, wanted)) is not None:
            return found
    return None


def _two_digits(n: float) -> int:
    """An estimate said as what it is worth: 8,928 → 8,900; 1,234,567 → 1,200,000."""
    whole = max(1, round(n))
    digits = len(str(whole))
    return int(round(whole, -(digits - 2))) if digits > 2 else whole


@cache
def _table_rows_statement() -> Select[Any]:
    return sa_select(paging.estimated_rows("nominations"))


async def _table_rows(session: AsyncSession) -> float:
    """The nominations' rows as PostgreSQL last estimated them (-1 before it ever did)."""
    return float((await (await session.connection()).execute(_table_rows_statement())).scalar_one())


def _newest_ids(found: Any, *, keyset: bool) -> Any:
    """The page's ids among `found` (a CTE of id and updated_at), newest first, after the cursor's
    row: a LATERAL, joined to the statement's count so that one round trip answers both."""
    first = sa_select(found.c.id)
    if keyset:
        first = first.where(tuple_(found.c.updated_at, found.c.id) < paging.page_after())
    newest = first.order_by(found.c.updated_at.desc(), found.c.id.desc())
    return newest.limit(paging.page_limit()).offset(paging.page_offset()).lateral()


def _sizes_and_rows(sizes: Any, page: Any) -> Select[Any]:
    """The sizes' columns (a one-row subquery of counts) on every row of the page's dossiers (the
    list's columns, by the ids of `page`), newest first: one round trip for the counts and the page
    (a second one for the rows cost a search about a millisecond). An empty page is one row of
    sizes whose dossier columns are null."""
    table = Nomination.__table__  # type: ignore[attr-defined]
    joined = sizes.outerjoin(page, true()).outerjoin(table, table.c.id == page.c.id)
    return sa_select(*sizes.c, *listed_columns()).select_from(joined).order_by(*NEWEST)


def _page_of(rows: Sequence[PageRow]) -> list[PageRow]:
    """The dossiers of `_sizes_and_rows`' rows (none when the page is empty)."""
    return [r for r in rows if r.id is not None]


async def _within_short_list(session: AsyncSession, asked: _Asked) -> SearchPage | None:
    """The search answered exactly from the list's rows, each tested, when the list holds at most
    SHORT_LIST rows; None when it holds more (the planner misjudged it): no more than SHORT_LIST + 1
    rows are read."""
    statement = statements.PAGES.get(
        ("short", *asked.key), lambda: _short_list_statement(asked.where, asked.q, keyset=asked.keyset)
    )
    values = {**asked.values, "short_list_read": SHORT_LIST + 1}
    rows = (await (await session.connection()).execute(statement, values)).all()
    if int(rows[0].listed) > SHORT_LIST:
        return None
    total, cap = int(rows[0].total), paging.COUNT_CAP
    return SearchPage(_page_of(rows), min(total, cap), total > cap, False)


def _short_list_statement(where: ColumnElement[bool], q: str, *, keyset: bool) -> Select[Any]:
    n = Nomination.__table__.c  # type: ignore[attr-defined]
    read = bindparam("short_list_read", type_=Integer)
    listed = sa_select(n.id, n.updated_at, n.search_vector).where(where).limit(read).cte("listed")
    matched = (
        sa_select(listed.c.id, listed.c.updated_at).where(matches_search(listed.c.search_vector, q)).cte("matched")
    )
    sizes = sa_select(
        sa_select(func.count()).select_from(listed).scalar_subquery().label("listed"),
        sa_select(func.count()).select_from(matched).scalar_subquery().label("total"),
    ).subquery()
    return _sizes_and_rows(sizes, _newest_ids(matched, keyset=keyset))


async def _every_match(session: AsyncSession, asked: _Asked) -> tuple[list[PageRow], int, bool]:
    """Every match found in the full-text index and read from the table, once. The count's scan
    keeps the (updated_at, id) of what it counted: when it did not reach the cap, that is every
    match, and the page is taken from it; past the cap the page is read by walking the list's order."""
    found = asked.where & matches_search(search_vector(Nomination), asked.q)
    statement = statements.PAGES.get(
        ("every match", *asked.key), lambda: _every_match_statement(found, keyset=asked.keyset)
    )
    rows = (await (await session.connection()).execute(statement, asked.values)).all()
    counted_rows, cap = int(rows[0].total), paging.COUNT_CAP
    if counted_rows <= cap:
        return _page_of(rows), counted_rows, False
    query = sa_select(*listed_columns()).where(found)
    if asked.keyset:
        query = query.where(tuple_(col(Nomination.updated_at), col(Nomination.id)) < paging.page_after())
    page = query.order_by(*NEWEST).limit(paging.page_limit()).offset(paging.page_offset())
    return list((await (await session.connection()).execute(page, asked.values)).all()), cap, True


def _every_match_statement(found: ColumnElement[bool], *, keyset: bool) -> Select[Any]:
    counted = (
        sa_select(col(Nomination.id), col(Nomination.updated_at)).where(found).limit(paging.count_read()).cte("counted")
    )
    total = sa_select(func.count().label("total")).select_from(counted).subquery()
    return _sizes_and_rows(total, _newest_ids(counted, keyset=keyset))
