"""The inbox: open tasks the caller's roles allow (filtered, sorted, paged), completing one, and
completing several at once."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import ValidationError
from sqlmodel import col

from models.tables import Nomination, Task
from service.api.deps import ContextDep, SessionDep, UserDep
from service.api.problems import Problem, StillRunning, invalid
from service.api.schemas.common import INT4_MAX, PeriodKind
from service.api.schemas.decisions import DecisionRef
from service.api.schemas.nominations import NominationStatus
from service.api.schemas.tasks import (
    BulkComplete,
    BulkCompleted,
    BulkDone,
    BulkRefused,
    TaskComplete,
    TaskCompleted,
    TaskFilters,
    TaskOut,
    TaskPage,
    TaskSort,
)
from service.api.signing import SIGNED_TASKS, sign_and_record
from service.core.metrics import TASKS_COMPLETED
from service.queries.attachments import attachment_digests, attachment_digests_of
from service.queries.decisions import Waiting, is_signing_step
from service.queries.tasks import (
    bulk_refusal,
    card_columns,
    inbox_after,
    inbox_cursor,
    inbox_order,
    inbox_page,
    inbox_rows,
    inbox_where,
    open_task_of,
    open_tasks_of,
    task_out,
)
from service.queries.visibility import assigned_to
from service.temporal.gateway import NominationRef
from workflows.contracts import DecisionInput, NominationView

router = APIRouter(prefix="/api/v1/tasks", tags=["tasks"])


@router.get("", response_model=TaskPage)
async def inbox(
    ctx: ContextDep,
    session: SessionDep,
    user: UserDep,
    status: Annotated[Literal["open", "done", "cancelled"], Query()] = "open",
    award_form: Annotated[str | None, Query(max_length=64)] = None,
    unit_id: Annotated[int | None, Query(ge=1, le=INT4_MAX, description="The proposing unit.")] = None,
    year: Annotated[int | None, Query(ge=2000, le=2100, description="The period's year.")] = None,
    period_kind: Annotated[PeriodKind | None, Query()] = None,
    step: Annotated[str | None, Query(max_length=64, description="The step's key.")] = None,
    overdue: bool | None = None,
    due_before: Annotated[date | None, Query(description="Due before this day (Asia/Ho_Chi_Minh).")] = None,
    submission_id: uuid.UUID | None = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    sort: Annotated[TaskSort, Query()] = "due_at",
    limit: Annotated[int, Query(ge=1, le=200)] = 100,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
    cursor: Annotated[str | None, Query(max_length=1_000)] = None,
) -> TaskPage:
    try:
        filters = TaskFilters(
            status=status, award_form=award_form, unit_id=unit_id, year=year, period_kind=period_kind, step=step,
            overdue=overdue, due_before=due_before, submission_id=submission_id, q=q,
        )  # fmt: skip
    except ValidationError as exc:
        raise invalid(exc, "query") from None
    where = inbox_where(user, filters, ctx.clock())
    if cursor is not None:
        offset = 0
    rows, total, capped = await inbox_page(
        session, where, after=inbox_after(sort, cursor) if cursor is not None else None, order=inbox_order(sort),
        limit=limit, offset=offset, search=bool(filters.q),
    )  # fmt: skip
    items = await task_out(session, rows, ctx.rosters)
    next_cursor = inbox_cursor(sort, rows[-1]) if len(rows) == limit else None
    return TaskPage(items=items, total=total, total_capped=capped, limit=limit, offset=offset, next_cursor=next_cursor)


@router.post("/bulk", response_model=BulkCompleted)
async def complete_many(body: BulkComplete, ctx: ContextDep, session: SessionDep, user: UserDep) -> BulkCompleted:
    """The same outcome on several tasks: each is checked as `complete` checks one and gets its own
    Update (a few in flight at once); a refused task does not stop the others. Signing, council and the
    proposer's steps are refused here: they need a decision, a vote or the dossier itself."""
    if len(set(body.task_ids)) != len(body.task_ids):
        raise Problem(422, "Danh sách nhiệm vụ có mã trùng nhau.", code="duplicate_task_ids")
    if body.outcome != "approve" and not (body.comment or "").strip():
        raise Problem(422, "Hãy ghi lý do khi trả lại hoặc không duyệt hồ sơ.", code="comment_required")
    found = await open_tasks_of(session, user, body.task_ids)
    refused: dict[uuid.UUID, BulkRefused] = {}
    acting: list[tuple[Task, Nomination]] = []
    for task_id, row in found.items():
        if isinstance(row, Problem):
            refused[task_id] = _refused(task_id, None, row)
        elif (why := bulk_refusal(row[0], row[1], body.outcome)) is not None:
            refused[task_id] = _refused(task_id, row[1], why)
        else:
            acting.append(row)
    files = await attachment_digests_of(session, [n.id for _, n in acting])
    actions = [
        (
            NominationRef(n.workflow_id),
            DecisionInput(
                task_id=str(t.id), outcome=body.outcome, actor=user.actor((t.role, t.unit_id)), comment=body.comment,
                attachments=files.get(n.id, []),
            ),
        )
        for t, n in acting
    ]  # fmt: skip
    results = await ctx.gateway.decide_many(actions, release=session) if actions else []
    done: dict[uuid.UUID, BulkDone] = {}
    for (task, nomination), result in zip(acting, results, strict=True):
        if isinstance(result, Problem):
            refused[task.id] = _refused(task.id, nomination, result)
            continue
        # Accepted but still being recorded (StillRunning): done, it will take effect.
        view = result if isinstance(result, NominationView) else None
        done[task.id] = BulkDone(
            task_id=task.id, nomination_id=nomination.id, nominee_name=nomination.nominee_name,
            status=view.status if view else "accepted", current_step=view.current_step if view else None,
            next_task_id=uuid.UUID(view.open_task_id) if view and view.open_task_id else None,
        )  # fmt: skip
    if not done:
        # Nothing happened because Temporal could not be reached: 503 with Retry-After, not a list of refusals.
        outage = next((r for r in results if isinstance(r, Problem) and r.status == 503), None)
        if outage is not None:
            raise outage
    TASKS_COMPLETED.labels(outcome=body.outcome).inc(len(done))
    return BulkCompleted(
        outcome=body.outcome,
        done=[done[t] for t in body.task_ids if t in done],
        refused=[refused[t] for t in body.task_ids if t in refused],
    )


def _refused(task_id: uuid.UUID, nomination: Nomination | None, why: Problem) -> BulkRefused:
    # The dossier is named only when the caller may see it (a task they cannot see does not exist).
    return BulkRefused(
        task_id=task_id, nomination_id=nomination.id if nomination else None,
        nominee_name=nomination.nominee_name if nomination else None, code=why.code or "refused", detail=why.detail,
    )  # fmt: skip


@router.get("/{task_id}", response_model=TaskOut)
async def get_task(task_id: uuid.UUID, ctx: ContextDep, session: SessionDep, user: UserDep) -> TaskOut:
    row = (
        await (await session.connection()).execute(
            inbox_rows(*card_columns()).where(col(Task.id) == task_id, assigned_to(user))
        )
    ).one_or_none()
    if row is None:
        raise Problem(404, "Không tìm thấy nhiệm vụ.", code="task_not_found")
    return (await task_out(session, [row], ctx.rosters))[0]


@router.post("/{task_id}/complete", response_model=TaskCompleted)
async def complete_task(
    task_id: uuid.UUID, body: TaskComplete, ctx: ContextDep, session: SessionDep, user: UserDep
) -> TaskCompleted:
    task, nomination = await open_task_of(session, user, task_id)
    workflow_id = nomination.workflow_id
    if task.step in ("revision", "supplement"):
        raise Problem(409, "Đây là việc của đơn vị đề nghị: hãy nộp lại hoặc bổ sung hồ sơ.", code="wrong_step")
    if body.outcome == "approve" and is_signing_step(nomination, task.step):
        # Approving a signing task signs a decision of one, numbered once (its id is the task's).
        decision, results = await sign_and_record(
            ctx, session, user, [Waiting(task, nomination)], decision_id=uuid.uuid5(SIGNED_TASKS, str(task.id)),
            comment=body.comment,
        )  # fmt: skip
        result = results[0]
        if isinstance(result, StillRunning):
            raise result
        assert isinstance(result, NominationView)
        TASKS_COMPLETED.labels(outcome=body.outcome).inc()
        return TaskCompleted(
            task_id=task.id, outcome=body.outcome,
            nomination=NominationStatus(
                id=task.nomination_id, status=result.status, current_step=result.current_step, workflow_id=workflow_id
            ),
            next_task_id=uuid.UUID(result.open_task_id) if result.open_task_id else None,
            decision=DecisionRef(id=decision.id, number=decision.number, symbol=decision.symbol,
                                 signed_at=decision.signed_at),
        )  # fmt: skip
    files = await attachment_digests(session, nomination.id)
    view = await ctx.gateway.decide(
        NominationRef(workflow_id),
        DecisionInput(
            task_id=str(task.id),
            outcome=body.outcome,
            actor=user.actor((task.role, task.unit_id)),
            comment=body.comment,
            attachments=files,
        ),
        release=session,
    )
    TASKS_COMPLETED.labels(outcome=body.outcome).inc()
    return TaskCompleted(
        task_id=task.id,
        outcome=body.outcome,
        nomination=NominationStatus(
            id=task.nomination_id, status=view.status, current_step=view.current_step, workflow_id=workflow_id
        ),
        next_task_id=uuid.UUID(view.open_task_id) if view.open_task_id else None,
    )
