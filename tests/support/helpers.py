"""Test helpers in the style of the Temporal SDK's own tests."""

from __future__ import annotations

import asyncio
import shutil
import socket
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.api.operatorservice.v1 import AddSearchAttributesRequest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from service.app import create_app
from service.core.settings import Settings
from service.worker import build_worker
from workflows import search_attributes

T = TypeVar("T")


@asynccontextmanager
async def running_api(
    env: WorkflowEnvironment,
    engine: AsyncEngine,
    database_url: str,
    client: str = "203.0.113.7",
    clock: Callable[[], datetime] | None = None,
    **settings: Any,
) -> AsyncIterator[httpx.AsyncClient]:
    task_queue = f"api-{uuid.uuid4()}"
    values = {"env": "test", "DATABASE_URL": database_url, "task_queue": task_queue, **settings}
    app = create_app(Settings.model_validate(values), temporal=env.client, clock=clock)
    async with new_worker(env.client, engine, task_queue), app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=(client, 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://thidua.test") as http:
            yield http


def new_worker(client: Client, engine: AsyncEngine, task_queue: str | None = None) -> Worker:
    """A worker with the real workflow and activities on a task queue of its own."""
    return build_worker(client, engine, task_queue or f"tq-{uuid.uuid4()}")


async def assert_eq_eventually(
    expected: T, fn: Callable[[], Awaitable[T]], *, within: float = 30.0, interval: float = 0.05
) -> None:
    deadline = asyncio.get_running_loop().time() + within
    last: T | None = None
    while True:
        last = await fn()
        if last == expected:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"expected {expected!r}, last value {last!r}")
        await asyncio.sleep(interval)


async def register_search_attributes(client: Client) -> None:
    """Register thidua's search attributes on a test server, as deploy/temporal/namespace.sh does in
    production: Temporal refuses a workflow that sets an attribute it does not know."""
    await client.operator_service.add_search_attributes(
        AddSearchAttributesRequest(
            namespace=client.namespace,
            search_attributes={key.name: key.indexed_value_type.value for key in search_attributes.ALL},
        )
    )


def test_server_path() -> str:
    """The time-skipping test server installed with the dev extras (nothing is downloaded)."""
    local = Path(sys.executable).parent / "temporal-test-server"
    found = str(local) if local.exists() else shutil.which("temporal-test-server")
    if not found:
        pytest.exit("temporal-test-server not found: install the dev extras (make test does)", returncode=2)
    return found


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
