"""Signing a decision: the signer's Updates on each nomination, then ONE decision recorded for those
the workflows accepted, its number taken in the transaction that records it.

Used by `POST /api/v1/decisions` (several nominations) and by approving a single signing task
(`POST /api/v1/tasks/{id}/complete`, a decision of one).
"""

from __future__ import annotations

import uuid

from sqlmodel.ext.asyncio.session import AsyncSession

from models.store.decisions import AlreadyInDecision, record_decision
from models.tables import Decision
from service.api.deps import AppContext
from service.api.problems import Problem, StillRunning
from service.core.metrics import TASKS_COMPLETED
from service.queries.attachments import attachment_digests
from service.queries.decisions import Waiting, new_decision
from service.security.principal import CurrentUser
from service.temporal.gateway import NominationRef
from workflows.contracts import DecisionInput, NominationView

# A decision id from the caller's Idempotency-Key: the same key signs and numbers once.
DECISION_KEYS = uuid.UUID("0b7c3f1e-6a52-4d8e-9c1f-2f3d4e5a6b7c")
# A decision of one signing task: its id from the task's, so a retry finds the decision made.
SIGNED_TASKS = uuid.UUID("5d2a9e40-3b1c-4f7a-8e6d-1c2b3a4f5e6d")


def decision_id_for(user_id: int, key: str | None) -> uuid.UUID:
    return uuid.uuid5(DECISION_KEYS, f"{user_id}:{key}") if key else uuid.uuid4()


async def sign_and_record(
    ctx: AppContext,
    session: AsyncSession,
    user: CurrentUser,
    waiting: list[Waiting],
    *,
    decision_id: uuid.UUID,
    comment: str | None = None,
) -> tuple[Decision, list[NominationView | StillRunning | Problem]]:
    """Sign each nomination's open signing task, then record one decision for those signed."""
    actions = []
    to_sign = [w for w in waiting if not w.already_signed]
    for w in to_sign:
        files = await attachment_digests(session, w.nomination.id)
        actions.append(
            (
                NominationRef(w.nomination.workflow_id),
                DecisionInput(
                    task_id=str(w.task.id),
                    outcome="approve",
                    actor=user.actor((w.task.role, w.task.unit_id)),
                    comment=comment,
                    attachments=files,
                ),
            )
        )
    results = await ctx.gateway.decide_many(actions, release=session) if actions else []
    # An Update the workflow accepted will be recorded (StillRunning): it is signed.
    signed_now = {w.nomination.id for w, r in zip(to_sign, results, strict=True) if not isinstance(r, Problem)}
    TASKS_COMPLETED.labels(outcome="approve").inc(len(signed_now))
    signed = [w for w in waiting if w.already_signed or w.nomination.id in signed_now]
    if not signed:
        first = next(r for r in results if isinstance(r, Problem))
        raise first
    assert ctx.registers is not None and ctx.prizes is not None
    async with ctx.sessions() as own:
        new = await new_decision(
            own, ctx.registers, ctx.prizes, decision_id=decision_id, user=user, signed=signed, signed_at=ctx.clock()
        )
        try:
            decision, _ = await record_decision(own, new)
        except AlreadyInDecision:
            raise Problem(409, "Hồ sơ đã có quyết định khen thưởng.", code="already_in_decision") from None
    return decision, results
