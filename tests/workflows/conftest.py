"""Workflow tests keep their histories for the replay test when asked to (see recording.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.workflows import recording


@pytest.fixture(autouse=True)
async def record_histories(request: pytest.FixtureRequest) -> AsyncIterator[None]:
    # Only tests that run workflows (they use the `env` fixture) have histories to keep.
    if "env" not in request.fixturenames:
        yield
        return
    async for _ in recording.record_histories(request, request.getfixturevalue("env")):
        yield
