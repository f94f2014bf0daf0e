"""Recording workflow histories for the replay test.

Workflow tests start nominations with `start` and import the autouse fixture `record_histories`;
with THIDUA_RECORD_HISTORIES=1 it saves each test's histories under tests/histories/<HISTORY_VERSION>/.
After a deliberate workflow change (behind `workflow.patched`), bump HISTORY_VERSION and record.
"""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator

import pytest
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from tests.support.paths import HISTORIES as ALL_HISTORIES
from workflows.contracts import NominationInput, nomination_workflow_id
from workflows.nomination import NominationWorkflow

HISTORY_VERSION = "v5"

HISTORIES = ALL_HISTORIES / HISTORY_VERSION
_started: list[WorkflowHandle] = []


@pytest.fixture(autouse=True)
async def record_histories(request: pytest.FixtureRequest, env: WorkflowEnvironment) -> AsyncIterator[None]:
    """With THIDUA_RECORD_HISTORIES=1, keep each test's workflow histories for the replay test."""
    _started.clear()
    yield
    if os.environ.get("THIDUA_RECORD_HISTORIES") == "1":
        HISTORIES.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_-]+", "_", request.node.name).strip("_")
        for i, handle in enumerate(_started):
            history = await handle.fetch_history()
            (HISTORIES / f"{name}-{i}.json").write_text(history.to_json())


async def start(env: WorkflowEnvironment, task_queue: str, inp: NominationInput) -> WorkflowHandle:
    handle = await env.client.start_workflow(
        NominationWorkflow.run, inp, id=nomination_workflow_id(inp.nomination_id), task_queue=task_queue
    )
    return recorded(handle)


def recorded(handle: WorkflowHandle) -> WorkflowHandle:
    """A workflow started otherwise (through the gateway), recorded with the test's histories."""
    _started.append(handle)
    return handle
