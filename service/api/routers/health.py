"""Liveness, readiness and metrics."""

from __future__ import annotations

import asyncio
import os

from fastapi import APIRouter, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest, multiprocess
from sqlalchemy import text

from service.api.deps import ContextDep
from service.api.problems import problem_response

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", response_model=None)
async def readyz(ctx: ContextDep) -> dict[str, str] | Response:
    checks: dict[str, str] = {}
    try:
        async with asyncio.timeout(3):
            async with ctx.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        checks["postgresql"] = "ok"
    except Exception:
        checks["postgresql"] = "unavailable"
    try:
        async with asyncio.timeout(3):
            await ctx.gateway.check_health()
        checks["temporal"] = "ok"
    except Exception:
        checks["temporal"] = "unavailable"
    if any(v != "ok" for v in checks.values()):
        down = ", ".join(k for k, v in checks.items() if v != "ok")
        return problem_response(
            503, f"Dịch vụ chưa sẵn sàng: không kết nối được {down}.", code="not_ready", checks=checks
        )
    return {"status": "ready", **checks}


@router.get("/metrics")
async def metrics() -> Response:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        # `thidua api --workers N`: every process writes its counters there; this answer sums them.
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
