"""Activities that write the nomination read model (nominations, tasks, audit, notifications).

A transition also tells the people it concerns, in its own transaction: the holders of the task it
opens (a new task; to the proposing unit's clerks, a return with its reason or a supplement request
with its items) and, when a ballot opens, the council's members (models/rules/notices.py).

Every write is keyed by ids the workflow chose (deterministic across replays) and guarded by
the nomination's projection version, so a retried activity changes nothing twice.
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col
from temporalio import activity

from models.rules import notices
from models.rules.calendar import VN_TZ, add_working_days, reminder_before, working_days_between
from models.rules.text import nfc_deep, search_text
from models.store.notices import notify
from models.tables import AuditEntry, AwardForm, Ballot, Nomination, RoleAssignment, Task, Unit
from workflows.contracts import (
    COUNT_BALLOT,
    RECORD_NOTIFICATION,
    RECORD_TRANSITION,
    RECORD_TRANSITION_V2,
    REVISION_STEP,
    SUPPLEMENT_STEP,
    BallotCount,
    BallotCountInput,
    NotificationInput,
    OpenedTask,
    TransitionInput,
    TransitionResult,
)

EDITABLE_FIELDS = ("nominee", "achievements", "criteria")


def _dossier_changes(changes: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {}
    changes = nfc_deep(changes)
    if "nominee" in changes:
        values["nominee"] = changes["nominee"]
        values["nominee_name"] = changes["nominee"]["name"]
        values["nominee_kind"] = changes["nominee"]["kind"]
    if "achievements" in changes:
        values["achievements"] = changes["achievements"]
    if "criteria" in changes:
        values["criteria"] = changes["criteria"]
    if "signed_by" in changes:
        values["signed_by"] = changes["signed_by"]
    return values


class Projector:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    @activity.defn(name=RECORD_TRANSITION)
    async def record_transition(self, inp: TransitionInput) -> OpenedTask | None:
        """Version 1 of the transition, kept for nominations started before version 2."""
        return (await self._apply(inp)).opened

    @activity.defn(name=RECORD_TRANSITION_V2)
    async def record_transition_v2(self, inp: TransitionInput) -> TransitionResult:
        return await self._apply(inp)

    @activity.defn(name=COUNT_BALLOT)
    async def count_ballot(self, inp: BallotCountInput) -> BallotCount:
        """Close a secret ballot box and count it, in one transaction.

        Once `counting`, the API takes no more votes for it (it votes only into an `open` box); a
        retried activity finds it counting and returns the same totals.
        """
        async with self._engine.begin() as conn:
            row = (
                await conn.execute(
                    update(Ballot)
                    .where(
                        col(Ballot.nomination_id) == uuid.UUID(inp.nomination_id),
                        col(Ballot.step) == inp.step,
                        col(Ballot.number) == inp.number,
                        col(Ballot.status).in_(("open", "counting")),
                    )
                    .values(status="counting")
                    .returning(col(Ballot.participants), col(Ballot.votes_for), col(Ballot.votes_against))
                )
            ).one_or_none()
            if row is None:
                # Counted and recorded already (the transition that followed ran): read the result.
                row = (
                    await conn.execute(
                        select(col(Ballot.participants), col(Ballot.votes_for), col(Ballot.votes_against)).where(
                            col(Ballot.nomination_id) == uuid.UUID(inp.nomination_id),
                            col(Ballot.step) == inp.step,
                            col(Ballot.number) == inp.number,
                        )
                    )
                ).one()
        return BallotCount(participants=row[0], votes_for=row[1], votes_against=row[2])

    async def _apply(self, inp: TransitionInput) -> TransitionResult:
        result = TransitionResult()
        nomination_id = uuid.UUID(inp.nomination_id)
        async with self._engine.begin() as conn:
            row = (
                await conn.execute(
                    select(
                        col(Nomination.version), col(Nomination.nominee_name), col(Nomination.achievements),
                        col(Nomination.award_form), col(Nomination.route),
                    )
                    .where(col(Nomination.id) == nomination_id)
                    .with_for_update()
                )
            ).one_or_none()  # fmt: skip
            if row is None:
                raise RuntimeError(f"nomination {inp.nomination_id} is not in the read model")
            # Notifications name the nominee as this transition leaves the dossier (a resubmission may rename).
            nominee = str(_dossier_changes(inp.changes).get("nominee_name", row.nominee_name))

            if inp.close_task_id is not None:
                if inp.measure_remaining:
                    # Read even when a previous attempt already closed it: the answer must not change.
                    due = (
                        await conn.execute(select(col(Task.due_at)).where(col(Task.id) == uuid.UUID(inp.close_task_id)))
                    ).scalar_one()
                    result.closed_due_at = due
                    if due is not None:
                        start = inp.at.astimezone(VN_TZ).date()
                        result.remaining_working_days = working_days_between(start, due.astimezone(VN_TZ).date())
                await conn.execute(
                    update(Task)
                    .where(col(Task.id) == uuid.UUID(inp.close_task_id), col(Task.status) == "open")
                    .values(
                        status=inp.close_task_status,
                        outcome=inp.close_outcome,
                        decided_by=inp.close_actor.user_id if inp.close_actor else None,
                        comment=inp.close_comment,
                        completed_at=inp.at,
                    )
                )
            for order, a in enumerate(inp.audit):
                actor_name = "Hệ thống"
                if a.actor is not None:
                    actor_name = f"{a.actor.name} ({a.actor.acting_as})" if a.actor.acting_as else a.actor.name
                await conn.execute(
                    insert(AuditEntry)
                    .values(
                        id=uuid.UUID(a.audit_id),
                        nomination_id=nomination_id,
                        # Entries of one transition keep their order (an approval, then the award).
                        at=inp.at + timedelta(microseconds=order),
                        actor_id=a.actor.user_id if a.actor else None,
                        actor_name=actor_name,
                        action=a.action,
                        step=a.step,
                        comment=a.comment,
                        source_address=a.actor.address if a.actor else None,
                        details=a.details,
                    )
                    .on_conflict_do_nothing(index_elements=["id"])
                )
            if inp.open_task is not None:
                spec = inp.open_task
                due = spec.due_at or add_working_days(inp.at, spec.working_days)
                remind = reminder_before(inp.at, due, spec.reminder_working_days)
                await conn.execute(
                    insert(Task)
                    .values(
                        id=uuid.UUID(spec.task_id),
                        nomination_id=nomination_id,
                        step=spec.step,
                        step_index=spec.step_index,
                        step_name=spec.name,
                        role=spec.role,
                        unit_id=spec.unit_id,
                        status="open",
                        created_at=inp.at,
                        due_at=due,
                        remind_at=remind,
                        details={"items": inp.supplement_items} if inp.supplement_items else {},
                    )
                    .on_conflict_do_nothing(index_elements=["id"])
                )
                result.opened = OpenedTask(task_id=spec.task_id, due_at=due, remind_at=remind)
                await _notify_opened(conn, inp, row, nominee, due)
            if inp.ballot is not None:
                b = inp.ballot
                ballot_values = {
                    "mode": b.mode, "status": b.status, "members": b.members, "participants": b.participants,
                    "votes_for": b.votes_for, "votes_against": b.votes_against, "minutes": b.minutes,
                    "reason": b.reason, "closed_at": None if b.status == "open" else inp.at, "box": b.box,
                }  # fmt: skip
                await conn.execute(
                    insert(Ballot)
                    .values(
                        nomination_id=nomination_id, step=b.step, number=b.number, opened_at=inp.at, **ballot_values
                    )
                    .on_conflict_do_update(index_elements=["nomination_id", "step", "number"], set_=ballot_values)
                )
                if any(a.action == "ballot_opened" for a in inp.audit):
                    await _notify_ballot_opened(conn, inp, row, nominee)

            values: dict[str, Any] = {
                "status": inp.status,
                "current_step": inp.current_step,
                "current_step_index": inp.current_step_index,
                "updated_at": inp.at,
                "version": inp.version,
                **_dossier_changes(inp.changes),
            }
            if inp.decided:
                values["decided_at"] = inp.at
                values["result"] = inp.result
            if inp.disclosure_working_days:
                result.disclosure_until = add_working_days(inp.at, inp.disclosure_working_days)
                values["disclosure_until"] = result.disclosure_until
            if "nominee_name" in values or "achievements" in values:
                values["search_text"] = search_text(
                    values.get("nominee_name", row.nominee_name), values.get("achievements", row.achievements)
                )
            await conn.execute(
                update(Nomination)
                .where(col(Nomination.id) == nomination_id, col(Nomination.version) < inp.version)
                .values(**values)
            )
        return result

    @activity.defn(name=RECORD_NOTIFICATION)
    async def record_notification(self, inp: NotificationInput) -> None:
        async with self._engine.begin() as conn:
            task = (await conn.execute(select(Task).where(col(Task.id) == uuid.UUID(inp.task_id)))).one()
            nominee = (
                await conn.execute(select(col(Nomination.nominee_name)).where(col(Nomination.id) == task.nomination_id))
            ).scalar_one()
            if inp.kind == notices.REMINDER:
                role, unit_id = task.role, task.unit_id
                message = notices.reminder(nominee, task.step_name, task.due_at)
                column = "reminded_at"
            else:
                role, unit_id = "chairperson", await _head_unit(conn, task.unit_id)
                message = notices.escalation(nominee, task.step_name, task.due_at)
                column = "escalated_at"
            await notify(
                conn, kind=inp.kind, role=role, unit_id=unit_id, nomination_id=task.nomination_id, message=message,
                at=inp.at, task_id=task.id,
            )  # fmt: skip
            await conn.execute(
                update(Task).where(Task.id == task.id, getattr(Task, column).is_(None)).values({column: inp.at})
            )


def _route_step(row: Any, key: str | None) -> dict[str, Any]:
    return next((s for s in row.route if s.get("key") == key), {})


async def _award_form_name(conn: Any, code: str) -> str:
    name = (await conn.execute(select(col(AwardForm.name)).where(col(AwardForm.code) == code))).scalar_one_or_none()
    return str(name or code)


async def _notify_opened(conn: Any, inp: TransitionInput, row: Any, nominee: str, due: Any) -> None:
    """Tell the holders of the task just opened: a new task, or (to the proposing unit's clerks) that
    the dossier came back, with the reason, or what it must supplement. Keyed by the task: once."""
    spec = inp.open_task
    assert spec is not None
    closed: Any = None
    if inp.close_task_id is not None:
        closed = (
            await conn.execute(
                select(col(Task.step), col(Task.step_name)).where(col(Task.id) == uuid.UUID(inp.close_task_id))
            )
        ).one_or_none()
    if spec.step == REVISION_STEP:
        kind = notices.RETURNED
        message = notices.returned(nominee, closed.step_name if closed else None, inp.close_comment, due)
    elif spec.step == SUPPLEMENT_STEP:
        kind = notices.SUPPLEMENT_REQUESTED
        by_unit = _route_step(row, closed.step if closed else None).get("unit_name")
        message = notices.supplement_requested(nominee, by_unit, inp.supplement_items, inp.close_comment, due)
    else:
        kind = notices.NEW_TASK
        message = notices.new_task(nominee, await _award_form_name(conn, row.award_form), spec.name, due)
    await notify(
        conn, kind=kind, role=spec.role, unit_id=spec.unit_id, nomination_id=uuid.UUID(inp.nomination_id),
        message=message, at=inp.at, task_id=uuid.UUID(spec.task_id),
    )  # fmt: skip


async def _notify_ballot_opened(conn: Any, inp: TransitionInput, row: Any, nominee: str) -> None:
    """Tell the council's members (a seat is never delegated) that a ballot is open for them: once
    per ballot, a step's second ballot after a void one told again."""
    ballot = inp.ballot
    assert ballot is not None
    step = _route_step(row, ballot.step)
    if not step.get("unit_id"):
        return
    council = str(step.get("unit_name") or "Hội đồng Thi đua – Khen thưởng")
    await notify(
        conn, kind=notices.BALLOT_OPENED, role="council_member", unit_id=int(step["unit_id"]),
        nomination_id=uuid.UUID(inp.nomination_id),
        message=notices.ballot_opened(nominee, await _award_form_name(conn, row.award_form), council, ballot.number),
        at=inp.at, event_key=f"{notices.BALLOT_OPENED}:{inp.nomination_id}:{ballot.step}:{ballot.number}",
    )  # fmt: skip


async def _head_unit(conn: Any, unit_id: int) -> int:
    """The unit whose head receives an escalation: the acting unit itself when it has a head in the
    system (a department's director), else the nearest unit above it that has one; a council is
    headed by the committee it advises."""
    current: int | None = unit_id
    while current is not None:
        unit = (
            await conn.execute(select(col(Unit.id), col(Unit.kind), col(Unit.parent_id)).where(col(Unit.id) == current))
        ).one()
        if unit.kind != "council":
            head = (
                await conn.execute(
                    select(col(RoleAssignment.id)).where(
                        col(RoleAssignment.role) == "chairperson", col(RoleAssignment.unit_id) == unit.id
                    )
                )
            ).first()
            if head is not None or unit.kind == "people_committee":
                return int(unit.id)
        current = unit.parent_id
    return unit_id
