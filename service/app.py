"""The FastAPI application: API v1, the web UI, health and metrics."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from temporalio.client import Client

from models.catalogue import load_catalogue
from models.db import make_engine, session_factory
from service.api import (
    attachments,
    audit,
    auth,
    catalogue,
    council,
    delegations,
    health,
    nominations,
    notifications,
    plans,
    tasks,
)
from service.api.routers import labels
from service.deps import AppContext
from service.metrics import metrics_middleware
from service.middleware import BodySizeLimit, SecurityHeaders
from service.oidc import OidcVerifier
from service.problems import install_problem_handlers
from service.ratelimit import LoginLimiter
from service.settings import Settings, get_settings
from service.temporal import connect
from service.web import STATIC_DIR, mount_ui

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, temporal: Client | None = None) -> FastAPI:
    settings = settings or get_settings()
    attachments_dir = settings.attachments_path.resolve()
    if attachments_dir == STATIC_DIR or STATIC_DIR in attachments_dir.parents:
        raise RuntimeError("THIDUA_ATTACHMENT_DIR must not be inside the directory of the web UI's static files")

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if not settings.database_url:
            raise RuntimeError("DATABASE_URL is not set")
        engine = make_engine(settings.database_url)
        client = temporal or await connect(settings)
        app.state.ctx = AppContext(
            settings=settings,
            engine=engine,
            sessions=session_factory(engine),
            temporal=client,
            catalogue=load_catalogue(settings.deploy_dir / "award_forms.yaml"),
            login_limiter=LoginLimiter(settings.login_limit_account, settings.login_limit_address),
            oidc=OidcVerifier(settings) if settings.oidc_issuer else None,
        )
        yield
        await engine.dispose()

    app = FastAPI(
        title="thidua – Quản lý đề nghị khen thưởng",
        version="1.0",
        lifespan=lifespan,
        description="Quy trình đề nghị, thẩm định, xét duyệt và quyết định khen thưởng phong trào thi đua.",
    )
    install_problem_handlers(app)
    app.middleware("http")(metrics_middleware)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(
        BodySizeLimit, max_body_bytes=settings.max_body_bytes, max_upload_bytes=settings.max_attachment_bytes
    )
    for module in (
        auth, labels, catalogue, nominations, attachments, tasks, council, delegations, audit, plans, notifications,
        health,
    ):  # fmt: skip
        app.include_router(module.router)
    mount_ui(app)
    return app
