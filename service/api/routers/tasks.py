"""The inbox: open tasks the caller's roles allow, and completing one."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy import ColumnElement, and_, false, func, or_, tuple_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.tables import Ballot, Nomination, Notification, RoleAssignment, Task
from service.api.deps import ContextDep, CurrentUser, SessionDep, UserDep
from service.api.problems import Problem
from service.api.routers.nominations import visible_to
from service.api.schemas.nominations import NominationCreated
from service.api.schemas.tasks import NotificationOut, TaskComplete, TaskCompleted, TaskOut, TaskPage
from service.core.metrics import TASKS_COMPLETED
from service.temporal._calls_old import call_update
from workflows.contracts import DecisionInput

router = APIRouter(prefix="/api/v1/tasks", tags=["tasks"])


def assigned_to(user: CurrentUser) -> ColumnElement[bool]:
    """Tasks of a (role, unit) the user holds, subtree grants expanded."""
    pairs = user.scoped_pairs()
    if not pairs:
        return false()
    return tuple_(col(Task.role), col(Task.unit_id)).in_(pairs)


async def _task_out(session: AsyncSession, rows: list[tuple[Task, str, str, list[Any]]]) -> list[TaskOut]:
    now = datetime.now(UTC)
    ids = [t.id for t, _, _, _ in rows]
    councils = {t.unit_id for t, _, _, _ in rows if t.step.startswith("council:")}
    members: dict[int, int] = {}
    open_ballots: set[tuple[uuid.UUID, str]] = set()
    council_tasks = [t.nomination_id for t, _, _, _ in rows if t.step.startswith("council:")]
    if council_tasks:
        open_ballots = {
            (n, s)
            for n, s in (
                await session.exec(
                    select(Ballot.nomination_id, Ballot.step).where(
                        col(Ballot.status) == "open", col(Ballot.nomination_id).in_(council_tasks)
                    )
                )
            ).all()
        }
    if councils:
        members = dict(
            (
                await session.exec(
                    select(RoleAssignment.unit_id, func.count())
                    .where(col(RoleAssignment.role) == "council_member", col(RoleAssignment.unit_id).in_(councils))
                    .group_by(col(RoleAssignment.unit_id))
                )
            ).all()
        )
    notes: dict[uuid.UUID, list[NotificationOut]] = {}
    if ids:
        for n in (await session.exec(select(Notification).where(col(Notification.task_id).in_(ids)))).all():
            notes.setdefault(n.task_id, []).append(
                NotificationOut(kind=n.kind, message=n.message, created_at=n.created_at)
            )
    return [
        TaskOut(
            **t.model_dump(),
            overdue=t.status == "open" and t.due_at is not None and t.due_at < now,
            nominee_name=name,
            award_form=form,
            notifications=notes.get(t.id, []),
            decided_by_ballot=any(s.get("key") == t.step and s.get("threshold") is not None for s in route),
            council_members=members.get(t.unit_id, 0) if t.step.startswith("council:") else None,
            ballot_open=(t.nomination_id, t.step) in open_ballots,
        )
        for t, name, form, route in rows
    ]


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
    total = (await session.exec(select(func.count()).select_from(Task).where(where))).one()
    rows = (
        await session.exec(
            select(Task, Nomination.nominee_name, Nomination.award_form, Nomination.route)
            .join(Nomination, col(Nomination.id) == col(Task.nomination_id))
            .where(where)
            .order_by(col(Task.due_at).asc().nulls_last(), col(Task.created_at))
            .limit(limit)
            .offset(offset)
        )
    ).all()
    return TaskPage(items=await _task_out(session, [tuple(r) for r in rows]), total=total)  # type: ignore[misc]


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
    return (await _task_out(session, [tuple(row)]))[0]  # type: ignore[list-item]


async def open_task_of(session: AsyncSession, user: CurrentUser, task_id: uuid.UUID) -> tuple[Task, Nomination]:
    """The open task the caller is about to act on, with its nomination; else the problem to answer."""
    row = (
        await session.exec(
            select(Task, Nomination)
            .join(Nomination, col(Nomination.id) == col(Task.nomination_id))
            # A task of a nomination the caller cannot see does not exist for them (404, not 403).
            .where(Task.id == task_id, visible_to(user))
        )
    ).one_or_none()
    if row is None:
        raise Problem(404, "Không tìm thấy nhiệm vụ.", code="task_not_found")
    task, nomination = row
    if not user.has_role(task.role, task.unit_id):
        raise Problem(403, "Nhiệm vụ này không thuộc thẩm quyền của bạn.", code="not_your_task")
    if task.status != "open":
        raise Problem(409, "Nhiệm vụ này đã được xử lý.", code="already_decided")
    return task, nomination


@router.post("/{task_id}/complete", response_model=TaskCompleted)
async def complete_task(
    task_id: uuid.UUID, body: TaskComplete, ctx: ContextDep, session: SessionDep, user: UserDep
) -> TaskCompleted:
    task, nomination = await open_task_of(session, user, task_id)
    workflow_id = nomination.workflow_id
    if task.step in ("revision", "supplement"):
        raise Problem(409, "Đây là việc của đơn vị đề nghị: hãy nộp lại hoặc bổ sung hồ sơ.", code="wrong_step")
    # Release the connection before waiting on the workflow.
    await session.close()
    view = await call_update(
        ctx.temporal,
        workflow_id,
        "decide",
        DecisionInput(
            task_id=str(task.id),
            outcome=body.outcome,
            actor=user.actor((task.role, task.unit_id)),
            comment=body.comment,
        ),
    )
    TASKS_COMPLETED.labels(outcome=body.outcome).inc()
    return TaskCompleted(
        task_id=task.id,
        outcome=body.outcome,
        nomination=NominationCreated(
            id=task.nomination_id, status=view.status, current_step=view.current_step, workflow_id=workflow_id
        ),
        next_task_id=uuid.UUID(view.open_task_id) if view.open_task_id else None,
    )
