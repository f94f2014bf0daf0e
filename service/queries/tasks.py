"""Task queries of the API: the inbox of a user's (role, unit) pairs, its filters and orders, and the
tasks a caller acts on (one, or several at once)."""

from __future__ import annotations

import operator
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, time
from functools import cache
from typing import Any, cast

from sqlalchemy import ColumnElement, String, Uuid, and_, func, literal, literal_column, or_, tuple_
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.sql.util import ClauseAdapter
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.rules.calendar import VN_TZ
from models.rules.notices import ESCALATION, REMINDER
from models.rules.text import MARKED_LETTERS, UNMARKED_LETTERS
from models.tables import Ballot, Nomination, Notification, Task
from models.tables.nominations import TASK_DOSSIER_KEYS, task_name_key
from service.api.problems import Problem
from service.api.schemas.tasks import TaskFilters, TaskOut
from service.queries import paging, statements
from service.queries.arrays import id_in
from service.queries.decisions import is_signing_step
from service.queries.dossier_rows import PageRow, as_dicts
from service.queries.nominations import dossier_conditions
from service.queries.paging import decode_keyset, encode_keyset
from service.queries.rosters import RosterCache
from service.queries.visibility import assigned_matches, assigned_to, visible_to
from service.security.principal import CurrentUser
from workflows.contracts import REVISION_STEP, SUPPLEMENT_STEP

# ---- the inbox: filters, orders, cursors ----------------------------------------------------------


def inbox_where(user: CurrentUser, f: TaskFilters, now: datetime) -> ColumnElement[bool]:
    """The inbox's condition over tasks alone (the dossier's keys are copied onto each task): the
    caller's (role, unit) pairs, narrowed by the filters. The list, its count and the saved views'
    counts all use it, so a view's count is the list's total."""
    filters: list[ColumnElement[bool]] = [col(Task.status) == f.status, assigned_to(user)]
    if f.overdue is not None:
        filters.append(
            col(Task.due_at) < now if f.overdue else or_(col(Task.due_at).is_(None), col(Task.due_at) >= now)
        )
    if f.due_before is not None:
        filters.append(col(Task.due_at) < datetime.combine(f.due_before, time(0, 0), VN_TZ))
    if f.step:
        filters.append(col(Task.step) == f.step)
    filters += dossier_conditions(
        Task, award_form=f.award_form, unit_id=f.unit_id, year=f.year, submission_id=f.submission_id,
        period_kind=f.period_kind,
    )  # fmt: skip
    if f.q and f.q.strip():
        filters.append(assigned_matches(user, f.q))
    return and_(*filters)


def decided_by_ballot() -> ColumnElement[bool]:
    """Whether the task's step is decided by a council's ballot (its step of the route has a
    threshold), answered by PostgreSQL: a card needs this much of the route, not the whole route to
    send and decode for every card of an inbox page."""
    path: ColumnElement[Any] = literal_column("'$[*] ? (@.key == $step && @.threshold != null)'::jsonpath")
    return cast(
        ColumnElement[bool],
        func.jsonb_path_exists(col(Nomination.route), path, func.jsonb_build_object("step", col(Task.step))),
    )


def ballot_open() -> ColumnElement[bool]:
    """Whether a ballot of the task's council step is open (for a council's card)."""
    return (
        select(literal(1))
        .where(
            col(Ballot.nomination_id) == col(Task.nomination_id),
            col(Ballot.step) == col(Task.step),
            col(Ballot.status) == "open",
        )
        .exists()
    )


def task_notices() -> ColumnElement[Any]:
    """The task's reminders and escalations, oldest first, as a JSON array (empty: []). That it was
    opened (returned, asked to supplement) the card itself shows."""
    notice = func.json_build_object(
        "kind", col(Notification.kind), "message", col(Notification.message),
        "created_at", col(Notification.created_at),
    )  # fmt: skip
    listed = (
        select(func.json_agg(aggregate_order_by(notice, col(Notification.created_at), col(Notification.id))))
        .where(col(Notification.task_id) == col(Task.id), col(Notification.kind).in_((REMINDER, ESCALATION)))
        .scalar_subquery()
    )
    return func.coalesce(listed, literal_column("'[]'::json"))


# An inbox of at most this many tasks has its page sorted from its rows rather than walked in its
# order's index (`inbox_page`).
SORTED_INBOX = 2_000


@cache
def card_columns() -> tuple[Any, ...]:
    """What a task's card is read from, in one statement with its page: the task's columns of the card
    (CARD_TASK_FIELDS), its dossier's name and form, decided_by_ballot(), ballot_open() and
    task_notices() (each an index lookup per card; two round trips fewer than reading them for the
    page afterwards). Plain rows, not ORM objects: a page of a hundred tasks loaded as ORM objects
    cost about 3 ms more, for cards that are read once and never changed. Built once: SQL
    expressions do not change once built, and building these took a tenth of an inbox's CPU."""
    tasks = Task.__table__.c  # type: ignore[attr-defined]
    return (
        *(tasks[name] for name in CARD_TASK_FIELDS),
        # The card names the dossier from its nomination, not from the task's copy of its keys.
        col(Nomination.nominee_name).label("nominee_name"), col(Nomination.award_form).label("award_form"),
        decided_by_ballot().label("decided_by_ballot"), ballot_open().label("ballot_open"),
        task_notices().label("notices"),
    )  # fmt: skip


def inbox_rows(*columns: Any) -> Any:
    """SELECT `columns` FROM tasks JOIN nominations (for the card's dossier): what `inbox_where` filters."""
    return select(*columns).join(Nomination, col(Nomination.id) == col(Task.nomination_id))


def inbox_count_rows(where: ColumnElement[bool]) -> Any:
    """The inbox's rows to count: tasks alone, no nomination read (every task has one)."""
    return select(col(Task.id)).where(where)


async def inbox_page(
    session: AsyncSession,
    where: ColumnElement[bool],
    *,
    after: ColumnElement[bool] | None,
    order: list[Any],
    limit: int,
    offset: int,
    search: bool,
) -> tuple[list[PageRow], int, bool]:
    """A page of the inbox (rows of `card_columns`) and its count capped at COUNT_CAP.

    A search's matches are found in the full-text index and read from the table: its count and its
    page are then taken in one statement from the same capped scan, which holds every match when it
    stops short of the cap (else the page is read again, walking the order's index)."""
    await paging.plan_for_these_values(session)
    connection = await session.connection()
    # Each statement is built once per condition and order (service/queries/statements.py), and run
    # with the page's values. A page after a cursor (its values in `after`) is built each time:
    # kept, every cursor would push out a first page.
    shape = (statements.condition_key(where), tuple(statements.condition_key(o) for o in order))

    def kept(what: str, build: Callable[[], Any]) -> Any:
        return build() if after is not None else statements.PAGES.get((what, *shape), build)

    values = paging.page_values(limit=limit, offset=offset)
    if search:
        within = kept("inbox sorted", lambda: _sorted_statement(where, after, order))
        found = (await connection.execute(within, values)).all()
        if found and int(found[0].total) <= paging.COUNT_CAP:
            return list(found), int(found[0].total), False
    counted = statements.PAGES.get(("inbox count", shape[0]), lambda: paging.counted(inbox_count_rows(where)))
    counted_rows = int((await connection.execute(counted, values)).scalar_one())
    if counted_rows <= min(SORTED_INBOX, paging.COUNT_CAP):
        # Few tasks: sorted from their rows. Walked in the order's index, a short inbox whose tasks
        # sit at one end of it (a council's 623 not yet overdue, at the end of 120,000 by due date)
        # read every entry before them: 28 ms; its rows joined to their nominations, then sorted,
        # cost 623 lookups in the large table for a page of 100: 9 ms. Sorted from the rows: 3 ms.
        # (Only an inbox counted whole: the sort reads no more rows than the count does.)
        page = kept("inbox sorted", lambda: _sorted_statement(where, after, order))
    else:
        page = kept("inbox page", lambda: _page_statement(where, after, order))
    rows = (await connection.execute(page, values)).all()
    return list(rows), min(counted_rows, paging.COUNT_CAP), counted_rows > paging.COUNT_CAP


def _page_statement(where: ColumnElement[bool], after: ColumnElement[bool] | None, order: list[Any]) -> Any:
    """A long inbox's page: walked in the order's index, each card's nomination joined as it comes."""
    page = inbox_rows(*card_columns()).where(where)
    if after is not None:
        page = page.where(after)
    return page.order_by(*order).limit(paging.page_limit()).offset(paging.page_offset())


def _sorted_statement(where: ColumnElement[bool], after: ColumnElement[bool] | None, order: list[Any]) -> Any:
    """A page sorted from the inbox's rows (each row once, read the cheapest way, no more than the
    cap), with their count: a search's, and a short inbox's. The page's tasks are chosen before
    their nominations are read."""
    # Each match once, with what the orders sort on: the page is sorted from these rows, not
    # from the tasks read again by id.
    keys = [col(Task.id), col(Task.due_at), col(Task.created_at), task_name_key()]
    counted = select(*keys).where(where).limit(paging.count_read()).cte("counted")
    total = select(func.count()).select_from(counted).scalar_subquery()
    on_counted = ClauseAdapter(counted)
    # The page's tasks first, then their nominations: a hundred read from the large table, not every match.
    chosen = select(counted.c.id)
    if after is not None:
        chosen = chosen.where(on_counted.traverse(after))
    ids = (
        chosen.order_by(*(on_counted.traverse(o) for o in order))
        .limit(paging.page_limit())
        .offset(paging.page_offset())
        .subquery()
    )
    within = inbox_rows(*card_columns(), total.label("total")).where(col(Task.id).in_(select(ids.c.id)))
    return within.order_by(*order)


def name_key(name: Any) -> ColumnElement[str]:
    """A name as the inbox sorts it: marks removed, lower case (an SQL expression), as the stored
    key `tasks.name_key` is computed (a cursor's name is compared with it)."""
    marked: ColumnElement[str] = literal_column(f"'{MARKED_LETTERS}'")
    unmarked: ColumnElement[str] = literal_column(f"'{UNMARKED_LETTERS}'")
    return func.lower(func.translate(name, marked, unmarked))


def _sort_key(sort: str) -> ColumnElement[Any]:
    if sort.endswith("due_at"):
        return cast(ColumnElement[Any], col(Task.due_at))
    if sort.endswith("created_at"):
        return cast(ColumnElement[Any], col(Task.created_at))
    return cast(ColumnElement[Any], task_name_key())


def inbox_order(sort: str) -> list[Any]:
    """ORDER BY of a sort: its key, then the task id in the same direction (tasks without a limit last)."""
    key = _sort_key(sort)
    descending = sort.startswith("-")
    first = key.desc() if descending else key.asc()
    if sort.endswith("due_at"):
        first = first.nulls_last()
    return [first, col(Task.id).desc() if descending else col(Task.id).asc()]


def inbox_cursor(sort: str, card: PageRow) -> str:
    """The cursor after this card's row (`card_columns`) in this order."""
    if sort.endswith("due_at"):
        value = card.due_at.isoformat() if card.due_at else None
    elif sort.endswith("created_at"):
        value = card.created_at.isoformat()
    else:
        value = card.nominee_name
    return encode_keyset(sort, value, card.id)


def inbox_after(sort: str, cursor: str) -> ColumnElement[bool]:
    """The rows after the cursor's row in this order (keyset paging)."""
    raw, last_id = decode_keyset(cursor, sort)
    beyond = operator.lt if sort.startswith("-") else operator.gt
    key = _sort_key(sort)
    after_id = beyond(col(Task.id), last_id)
    if sort == "nominee_name":
        if raw is None:
            raise Problem(422, "Tham số trang (cursor) không hợp lệ; hãy tải lại danh sách.", code="invalid_cursor")
        return beyond(tuple_(key, col(Task.id)), tuple_(name_key(literal(raw, String)), literal(last_id, Uuid)))
    value = _instant(raw) if raw is not None else None
    if value is None:
        if not sort.endswith("due_at"):
            raise Problem(422, "Tham số trang (cursor) không hợp lệ; hãy tải lại danh sách.", code="invalid_cursor")
        # Past the tasks with a limit: the rest of those without one.
        return and_(key.is_(None), after_id)
    later = beyond(tuple_(key, col(Task.id)), (value, last_id))
    # Tasks without a limit come after every task with one, in both directions.
    return or_(later, key.is_(None)) if sort.endswith("due_at") else later


def _instant(raw: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise Problem(422, "Tham số trang (cursor) không hợp lệ; hãy tải lại danh sách.", code="invalid_cursor")
    return parsed


# ---- a task's card --------------------------------------------------------------------------------


# What a card takes from its task as it is.
CARD_TASK_FIELDS = tuple(
    name for name in TaskOut.model_fields if name in Task.model_fields and name not in TASK_DOSSIER_KEYS
)


async def task_out(session: AsyncSession, rows: Sequence[PageRow], rosters: RosterCache) -> list[TaskOut]:
    """The cards of tasks read with `card_columns()`."""
    now = datetime.now(UTC)
    cards = as_dicts(rows)
    councils = {c["unit_id"] for c in cards if c["step"].startswith("council:")}
    # The card shows each council's size, as its tally will be judged on it.
    members = {unit: await rosters.size(session, unit) for unit in councils}
    # Why a dossier came back to its clerk: the latest return on it (reason and the step that returned it).
    returned = [c["nomination_id"] for c in cards if c["step"] == REVISION_STEP]
    reasons: dict[uuid.UUID, tuple[str | None, str]] = {}
    if returned:
        for nid, comment, step_name in (
            await session.exec(
                select(Task.nomination_id, Task.comment, Task.step_name)
                .where(id_in(col(Task.nomination_id), returned), col(Task.outcome) == "return")
                .order_by(col(Task.completed_at))
            )
        ).all():
            reasons[nid] = (comment, step_name)  # the newest wins
    out = []
    for card in cards:
        step, due_at = card["step"], card["due_at"]
        card["overdue"] = card["status"] == "open" and due_at is not None and due_at < now
        card["notifications"] = card["notices"]
        card["council_members"] = members.get(card["unit_id"], 0) if step.startswith("council:") else None
        reason = reasons.get(card["nomination_id"]) if step == REVISION_STEP else None
        card["return_reason"], card["returned_by_step"] = reason if reason else (None, None)
        # Each card validated from one dict: a third of the time of keyword arguments.
        out.append(TaskOut.model_validate(card))
    return out


# ---- the tasks a caller acts on --------------------------------------------------------------------


def _not_found() -> Problem:
    return Problem(404, "Không tìm thấy nhiệm vụ.", code="task_not_found")


def _refusal(user: CurrentUser, task: Task) -> Problem | None:
    # A task no longer open is a conflict for whoever asks (two people acting at once): the one
    # who lost the race learns that it was decided, not that it was never theirs.
    if task.status != "open":
        return Problem(409, "Nhiệm vụ này đã được xử lý.", code="already_decided")
    if not user.has_role(task.role, task.unit_id):
        return Problem(403, "Nhiệm vụ này không thuộc thẩm quyền của bạn.", code="not_your_task")
    return None


async def open_task_of(session: AsyncSession, user: CurrentUser, task_id: uuid.UUID) -> tuple[Task, Nomination]:
    """The open task the caller is about to act on, with its nomination; else the problem to answer."""
    found = (await open_tasks_of(session, user, [task_id]))[task_id]
    if isinstance(found, Problem):
        raise found
    return found


async def open_tasks_of(
    session: AsyncSession, user: CurrentUser, task_ids: Sequence[uuid.UUID]
) -> dict[uuid.UUID, tuple[Task, Nomination] | Problem]:
    """Each task with its nomination when the caller may act on it now, else the problem that says why
    not: the checks of `open_task_of`, for several tasks in one query."""
    rows = (
        await session.exec(
            select(Task, Nomination)
            .join(Nomination, col(Nomination.id) == col(Task.nomination_id))
            # A task of a nomination the caller cannot see does not exist for them (404, not 403).
            .where(col(Task.id).in_(list(task_ids)), visible_to(user))
        )
    ).all()
    found = {task.id: (task, nomination) for task, nomination in rows}
    out: dict[uuid.UUID, tuple[Task, Nomination] | Problem] = {}
    for task_id in task_ids:
        row = found.get(task_id)
        out[task_id] = _not_found() if row is None else (_refusal(user, row[0]) or row)
    return out


def bulk_refusal(task: Task, nomination: Nomination, outcome: str) -> Problem | None:
    """Why this task cannot be decided in a bulk action (its step needs something else), or None."""
    if task.step in (REVISION_STEP, SUPPLEMENT_STEP):
        return Problem(
            409,
            "Đây là việc của đơn vị đề nghị (chỉnh sửa, bổ sung hồ sơ): hãy mở hồ sơ để nộp lại hoặc bổ sung.",
            code="proposer_step",
        )
    if outcome != "approve":
        return None
    if is_signing_step(nomination, task.step):
        return Problem(
            409,
            "Bước ký quyết định khen thưởng: hãy dùng «Ký quyết định» để ký một quyết định cho các hồ sơ đã chọn.",
            code="signing_step",
        )
    if any(s.get("key") == task.step and s.get("kind") == "council" for s in nomination.route):
        return Problem(
            409,
            "Bước xét của Hội đồng: cần ghi kết quả họp hoặc tổ chức bỏ phiếu, không duyệt hàng loạt.",
            code="council_step",
        )
    return None
