"""Nomination queries of the API: what a user may see, one dossier, and the list's rows."""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    and_,
    func,
    literal,
    not_,
    or_,
    tuple_,
    union_all,
)
from sqlalchemy import select as sa_select
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.rules.catalogue import Catalogue
from models.rules.labels import PHASES
from models.rules.org_tree import OrgTree
from models.tables import Decision, DecisionNomination, Nomination, Submission, Task
from models.tables.nominations import search_vector
from service.api.problems import Problem
from service.api.schemas.decisions import DecisionRef
from service.api.schemas.nominations import NominationFilters, NominationOut, SubmissionRef
from service.queries import paging, statements
from service.queries.arrays import id_in
from service.queries.dossier_rows import NEWEST, OUT_FIELDS, PageRow, listed_columns
from service.queries.search import matches_search
from service.queries.visibility import visible_to
from service.security.principal import CurrentUser


def nominations_where(user: CurrentUser, f: NominationFilters) -> ColumnElement[bool]:
    """The list's condition: what the user sees, narrowed by the filters (the list and its saved views)."""
    filters: list[ColumnElement[bool]] = [visible_to(user)]
    if f.overdue is not None:
        # A nomination is overdue when its open task is past its limit: the projection keeps that
        # task's due date on the row (open_due_at), held by ix_nominations_list.
        due = col(Nomination.open_due_at)
        filters.append(due < func.now() if f.overdue else or_(due.is_(None), due >= func.now()))
    if f.status:
        filters.append(col(Nomination.status) == f.status)
    filters += dossier_conditions(
        Nomination, award_form=f.award_form, unit_id=f.unit_id, year=f.year, submission_id=f.submission_id
    )
    if f.q:
        filters.append(matches_search(search_vector(Nomination), f.q))
    return and_(*filters)


def dossier_conditions(
    table: type[Nomination] | type[Task],
    *,
    award_form: str | None,
    unit_id: int | None,
    year: int | None,
    submission_id: uuid.UUID | None,
    period_kind: str | None = None,
) -> list[ColumnElement[bool]]:
    """The filters on what a dossier is (form, proposing unit, period, list), shared by the
    nominations list and the inbox: over the nomination's columns, or over the copy of them each task
    carries (models/tables/nominations.py Task), so that the inbox needs no join to filter. Each
    searches in its own full-text index (`matches_search`, `assigned_matches`)."""
    filters: list[ColumnElement[bool]] = []
    if award_form:
        filters.append(col(table.award_form) == award_form)
    if unit_id is not None:
        filters.append(col(table.proposing_unit_id) == unit_id)
    if year is not None:
        filters.append(col(table.period_year) == year)
    if period_kind:
        filters.append(col(table.period_kind) == period_kind)
    if submission_id is not None:
        filters.append(col(table.submission_id) == submission_id)
    return filters


async def list_page(
    session: AsyncSession,
    where: ColumnElement[bool],
    *,
    after: tuple[datetime, uuid.UUID] | None,
    limit: int,
    offset: int,
) -> tuple[list[PageRow], int, bool]:
    """A page of the list (rows of LISTED_FIELDS), newest change first (after the cursor's row, if
    any), with the list's count capped at COUNT_CAP, and whether it stopped there: one statement,
    the page's rows each carrying the count.

    The count reads no more than COUNT_CAP + 1 entries and nothing but them (an index the condition
    can be read from). When it stopped short of the cap and the list is a small share of the table,
    the page is sorted from the list's rows found the cheapest way (a commune's 2,000 dossiers by
    their access key, 1,200 of them overdue, sorted in a millisecond). Otherwise the page is read by
    walking the list's order in its index. Left to the planner, a short list's page was walked too:
    41,000 index entries to find the commune's newest fifty (14 ms), the walk priced below the sort.
    Each way's branch runs only when the count says so (a one-time filter). A page past the end has
    no row to carry the count: it is counted on its own. A search goes another way
    (service/queries/search.py)."""
    await paging.plan_for_these_values(session)
    cap = paging.COUNT_CAP
    keyset = after is not None
    statement = statements.PAGES.get(
        ("list", statements.condition_key(where), keyset), lambda: _list_statement(where, keyset=keyset)
    )
    values = paging.page_values(limit=limit, offset=offset, after=after)
    connection = await session.connection()
    rows: Sequence[PageRow] = (await connection.execute(statement, values)).all()
    if rows:
        counted_rows = int(rows[0].total)
    else:
        counted_rows = int((await connection.execute(_count_statement(where), values)).scalar_one())
    return list(rows), min(counted_rows, cap), counted_rows > cap


def _count_statement(where: ColumnElement[bool]) -> Select[Any]:
    """The list's count, stopping past COUNT_CAP. FROM named: a province-wide administrator's
    condition is TRUE and names no table."""
    return paging.counted(select(literal(1)).select_from(Nomination).where(where))


def _list_statement(where: ColumnElement[bool], *, keyset: bool) -> Select[Any]:
    """`list_page`'s statement for a condition, its page's values as parameters (paging.page_values;
    the cursor's if `keyset`). Built once per condition (service/queries/statements.py)."""
    limit, offset = paging.page_limit(), paging.page_offset()
    # Counted once for the three places that read it.
    size = _count_statement(where).cte("size")
    total = select(size.c[0]).scalar_subquery()
    # Short, for its page: counted below the cap, and sorting its rows (reading them a second time)
    # costs less than walking the order to the page, which reads about (offset + limit) × N / count
    # entries, N the table's rows as PostgreSQL last estimated them. A commune's 1,214 overdue among
    # a million: 2,400 rows against 41,000 entries; a council's 5,900 of 10,000 dossiers: 12,000
    # rows against 85 entries, walked.
    short = and_(
        total <= paging.count_cap(), total * total * 2 <= paging.page_end() * paging.estimated_rows("nominations")
    )
    # A short list: its rows (no more than the cap) found as the planner likes, then sorted; the
    # LIMIT keeps the order's index from being walked for them.
    rows_of_short = (
        select(col(Nomination.id), col(Nomination.updated_at)).where(where).limit(paging.count_read()).subquery()
    )
    few = select(rows_of_short.c.id, rows_of_short.c.updated_at).where(short)
    # A long list: the page's keys walked in the list's order, read with every filter from the
    # list's indexes (index-only), and only then the page's rows: reading whole rows in the list's
    # order would fetch from the table each row a filter then drops (5,000 rows for a page of fifty
    # overdue dossiers at a million).
    many = select(col(Nomination.id), col(Nomination.updated_at)).where(where, not_(short))
    if keyset:
        after = paging.page_after()
        few = few.where(tuple_(rows_of_short.c.updated_at, rows_of_short.c.id) < after)
        many = many.where(tuple_(col(Nomination.updated_at), col(Nomination.id)) < after)
    few = few.order_by(rows_of_short.c.updated_at.desc(), rows_of_short.c.id.desc()).limit(limit).offset(offset)
    many = many.order_by(*NEWEST).limit(limit).offset(offset)
    page = union_all(few, many).subquery("page")
    query = sa_select(*listed_columns(), total.label("total")).join(page, page.c.id == col(Nomination.id))
    return query.order_by(page.c.updated_at.desc(), page.c.id.desc())


async def get_visible(session: AsyncSession, user: CurrentUser, nomination_id: uuid.UUID) -> Nomination:
    nomination = (
        await session.exec(select(Nomination).where(Nomination.id == nomination_id, visible_to(user)))
    ).one_or_none()
    if nomination is None:
        raise Problem(404, "Không tìm thấy hồ sơ đề nghị khen thưởng.", code="nomination_not_found")
    return nomination


async def decision_refs(session: AsyncSession, nomination_ids: list[uuid.UUID]) -> dict[uuid.UUID, DecisionRef]:
    """The decision that awarded each of these nominations (those awarded by one)."""
    if not nomination_ids:
        return {}
    rows = (
        await session.exec(
            select(  # type: ignore[call-overload]
                DecisionNomination.nomination_id, Decision.id, Decision.number, Decision.symbol, Decision.signed_at
            )
            .join(Decision, col(Decision.id) == col(DecisionNomination.decision_id))
            .where(id_in(col(DecisionNomination.nomination_id), nomination_ids))
        )
    ).all()
    return {nid: DecisionRef(id=did, number=num, symbol=sym, signed_at=at) for nid, did, num, sym, at in rows}


async def submission_refs(session: AsyncSession, submission_ids: set[uuid.UUID]) -> dict[uuid.UUID, SubmissionRef]:
    """The submission letter (tờ trình) of each of these submission ids."""
    if not submission_ids:
        return {}
    rows = (
        await session.exec(
            select(Submission.id, Submission.number, Submission.symbol).where(id_in(col(Submission.id), submission_ids))
        )
    ).all()
    return {sid: SubmissionRef(id=sid, number=number, symbol=symbol) for sid, number, symbol in rows}


async def to_out(
    session: AsyncSession, catalogue: Catalogue, rows: Sequence[Mapping[Any, Any]], tree: OrgTree
) -> list[NominationOut]:
    """The API's view of nominations (rows of LISTED_FIELDS), their units from the organisation tree
    the API keeps."""
    # Only a decided nomination can be in a decision (the projection dates the decision it records).
    decisions = await decision_refs(session, [n["id"] for n in rows if n["decided_at"] is not None])
    submissions = await submission_refs(session, {n["submission_id"] for n in rows if n["submission_id"] is not None})
    # Each dossier validated from one dict of its loaded fields (its steps and unit nested), in one
    # call: a page of fifty cost 3 ms built from keyword arguments and a model per step.
    out = []
    for row in rows:
        unit = tree[row["proposing_unit_id"]]
        form = catalogue.get(row["award_form"])
        route = row["route"]
        current_step = row["current_step"]
        current = next((s["name"] for s in route if s.get("key") == current_step), None)
        # Steps that are not on the route: the clerk's turns and the disclosure period.
        current = current or PHASES.get(current_step or "")
        submission_id = row["submission_id"]
        out.append(
            NominationOut.model_validate(
                {
                    **{field: row[field] for field in OUT_FIELDS},
                    "award_form_name": form.name if form else None,
                    "proposing_unit": {
                        "id": unit.id, "code": unit.code, "name": unit.name, "level": unit.level, "kind": unit.kind,
                    },
                    "period": {"kind": row["period_kind"], "year": row["period_year"]},
                    "current_step_name": current,
                    "route": [{"index": i, **s} for i, s in enumerate(route)],
                    "decision": decisions.get(row["id"]),
                    "submission": submissions.get(submission_id) if submission_id else None,
                }
            )
        )  # fmt: skip
    return out


async def clerk_nomination(session: AsyncSession, user: CurrentUser, nomination_id: uuid.UUID) -> Nomination:
    nomination = await get_visible(session, user, nomination_id)
    if not user.has_role("clerk", nomination.proposing_unit_id):
        raise Problem(
            403, "Chỉ cán bộ thi đua của đơn vị đề nghị mới được thực hiện thao tác này.", code="not_unit_clerk"
        )
    return nomination
