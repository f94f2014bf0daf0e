"""Prometheus metrics of the API."""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from fastapi import Request, Response
from prometheus_client import Counter, Histogram

REQUESTS = Counter("thidua_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram("thidua_http_request_seconds", "HTTP request latency", ["method", "route"])
NOMINATIONS_CREATED = Counter("thidua_nominations_created_total", "Nominations created", ["award_form"])
TASKS_COMPLETED = Counter("thidua_tasks_completed_total", "Tasks completed", ["outcome"])


async def metrics_middleware(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    start = time.perf_counter()
    response = await call_next(request)
    route = request.scope.get("route")
    path = getattr(route, "path", "unmatched")
    LATENCY.labels(request.method, path).observe(time.perf_counter() - start)
    REQUESTS.labels(request.method, path, str(response.status_code)).inc()
    return response
