"""Test helpers in the style of the Temporal SDK's own tests."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.client import Client
from temporalio.worker import Worker

from service.worker import build_worker

T = TypeVar("T")


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
