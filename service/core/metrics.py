"""Prometheus metrics of the API."""

from __future__ import annotations

import time

from prometheus_client import Counter, Histogram
from starlette.types import ASGIApp, Message, Receive, Scope, Send

REQUESTS = Counter("thidua_http_requests_total", "HTTP requests", ["method", "route", "status"])
LATENCY = Histogram("thidua_http_request_seconds", "HTTP request latency", ["method", "route"])
NOMINATIONS_CREATED = Counter("thidua_nominations_created_total", "Nominations created", ["award_form"])
TASKS_COMPLETED = Counter("thidua_tasks_completed_total", "Tasks completed", ["outcome"])


class MetricsMiddleware:
    """Count and time every request by its route template (not its path: ids would explode the labels).

    Plain ASGI rather than Starlette's `BaseHTTPMiddleware`, whose task group per request cost more
    CPU than the whole of some handlers. A handler that raises is counted as 500.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            # The router writes the matched route into this same scope.
            path = getattr(scope.get("route"), "path", "unmatched")
            LATENCY.labels(scope["method"], path).observe(time.perf_counter() - start)
            REQUESTS.labels(scope["method"], path, str(status)).inc()
