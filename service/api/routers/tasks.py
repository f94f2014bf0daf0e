"""The inbox: open tasks the caller's roles allow, and completing one."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import and_, or_
from sqlmodel import col, select

from models.tables import Nomination, Task
from service.api.deps import ContextDep, SessionDep, UserDep
from service.api.problems import Problem, StillRunning
from service.api.schemas.decisions import DecisionRef
from service.api.schemas.nominations import NominationStatus
from service.api.schemas.tasks import TaskComplete, TaskCompleted, TaskOut, TaskPage
from service.api.signing import SIGNED_TASKS, sign_and_record
from service.core.metrics import TASKS_COMPLETED
from service.queries.attachments import attachment_digests
from service.queries.decisions import Waiting, is_signing_step
from service.queries.paging import capped_count
from service.queries.tasks import open_task_of, task_out
from service.queries.visibility import assigned_to
from service.temporal.gateway import NominationRef
from workflows.contracts import DecisionInput, NominationView

router = APIRouter(prefix="/api/v1/tasks", tags=["tasks"])


@router.get("", response_model=TaskPage)
async def inbox(
    session: SessionDep,
    user: UserDep,
    status: Annotated[str, Query(pattern="^(open|done|cancelled)$")] = "open",
    overdue: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 100,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> TaskPage:
    filters = [col(Task.status) == status, assigned_to(user)]
    if overdue is not None:
        now = datetime.now(UTC)
        filters.append(col(Task.due_at) < now if overdue else or_(col(Task.due_at).is_(None), col(Task.due_at) >= now))
    where = and_(*filters)
    total, capped = await capped_count(session, select(col(Task.id)).where(where))
    rows = (
        await session.exec(
            select(Task, Nomination.nominee_name, Nomination.award_form, Nomination.route)
            .join(Nomination, col(Nomination.id) == col(Task.nomination_id))
            .where(where)
            .order_by(col(Task.due_at).asc().nulls_last(), col(Task.created_at), col(Task.id))
            .limit(limit)
            .offset(offset)
        )
    ).all()
    items = await task_out(session, [tuple(r) for r in rows])  # type: ignore[misc]
    return TaskPage(items=items, total=total, total_capped=capped)


@router.get("/{task_id}", response_model=TaskOut)
async def get_task(task_id: uuid.UUID, session: SessionDep, user: UserDep) -> TaskOut:
    row = (
        await session.exec(
            select(Task, Nomination.nominee_name, Nomination.award_form, Nomination.route)
            .join(Nomination, col(Nomination.id) == col(Task.nomination_id))
            .where(Task.id == task_id, assigned_to(user))
        )
    ).one_or_none()
    if row is None:
        raise Problem(404, "Không tìm thấy nhiệm vụ.", code="task_not_found")
    return (await task_out(session, [tuple(row)]))[0]  # type: ignore[list-item]


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
