"""Task queries of the API: the inbox of a user's (role, unit) pairs and the task a caller acts on."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.rules.notices import ESCALATION, REMINDER
from models.tables import Ballot, Nomination, Notification, RoleAssignment, Task
from service.api.problems import Problem
from service.api.schemas.tasks import NotificationOut, TaskOut
from service.queries.visibility import visible_to
from service.security.principal import CurrentUser
from workflows.contracts import REVISION_STEP


async def task_out(session: AsyncSession, rows: list[tuple[Task, str, str, list[Any]]]) -> list[TaskOut]:
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
    # Why a dossier came back to its clerk: the latest return on it (reason and the step that returned it).
    returned = [t.nomination_id for t, _, _, _ in rows if t.step == REVISION_STEP]
    reasons: dict[uuid.UUID, tuple[str | None, str]] = {}
    if returned:
        for nid, comment, step_name in (
            await session.exec(
                select(Task.nomination_id, Task.comment, Task.step_name)
                .where(col(Task.nomination_id).in_(returned), col(Task.outcome) == "return")
                .order_by(col(Task.completed_at))
            )
        ).all():
            reasons[nid] = (comment, step_name)  # the newest wins
    notes: dict[uuid.UUID, list[NotificationOut]] = {}
    if ids:
        # The task's reminders and escalations; that it was opened (returned, asked to supplement)
        # the card itself shows.
        query = select(Notification).where(
            col(Notification.task_id).in_(ids), col(Notification.kind).in_((REMINDER, ESCALATION))
        )
        for n in (await session.exec(query)).all():
            assert n.task_id is not None
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
            return_reason=reasons[t.nomination_id][0]
            if t.step == REVISION_STEP and t.nomination_id in reasons
            else None,
            returned_by_step=reasons[t.nomination_id][1]
            if t.step == REVISION_STEP and t.nomination_id in reasons
            else None,
        )
        for t, name, form, route in rows
    ]


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
    # A task no longer open is a conflict for whoever asks (two people acting at once): the one
    # who lost the race learns that it was decided, not that it was never theirs.
    if task.status != "open":
        raise Problem(409, "Nhiệm vụ này đã được xử lý.", code="already_decided")
    if not user.has_role(task.role, task.unit_id):
        raise Problem(403, "Nhiệm vụ này không thuộc thẩm quyền của bạn.", code="not_your_task")
    return task, nomination
