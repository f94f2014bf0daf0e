"""The FastAPI application: API v1, the web UI, health and metrics."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import datetime

from fastapi import FastAPI
from temporalio.client import Client

from models.db.engine import make_engine, session_factory
from models.db.roles import warn_if_privileged
from models.rules.catalogue import load_catalogue
from models.rules.registers import load_prizes, load_registers
from service.api.deps import AppContext, utc_now
from service.api.middleware import BodySizeLimit, RejectControlCharacters, SecurityHeaders
from service.api.problems import install_problem_handlers
from service.api.routers import (
    attachments,
    audit,
    auth,
    awards,
    catalogue,
    council,
    council_sessions,
    dashboard,
    decisions,
    delegations,
    forward_letters,
    health,
    labels,
    nominations,
    notifications,
    plans,
    saved_views,
    submissions,
    tasks,
    workflow_events,
)
from service.core.memory import freeze_after_start
from service.core.metrics import MetricsMiddleware
from service.core.settings import Settings, get_settings
from service.security.oidc import OidcVerifier
from service.security.ratelimit import LoginThrottle
from service.temporal.gateway import TemporalGateway, connect
from service.web import STATIC_DIR, mount_ui
from service.web.docs import mount_docs

log = logging.getLogger(__name__)


def create_app(
    settings: Settings | None = None, temporal: Client | None = None, clock: Callable[[], datetime] | None = None
) -> FastAPI:
    """The application; tests pass their Temporal client and, where a rule depends on today, a clock."""
    settings = settings or get_settings()
    attachments_dir = settings.attachments_path.resolve()
    if attachments_dir == STATIC_DIR or STATIC_DIR in attachments_dir.parents:
        raise RuntimeError("THIDUA_ATTACHMENT_DIR must not be inside the directory of the web UI's static files")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if not settings.database_url:
            raise RuntimeError("DATABASE_URL is not set")
        engine = make_engine(settings.database_url)
        await warn_if_privileged(engine, "API")
        client = temporal or await connect(settings)
        app.state.ctx = AppContext(
            settings=settings,
            engine=engine,
            sessions=session_factory(engine),
            gateway=TemporalGateway.from_settings(client, settings),
            clock=clock or utc_now,
            catalogue=load_catalogue(settings.deploy_dir / "award_forms.yaml"),
            login_throttle=LoginThrottle.from_settings(engine, settings),
            oidc=OidcVerifier(settings) if settings.oidc_issuer else None,
            registers=load_registers(settings.deploy_dir / "registers.yaml"),
            prizes=load_prizes(settings.deploy_dir / "prizes.yaml"),
        )
        freeze_after_start()
        yield
        await app.state.ctx.background.drain()
        await engine.dispose()

    app = FastAPI(
        title="thidua – Quản lý đề nghị khen thưởng",
        version="1.0",
        lifespan=lifespan,
        # /docs is served by service/web/docs.py from local files (no CDN); ReDoc is off.
        docs_url=None,
        redoc_url=None,
        description="Quy trình đề nghị, thẩm định, xét duyệt và quyết định khen thưởng phong trào thi đua.",
    )
    install_problem_handlers(app)
    app.add_middleware(MetricsMiddleware)
    app.add_middleware(RejectControlCharacters)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(
        BodySizeLimit, max_body_bytes=settings.max_body_bytes, max_upload_bytes=settings.max_attachment_bytes
    )
    for module in (
        auth, labels, catalogue, nominations, attachments, tasks, council, decisions, awards, delegations, audit, plans,
        notifications, dashboard, council_sessions, forward_letters, health, saved_views, submissions,
    ):  # fmt: skip
        app.include_router(module.router)
    app.include_router(workflow_events.router)
    mount_docs(app)
    mount_ui(app)
    return app
