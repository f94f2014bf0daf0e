"""The Temporal worker: nomination workflows and the activities that write the read model."""

from __future__ import annotations

import asyncio
import logging
import signal

from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.client import Client
from temporalio.worker import Worker

from activities.plans import PlanActivities
from activities.projection import Projector
from models.db.engine import make_engine
from models.db.roles import warn_if_privileged
from service.core.settings import Settings, get_settings
from service.temporal.gateway import connect
from workflows.nomination import NominationWorkflow
from workflows.plan import PlanWorkflow

log = logging.getLogger(__name__)


def build_worker(client: Client, engine: AsyncEngine, task_queue: str) -> Worker:
    projector = Projector(engine)
    plans = PlanActivities(engine)
    return Worker(
        client,
        task_queue=task_queue,
        workflows=[NominationWorkflow, PlanWorkflow],
        activities=[
            projector.record_transition,
            projector.record_transition_v2,
            projector.record_notification,
            plans.plan_schedule,
            plans.plan_event,
            plans.record_plan_version,
        ],
        max_concurrent_activities=50,
        max_concurrent_workflow_tasks=100,
    )


async def run_worker(settings: Settings | None = None) -> None:
    settings = settings or get_settings()
    if not settings.database_url:
        raise RuntimeError("DATABASE_URL is not set")
    client = await connect(settings)
    engine = make_engine(settings.database_url, pool_size=20)
    await warn_if_privileged(engine, "worker")
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    worker = build_worker(client, engine, settings.task_queue)
    log.info("worker polling task queue %s on %s", settings.task_queue, settings.temporal_target())
    async with worker:
        await stop.wait()
    await engine.dispose()
