"""The search attributes the Temporal UI filters by: a nomination's unit, award form and status,
kept current by the workflow (v4, `search-attributes-v4`) and set by the gateway at the start."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle
from temporalio.common import SearchAttributeKey
from temporalio.testing import WorkflowEnvironment

from service.temporal.gateway import NominationRef, TemporalGateway
from service.worker import check_search_attributes
from tests.support.factories import new_nomination, user_actor
from tests.support.helpers import assert_eq_eventually, new_worker, register_search_attributes
from tests.workflows.recording import record_histories, recorded, start  # noqa: F401  (records histories when asked)
from tests.workflows.test_nomination_workflow import COMMUNE_ROUTE, decide, open_task
from workflows.contracts import ResubmitInput, WithdrawInput
from workflows.nomination import NominationWorkflow
from workflows.search_attributes import AWARD_FORM, STATUS, UNIT


async def attribute(handle: WorkflowHandle, key: SearchAttributeKey[Any]) -> Any:
    return (await handle.describe()).typed_search_attributes.get(key)


async def upserts(handle: WorkflowHandle) -> list[set[str]]:
    """The thidua attributes each upsert of the workflow sent (the SDK's own, for patches, left out)."""
    sent = []
    async for e in handle.fetch_history_events():
        if e.event_type == EventType.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
            fields = set(e.upsert_workflow_search_attributes_event_attributes.search_attributes.indexed_fields)
            if any(name.startswith("Thidua") for name in fields):
                sent.append(fields)
    return sent


async def test_a_nomination_carries_its_unit_award_form_and_status_to_the_end(
    env: WorkflowEnvironment, engine: AsyncEngine
) -> None:
    inp = await new_nomination(engine, "GIAY_KHEN_XA")
    clerk = await user_actor(engine, "clerk.school")
    async with new_worker(env.client, engine) as worker:
        # Started without attributes (as by hand, or by an API of the previous release): the first
        # step sets them all.
        handle = await start(env, worker.task_queue, inp)
        await open_task(handle)
        await assert_eq_eventually(str(inp.proposing_unit_id), lambda: attribute(handle, UNIT))
        assert await attribute(handle, AWARD_FORM) == "GIAY_KHEN_XA"
        assert await attribute(handle, STATUS) == "in_progress"

        await decide(engine, handle, "council.school")
        await decide(engine, handle, "council.commune", "return", "Thiếu minh chứng")
        await assert_eq_eventually("returned", lambda: attribute(handle, STATUS))
        await open_task(handle)
        await handle.execute_update(NominationWorkflow.resubmit, ResubmitInput(actor=clerk, comment="Đã bổ sung"))
        await assert_eq_eventually("in_progress", lambda: attribute(handle, STATUS))
        for user in COMMUNE_ROUTE[1:]:
            await decide(engine, handle, user)
        assert (await handle.result()).status == "awarded"
    await assert_eq_eventually("awarded", lambda: attribute(handle, STATUS))
    assert await attribute(handle, UNIT) == str(inp.proposing_unit_id)
    # All three at the first step, then only the status on each change (returned, in_progress, awarded).
    assert await upserts(handle) == [{"ThiduaUnit", "ThiduaAwardForm", "ThiduaStatus"}] + [{"ThiduaStatus"}] * 3


async def test_started_by_the_gateway_it_is_filterable_at_once_and_ends_withdrawn(
    env: WorkflowEnvironment, engine: AsyncEngine
) -> None:
    inp = await new_nomination(engine, "BANG_KHEN_TINH")
    clerk = await user_actor(engine, "clerk.school")
    async with new_worker(env.client, engine) as worker:
        gateway = TemporalGateway(env.client, task_queue=worker.task_queue)
        ref = NominationRef.of(inp.nomination_id)
        assert await gateway.start_nomination(ref, inp)
        handle = recorded(env.client.get_workflow_handle(ref.workflow_id))
        # Set by the start itself, before any worker ran the workflow.
        started = (await handle.describe()).typed_search_attributes
        assert (started.get(UNIT), started.get(AWARD_FORM), started.get(STATUS)) == (
            str(inp.proposing_unit_id),
            "BANG_KHEN_TINH",
            "in_progress",
        )
        await open_task(handle)
        await handle.execute_update(NominationWorkflow.withdraw, WithdrawInput(actor=clerk, reason="Rút hồ sơ"))
        await handle.result()
    await assert_eq_eventually("withdrawn", lambda: attribute(handle, STATUS))
    assert await upserts(handle) == [{"ThiduaStatus"}], "the first step found the attributes already set"


async def test_the_worker_names_the_attributes_a_namespace_lacks() -> None:
    """On a real server (the time-skipping one cannot list them): none registered, then all of them."""
    temporal = Path(sys.executable).parent / "temporal"
    if not temporal.exists():
        pytest.skip("the `temporal` binary (extra `embedded`) is not installed")
    bare = await WorkflowEnvironment.start_local(dev_server_existing_path=str(temporal), ui=False)
    try:
        gateway = TemporalGateway(bare.client, task_queue="unused")
        assert await gateway.missing_search_attributes() == [
            "ThiduaUnit",
            "ThiduaAwardForm",
            "ThiduaStatus",
            "ThiduaPlan",
        ]
        await register_search_attributes(bare.client)
        assert await gateway.missing_search_attributes() == []
    finally:
        await bare.shutdown()


async def test_a_worker_on_a_namespace_without_them_says_so(caplog: pytest.LogCaptureFixture) -> None:
    class Gateway:
        client = SimpleNamespace(namespace="thidua")

        async def missing_search_attributes(self) -> list[str]:
            return ["ThiduaStatus", "ThiduaPlan"]

    with caplog.at_level(logging.ERROR, logger="service.worker"):
        await check_search_attributes(Gateway())  # type: ignore[arg-type]
    assert "search attributes ThiduaStatus, ThiduaPlan are not registered in namespace thidua" in caplog.text
