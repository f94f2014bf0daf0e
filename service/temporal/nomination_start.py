"""Starting a nomination's workflow, and starting it later for a dossier whose start did not happen.

The API stores the dossier (version 0) and then starts its workflow. When Temporal cannot be
reached, the API answers 503 and the dossier stays at version 0; it is never left without a
workflow: `start_unstarted`, run by every worker every few seconds, starts the workflow of each
dossier still at version 0 after a grace period (the workflow id is the dossier's business key,
so a workflow that did start is found, never started twice). The first projection moves the
dossier to version 1.
"""

from __future__ import annotations

import dataclasses
import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.rules.catalogue import Catalogue
from models.tables import Nomination, User
from service.api.problems import Problem
from service.temporal.gateway import NominationRef, TemporalGateway
from workflows.contracts import Actor, Grant, NominationInput, RouteStep

log = logging.getLogger(__name__)
STARTING_GRACE = timedelta(seconds=20)


def nomination_input(nomination: Nomination, catalogue: Catalogue, submitted_by: Actor) -> NominationInput:
    form = catalogue.get(nomination.award_form)
    if form is None or form.reminder_working_days is None or form.revision_working_days is None:
        raise ValueError(f"award form {nomination.award_form} is not in the catalogue")
    fields = {f.name for f in dataclasses.fields(RouteStep)}
    return NominationInput(
        nomination_id=str(nomination.id),
        proposing_unit_id=nomination.proposing_unit_id,
        route=[RouteStep(**{k: v for k, v in step.items() if k in fields}) for step in nomination.route],
        reminder_working_days=form.reminder_working_days,
        revision_working_days=form.revision_working_days,
        submitted_by=submitted_by,
        award_form=nomination.award_form,
    )


async def start_nomination(
    gateway: TemporalGateway, nomination: Nomination, catalogue: Catalogue, submitted_by: Actor
) -> bool:
    """Start the workflow; True if this call started it, False if it already ran. 503 when Temporal is down."""
    return await gateway.start_nomination(
        NominationRef(nomination.workflow_id), nomination_input(nomination, catalogue, submitted_by)
    )


async def start_unstarted(
    gateway: TemporalGateway,
    engine: AsyncEngine,
    catalogue: Catalogue,
    *,
    now: datetime | None = None,
    limit: int = 200,
) -> int:
    """Start the workflow of every dossier left at version 0 past the grace period; how many were started."""
    before = (now or datetime.now(UTC)) - STARTING_GRACE
    async with AsyncSession(engine) as session:
        rows = (
            await session.exec(
                select(Nomination, User.full_name)
                .join(User, col(User.id) == col(Nomination.created_by))
                .where(col(Nomination.version) == 0, col(Nomination.created_at) < before)
                .order_by(col(Nomination.created_at))
                .limit(limit)
            )
        ).all()
    started = 0
    for nomination, name in rows:
        # The clerk who proposed it, acting as the proposing unit's clerk (as the API would have sent).
        actor = Actor(
            user_id=nomination.created_by,
            name=name,
            grants=[Grant(role="clerk", unit_id=nomination.proposing_unit_id)],
        )
        try:
            if await start_nomination(gateway, nomination, catalogue, actor):
                started += 1
                log.warning("started the workflow of dossier %s, left unstarted at its creation", nomination.id)
        except Problem:
            log.warning("Temporal still unavailable: dossier %s waits for its workflow", nomination.id)
            break
        except ValueError as exc:
            log.error("dossier %s cannot start: %s", nomination.id, exc)
    return started
