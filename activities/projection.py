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

from psycopg import AsyncCursor
from psycopg.types.json import Jsonb
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col
from temporalio import activity

from models.db.engine import driver_connection
from models.rules import notices
from models.rules.calendar import VN_TZ, add_working_days, reminder_before, working_days_between
from models.rules.text import nfc_deep, search_text
from models.store import projection_sql as sql
from models.store.notices import notify
from models.store.projection_sql import LockedDossier
from models.tables import Ballot, Nomination, RoleAssignment, Task, Unit
from workflows.contracts import (
    COUNT_BALLOT,
    RECORD_NOTIFICATION,
    RECORD_TRANSITION,
    RECORD_TRANSITION_V2,
    REVISION_STEP,
    SUPPLEMENT_STEP,
    Actor,
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
        # One transition runs for every human step of every dossier: its statements are plain SQL on
        # the driver's connection (models/store/projection_sql.py), not ORM statements, whose building
        # and compiling cost more CPU than PostgreSQL spends on them. SQLAlchemy still owns the
        # connection and the transaction.
        result = TransitionResult(audit_ids=[a.audit_id for a in inp.audit])
        nomination_id = uuid.UUID(inp.nomination_id)
        async with self._engine.begin() as conn:
            pg = await driver_connection(conn)
            # The whole transaction is one pipeline: psycopg's BEGIN leaves with the first read, and the
            # writes, which need no answer, leave together with the COMMIT: one round trip each instead of
            # one per statement (a read still waits for its answer). SQLAlchemy's commit then finds the
            # transaction over.
            async with pg.pipeline():
                cur = pg.cursor()
                row = await (await cur.execute(sql.LOCK_NOMINATION, (nomination_id,))).fetchone()
                if row is None:
                    raise RuntimeError(f"nomination {inp.nomination_id} is not in the read model")
                dossier = LockedDossier(*row)
                # Notifications name the nominee as this transition leaves the dossier (a resubmission may rename).
                nominee = str(_dossier_changes(inp.changes).get("nominee_name", dossier.nominee_name))

                closed = await _close_task(cur, inp, result)
                # The notices that name a unit read the dossier's route (its units' names). Reads go through
                # psycopg's cursor, whose fetch flushes the pipeline; a read through SQLAlchemy's connection
                # inside it would wait for ever.
                route: list[dict[str, Any]] = []
                if (inp.open_task is not None and inp.open_task.step == SUPPLEMENT_STEP) or _opens_ballot(inp):
                    route = list((await (await cur.execute(sql.ROUTE, (nomination_id,))).fetchone() or ([],))[0])
                if inp.audit:
                    await cur.executemany(
                        sql.INSERT_AUDIT,
                        [
                            (
                                uuid.UUID(a.audit_id), nomination_id,
                                # Entries of one transition keep their order (an approval, then the award).
                                inp.at + timedelta(microseconds=order),
                                a.actor.user_id if a.actor else None, _actor_name(a.actor), a.action, a.step, a.comment,
                                a.actor.address if a.actor else None, Jsonb(a.details) if a.details is not None else None,
                            )
                            for order, a in enumerate(inp.audit)
                        ],
                    )  # fmt: skip
                if inp.open_task is not None:
                    spec = inp.open_task
                    due = spec.due_at or add_working_days(inp.at, spec.working_days)
                    remind = reminder_before(inp.at, due, spec.reminder_working_days)
                    await cur.execute(
                        sql.INSERT_TASK,
                        (
                            uuid.UUID(spec.task_id), nomination_id, spec.step, spec.step_index, spec.name, spec.role,
                            spec.unit_id, inp.at, due, remind,
                            Jsonb({"items": inp.supplement_items} if inp.supplement_items else {}),
                        ),
                    )  # fmt: skip
                    result.opened = OpenedTask(task_id=spec.task_id, due_at=due, remind_at=remind)
                    await _notify_opened(conn, inp, dossier, nominee, due, closed, route)
                if inp.ballot is not None:
                    b = inp.ballot
                    await cur.execute(
                        sql.UPSERT_BALLOT,
                        {
                            "nomination_id": nomination_id, "step": b.step, "number": b.number, "opened_at": inp.at,
                            "mode": b.mode, "status": b.status, "members": b.members, "participants": b.participants,
                            "votes_for": b.votes_for, "votes_against": b.votes_against, "minutes": b.minutes,
                            "reason": b.reason, "closed_at": None if b.status == "open" else inp.at, "box": b.box,
                        },
                    )  # fmt: skip
                    if _opens_ballot(inp):
                        await _notify_ballot_opened(conn, inp, dossier, nominee, route)

                values: dict[str, Any] = {
                    "status": inp.status,
                    "current_step": inp.current_step,
                    "current_step_index": inp.current_step_index,
                    "updated_at": inp.at,
                    "version": inp.version,
                    **_dossier_changes(inp.changes),
                }
                if result.opened is not None:
                    values["open_due_at"] = result.opened.due_at
                elif not inp.keep_task:
                    values["open_due_at"] = None  # it closed its task and opened none
                if inp.decided:
                    values["decided_at"] = inp.at
                    values["result"] = inp.result
                if inp.disclosure_working_days:
                    result.disclosure_until = add_working_days(inp.at, inp.disclosure_working_days)
                    values["disclosure_until"] = result.disclosure_until
                if "nominee_name" in values or "achievements" in values:
                    values["search_text"] = search_text(
                        values.get("nominee_name", dossier.nominee_name),
                        values.get("achievements", dossier.achievements),
                    )
                await cur.execute(
                    sql.update_nomination(tuple(values)),
                    {**{k: Jsonb(v) if k in sql.JSON_COLUMNS else v for k, v in values.items()}, "_id": nomination_id},
                )
                await pg.commit()
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


async def _close_task(cur: AsyncCursor[Any], inp: TransitionInput, result: TransitionResult) -> tuple[str, str] | None:
    """Close the transition's task, if it closes one: its (step, step name) for the notice of the
    next task, and in `result` the working days it had left when its step measures them."""
    if inp.close_task_id is None:
        return None
    close_id = uuid.UUID(inp.close_task_id)
    if inp.measure_remaining:
        # Read even when a previous attempt already closed it: the answer must not change.
        due = (await (await cur.execute(sql.TASK_DUE, (close_id,))).fetchone() or (None,))[0]
        result.closed_due_at = due
        if due is not None:
            start = inp.at.astimezone(VN_TZ).date()
            result.remaining_working_days = working_days_between(start, due.astimezone(VN_TZ).date())
    closed = await (
        await cur.execute(
            sql.CLOSE_TASK,
            {
                "id": close_id, "status": inp.close_task_status, "outcome": inp.close_outcome,
                "decided_by": inp.close_actor.user_id if inp.close_actor else None,
                "comment": inp.close_comment, "at": inp.at,
            },
        )
    ).fetchone()  # fmt: skip
    if closed is None and inp.open_task is not None:
        # A retry: the task was closed by the attempt before; its notice still names it.
        closed = await (await cur.execute(sql.TASK_STEP, (close_id,))).fetchone()
    return (closed[0], closed[1]) if closed is not None else None


def _route_step(route: list[dict[str, Any]], key: str | None) -> dict[str, Any]:
    return next((s for s in route if s.get("key") == key), {})


def _opens_ballot(inp: TransitionInput) -> bool:
    return inp.ballot is not None and any(a.action == "ballot_opened" for a in inp.audit)


def _actor_name(actor: Actor | None) -> str:
    if actor is None:
        return "Hệ thống"
    return f"{actor.name} ({actor.acting_as})" if actor.acting_as else actor.name


async def _notify_opened(
    conn: Any,
    inp: TransitionInput,
    dossier: LockedDossier,
    nominee: str,
    due: Any,
    closed: tuple[str, str] | None,
    route: list[dict[str, Any]],
) -> None:
    """Tell the holders of the task just opened: a new task, or (to the proposing unit's clerks) that
    the dossier came back, with the reason, or what it must supplement. Keyed by the task: once.
    `closed` is the (step, step name) of the task this transition closed."""
    spec = inp.open_task
    assert spec is not None
    if spec.step == REVISION_STEP:
        kind = notices.RETURNED
        message = notices.returned(nominee, closed[1] if closed else None, inp.close_comment, due)
    elif spec.step == SUPPLEMENT_STEP:
        kind = notices.SUPPLEMENT_REQUESTED
        by_unit = _route_step(route, closed[0] if closed else None).get("unit_name")
        message = notices.supplement_requested(nominee, by_unit, inp.supplement_items, inp.close_comment, due)
    else:
        kind = notices.NEW_TASK
        message = notices.new_task(nominee, dossier.award_form_name or dossier.award_form, spec.name, due)
    await notify(
        conn, kind=kind, role=spec.role, unit_id=spec.unit_id, nomination_id=uuid.UUID(inp.nomination_id),
        message=message, at=inp.at, task_id=uuid.UUID(spec.task_id),
    )  # fmt: skip


async def _notify_ballot_opened(
    conn: Any, inp: TransitionInput, dossier: LockedDossier, nominee: str, route: list[dict[str, Any]]
) -> None:
    """Tell the council's members (a seat is never delegated) that a ballot is open for them: once
    per ballot, a step's second ballot after a void one told again."""
    ballot = inp.ballot
    assert ballot is not None
    step = _route_step(route, ballot.step)
    if not step.get("unit_id"):
        return
    council = str(step.get("unit_name") or "Hội đồng Thi đua – Khen thưởng")
    await notify(
        conn, kind=notices.BALLOT_OPENED, role="council_member", unit_id=int(step["unit_id"]),
        nomination_id=uuid.UUID(inp.nomination_id),
        message=notices.ballot_opened(nominee, dossier.award_form_name or dossier.award_form, council, ballot.number),
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
