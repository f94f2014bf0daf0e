"""The activities of a council session (CouncilSessionWorkflow): apply one nominee's result to its
nomination, and close the session.

They live beside the gateway, not in `activities/`, because applying a result is an Update on
another workflow (the nomination's), and only `service/temporal/` talks to Temporal.

Applying is idempotent twice over: the item row says whether it was applied (checked first,
written with the session's `applied` counter in one transaction), and the Update carries an id
made of the session and the nomination, so an Update sent again by a retried activity gets the
first one's answer from Temporal instead of a second tally.
"""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio import activity
from temporalio.exceptions import ApplicationError

from models.tables import CouncilSession, CouncilSessionItem, Nomination
from service.api.problems import Problem, StillRunning
from service.queries.attachments import attachment_digests
from service.temporal.gateway import CouncilSessionRef, NominationRef, TemporalGateway
from workflows.contracts import IN_PROGRESS, REJECTED, Actor, CloseBallotInput, Grant, NominationView, TallyInput
from workflows.council_session import (
    APPLY_COUNCIL_RESULT,
    CLOSE_COUNCIL_SESSION,
    AppliedResult,
    ApplyResultInput,
    CouncilSessionInput,
    council_session_workflow_id,
)

# Refusals worth trying again: the nomination was busy with another action, or Temporal was away.
RETRYABLE_CODES = {"busy", "temporal_unavailable", "workflow_not_started"}
MINUTES_IN_TALLY = 500
RESUME_GRACE = timedelta(seconds=20)
HEARTBEAT_SECONDS = 2.0


def actor_from(data: dict[str, Any]) -> Actor:
    grants = data.get("grants")
    return Actor(
        user_id=int(data["user_id"]),
        name=str(data["name"]),
        address=data.get("address"),
        grants=[Grant(role=g["role"], unit_id=int(g["unit_id"])) for g in grants] if grants is not None else None,
        acting_as=data.get("acting_as"),
    )


def tally_minutes(session: CouncilSession, position: int) -> str:
    """What the nomination's own history says of the meeting: the session, its date and the minutes."""
    opened = session.opened_at.astimezone(UTC)
    head = f"Phiên họp Hội đồng {session.id.hex[:8]} ({opened:%d/%m/%Y}), hồ sơ số {position}: "
    return (head + (session.minutes or "")).strip()[:MINUTES_IN_TALLY]


def update_id(session_id: str, nomination_id: str) -> str:
    return f"{council_session_workflow_id(session_id)}/{nomination_id}"


class CouncilSessionActivities:
    def __init__(self, engine: AsyncEngine, gateway: TemporalGateway) -> None:
        self._engine = engine
        self._gateway = gateway

    @activity.defn(name=APPLY_COUNCIL_RESULT)
    async def apply_council_result(self, inp: ApplyResultInput) -> AppliedResult:
        beating = asyncio.create_task(_heartbeat())
        try:
            return await self._apply(inp)
        finally:
            beating.cancel()

    async def _apply(self, inp: ApplyResultInput) -> AppliedResult:
        session_id, nomination_id = uuid.UUID(inp.session_id), uuid.UUID(inp.nomination_id)
        async with AsyncSession(self._engine) as db:
            row = (
                await db.exec(
                    select(CouncilSessionItem, CouncilSession, Nomination.workflow_id)
                    .join(CouncilSession, col(CouncilSession.id) == col(CouncilSessionItem.session_id))
                    .join(Nomination, col(Nomination.id) == col(CouncilSessionItem.nomination_id))
                    .where(col(CouncilSessionItem.session_id) == session_id)
                    .where(col(CouncilSessionItem.nomination_id) == nomination_id)
                )
            ).one()
            item, council_session, workflow_id = row
            if item.applied_at is not None:
                return AppliedResult(inp.nomination_id, item.outcome or "passed", item.detail)
            files = await attachment_digests(db, nomination_id)
        assert council_session.actor is not None, "results are recorded before the session is applied"
        actor = actor_from(council_session.actor)
        key = update_id(inp.session_id, inp.nomination_id)
        try:
            if council_session.mode == "electronic":
                view = await self._gateway.close_ballot(
                    NominationRef(workflow_id),
                    CloseBallotInput(actor=actor, step=item.step, attachments=files),
                    release=None,
                    update_id=key,
                )
            else:
                assert council_session.members is not None and council_session.present is not None
                assert item.votes_for is not None and item.votes_against is not None
                view = await self._gateway.record_tally(
                    NominationRef(workflow_id),
                    TallyInput(
                        actor=actor, members=council_session.members, present=council_session.present,
                        votes_for=item.votes_for, votes_against=item.votes_against, written_for=item.written_for,
                        written_against=item.written_against, minutes=tally_minutes(council_session, item.position),
                        step=item.step, attachments=files,
                    ),
                    release=None,
                    update_id=key,
                )  # fmt: skip
            result = _outcome(inp.nomination_id, item.step, view)
        except StillRunning:
            # Accepted, not yet recorded: the same Update id, sent again, answers with its result.
            raise ApplicationError("the nomination has not recorded the result yet") from None
        except Problem as problem:
            if problem.status >= 500 or problem.code in RETRYABLE_CODES:
                raise ApplicationError(f"not applied yet: {problem.code}") from None
            result = AppliedResult(inp.nomination_id, "refused", problem.detail)
        await self._record(session_id, nomination_id, result)
        return result

    async def _record(self, session_id: uuid.UUID, nomination_id: uuid.UUID, result: AppliedResult) -> None:
        async with self._engine.begin() as conn:
            marked = (
                await conn.execute(
                    update(CouncilSessionItem)
                    .where(col(CouncilSessionItem.session_id) == session_id)
                    .where(col(CouncilSessionItem.nomination_id) == nomination_id)
                    .where(col(CouncilSessionItem.applied_at).is_(None))
                    .values(outcome=result.outcome, detail=result.detail, applied_at=datetime.now(UTC))
                    .returning(col(CouncilSessionItem.nomination_id))
                )
            ).first()
            if marked is not None:
                await conn.execute(
                    update(CouncilSession)
                    .where(col(CouncilSession.id) == session_id)
                    .values(applied=col(CouncilSession.applied) + 1)
                )

    @activity.defn(name=CLOSE_COUNCIL_SESSION)
    async def close_council_session(self, session_id: str) -> None:
        async with self._engine.begin() as conn:
            await conn.execute(
                update(CouncilSession)
                .where(col(CouncilSession.id) == uuid.UUID(session_id), col(CouncilSession.status) == "applying")
                .values(status="closed", closed_at=datetime.now(UTC))
            )


async def session_input(db: AsyncSession, session_id: uuid.UUID) -> CouncilSessionInput:
    ids = (
        await db.exec(
            select(CouncilSessionItem.nomination_id)
            .where(col(CouncilSessionItem.session_id) == session_id)
            .order_by(col(CouncilSessionItem.position))
        )
    ).all()
    return CouncilSessionInput(session_id=str(session_id), nomination_ids=[str(n) for n in ids])


async def resume_sessions(gateway: TemporalGateway, engine: AsyncEngine, *, now: datetime | None = None) -> int:
    """Start the workflow of every session whose results were recorded but whose workflow did not
    start (the API stopped, or Temporal was away); one that runs already is left alone."""
    before = (now or datetime.now(UTC)) - RESUME_GRACE
    async with AsyncSession(engine) as db:
        waiting = (
            await db.exec(
                select(CouncilSession.id).where(
                    col(CouncilSession.status) == "applying", col(CouncilSession.results_at) < before
                )
            )
        ).all()
        inputs = [await session_input(db, session_id) for session_id in waiting]
    for inp in inputs:
        await gateway.start_council_session(CouncilSessionRef(inp.session_id), inp)
    return len(inputs)


async def _heartbeat(every: float = HEARTBEAT_SECONDS) -> None:
    while True:
        activity.heartbeat()
        await asyncio.sleep(every)


def _outcome(nomination_id: str, step: str, view: NominationView) -> AppliedResult:
    if view.status == REJECTED:
        return AppliedResult(nomination_id, "failed", view.result)
    if view.status == IN_PROGRESS and view.current_step == step:
        # An electronic ballot too few members took part in: void, the council votes again.
        return AppliedResult(nomination_id, "void", view.result)
    return AppliedResult(nomination_id, "passed", None)
