"""The Temporal worker: nomination workflows and the activities that write the read model."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.client import Client
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from activities.mail import MailActivities, SmtpConfig
from activities.plans import PlanActivities
from activities.projection import Projector
from models.db.engine import make_engine
from models.db.roles import warn_if_privileged
from models.rules.catalogue import load_catalogue
from service.core.memory import freeze_after_start
from service.core.settings import CoreSettings, get_core_settings
from service.temporal.council_sessions import CouncilSessionActivities, resume_sessions
from service.temporal.gateway import TemporalGateway, connect
from service.temporal.nomination_start import start_unstarted
from workflows.council_session import CouncilSessionWorkflow
from workflows.mailer import MailerWorkflow
from workflows.nomination import NominationWorkflow
from workflows.plan import PlanWorkflow

log = logging.getLogger(__name__)
RECONCILE_SECONDS = 10
# Activities at once per worker process, and as many database connections (pool 10 + 10 overflow):
# an activity holds a connection for its transaction only, so no activity waits for one, and a
# group of worker processes (THIDUA_WORKER_PROCESSES) adds 20 connections per process, not 50.
# The slots are shared out: the projections run as local activities (nomination workflow v5), the
# rest (notices, ballots, plans, mail, a projection handed over) as ordinary ones.
ACTIVITY_SLOTS = 20
LOCAL_ACTIVITY_SLOTS = 12


def smtp_config(settings: CoreSettings) -> SmtpConfig | None:
    if not settings.smtp_host:
        return None
    return SmtpConfig(
        host=settings.smtp_host,
        port=settings.smtp_port,
        sender=settings.smtp_sender,
        tls=settings.smtp_tls,
        username=settings.smtp_username,
        password=settings.smtp_password,
        timeout_seconds=settings.smtp_timeout_seconds,
        digest_hour=settings.email_digest_hour,
        web_base_url=settings.web_base_url,
    )


def build_worker(
    client: Client,
    engine: AsyncEngine,
    task_queue: str,
    mail: SmtpConfig | None = None,
    graceful_shutdown_seconds: float = 0,
) -> Worker:
    projector = Projector(engine)
    sessions = CouncilSessionActivities(engine, TemporalGateway(client, task_queue=task_queue))
    plans = PlanActivities(engine)
    # Without an SMTP server the activity still runs and sends nothing (no host: nothing to do).
    mailer = MailActivities(engine, mail or SmtpConfig(host=""))
    return Worker(
        client,
        task_queue=task_queue,
        workflows=[NominationWorkflow, PlanWorkflow, MailerWorkflow, CouncilSessionWorkflow],
        activities=[
            projector.record_transition,
            projector.record_transition_v2,
            projector.record_notification,
            projector.count_ballot,
            plans.plan_schedule,
            plans.plan_event,
            plans.record_plan_version,
            mailer.deliver_notifications,
            sessions.apply_council_result,
            sessions.close_council_session,
        ],
        max_concurrent_activities=ACTIVITY_SLOTS - LOCAL_ACTIVITY_SLOTS,
        max_concurrent_local_activities=LOCAL_ACTIVITY_SLOTS,
        max_concurrent_workflow_tasks=100,
        # On shutdown (SIGTERM): stop polling at once, let running activities finish for this long,
        # then cancel them; Temporal retries a cancelled activity on another worker.
        graceful_shutdown_timeout=timedelta(seconds=graceful_shutdown_seconds),
        # Still sandboxed (non-deterministic calls are refused), but modules are imported once, not
        # again for every workflow run: the workflows' modules hold no state, and re-importing them
        # cost about a third of the worker's CPU per nomination.
        workflow_runner=SandboxedWorkflowRunner(
            restrictions=SandboxRestrictions.default.with_passthrough_all_modules()
        ),
    )


async def check_search_attributes(gateway: TemporalGateway) -> None:
    """Say loudly when the namespace lacks the search attributes: Temporal refuses to start a
    nomination without them (the dossier waits for its workflow until they are registered)."""
    try:
        missing = await gateway.missing_search_attributes()
    except Exception:
        log.warning("could not list the namespace's search attributes", exc_info=True)
        return
    if missing:
        log.error(
            "search attributes %s are not registered in namespace %s: no nomination can start until "
            "deploy/temporal/namespace.sh registers them",
            ", ".join(missing),
            gateway.client.namespace,
        )


async def run_worker(settings: CoreSettings | None = None) -> None:
    settings = settings or get_core_settings()
    if not settings.database_url:
        raise RuntimeError("DATABASE_URL is not set")
    # The Temporal client's threads (its Rust runtime) should never take SIGTERM/SIGINT themselves:
    # they inherit a mask that blocks both, and only this (main) thread takes them, through the loop
    # (a precaution; connect() does the same for the API).
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    stopping = {signal.SIGINT, signal.SIGTERM}
    for sig in stopping:
        loop.add_signal_handler(sig, stop.set)
    signal.pthread_sigmask(signal.SIG_BLOCK, stopping)
    try:
        client = await connect(settings)
        engine = make_engine(settings.database_url, pool_size=ACTIVITY_SLOTS // 2)
        mail = smtp_config(settings)
        worker = build_worker(client, engine, settings.task_queue, mail, settings.shutdown_seconds)
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, stopping)
    await warn_if_privileged(engine, "worker")
    freeze_after_start()
    log.info("worker polling task queue %s on %s", settings.task_queue, settings.temporal_target())
    gateway = TemporalGateway.from_settings(client, settings)
    catalogue = load_catalogue(settings.deploy_dir / "award_forms.yaml")
    async with worker:
        # Polling already: a slow answer here delays nothing.
        await check_search_attributes(gateway)
        if mail is not None:
            try:
                await gateway.ensure_mailer(settings.task_queue, settings.email_poll_seconds)
            except Exception:
                log.exception("could not start the notification mailer; e-mail waits for the next start")
        while not stop.is_set():
            # No dossier stays without its workflow: start those whose creation could not.
            try:
                await start_unstarted(gateway, engine, catalogue)
            except Exception:
                log.exception("starting unstarted nominations failed; trying again shortly")
            # No council session stays half applied: resume those whose start did not happen.
            try:
                await resume_sessions(gateway, engine)
            except Exception:
                log.exception("resuming council sessions failed; trying again shortly")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=RECONCILE_SECONDS)
        log.info("stopping: no new tasks; running activities get %.0fs to finish", settings.shutdown_seconds)
    log.info("worker stopped")
    await engine.dispose()
