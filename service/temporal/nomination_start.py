"""Starting a nomination's workflow, and starting it later for a dossier whose start did not happen.

The API stores the dossier (version 0) and then starts its workflow. When Temporal cannot be
reached, the API answers 503 and the dossier stays at version 0; it is never left without a
workflow: `start_unstarted`, run by every worker every few seconds, starts the workflow of each
dossier still at version 0 after a grace period (the workflow id is the dossier's business key,
so a workflow that did start is found, never started twice). The first projection moves the
dossier to version 1.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import time
from collections.abc import Coroutine, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

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


# How many starts of a unit's list are in flight at once: enough to start 1,000 in seconds, few enough
# not to crowd out the other requests' calls to the Temporal frontend.
START_PARALLEL = 16


async def start_nominations(
    gateway: TemporalGateway,
    nominations: Sequence[Nomination],
    catalogue: Catalogue,
    submitted_by: Actor,
    *,
    parallel: int = START_PARALLEL,
) -> int:
    """Start the workflows of a unit's list, `parallel` at a time; how many this call started. When
    Temporal cannot be reached the rest are left at version 0 for the workers' `start_unstarted`."""
    gate = asyncio.Semaphore(max(1, parallel))
    unavailable = asyncio.Event()

    async def one(nomination: Nomination) -> bool:
        async with gate:
            if unavailable.is_set():
                return False
            try:
                return await start_nomination(gateway, nomination, catalogue, submitted_by)
            except Problem:
                unavailable.set()
                return False

    began = time.perf_counter()
    started = sum(await asyncio.gather(*(one(n) for n in nominations)))
    log.info("started %d of %d workflows of a list in %.2f s", started, len(nominations), time.perf_counter() - began)
    if unavailable.is_set():
        log.warning(
            "Temporal unavailable: %d of %d workflows of a list wait for the workers to start them",
            len(nominations) - started, len(nominations),
        )  # fmt: skip
    return started


class BackgroundStarts:
    """Workflow starts the API runs after it has answered (a unit's list is stored, then started):
    the tasks are kept here so that none is dropped half-way, and drained when the API stops. What
    a stopped API did not start, the workers start (`start_unstarted`)."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[Any]] = set()

    def spawn(self, work: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("starting workflows in the background failed", exc_info=task.exception())

    async def drain(self, within: float = 10.0) -> None:
        """Let running starts finish for up to `within` seconds, then cancel what is left."""
        if not self._tasks:
            return
        _, pending = await asyncio.wait(set(self._tasks), timeout=within)
        for task in pending:
            task.cancel()
        if pending:
            await asyncio.wait(pending)


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
