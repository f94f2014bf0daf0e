"""The administrators' view of a workflow: the readable timeline beside the raw Temporal events,
each readable entry naming the events it came from; refused to everyone else (403, or 404 for what
they cannot see at all)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.testing import WorkflowEnvironment

from service.app import create_app
from service.core.settings import Settings
from service.dev.plan_simulator import run_timeline
from tests.support.api import PROBLEM, approve_step, body, create, login, school_unit, task_for
from tests.support.helpers import new_worker
from tests.support.plans import setup_plan, vn
from tests.support.security import ensure_unit, ensure_user
from workflows.plan import PlanWorkflow
from workflows.plan_contracts import PlanInput, plan_workflow_id

# Plans and users of the test's own.
pytestmark = pytest.mark.own_database


@pytest.fixture
async def api(env: WorkflowEnvironment, engine: AsyncEngine, database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    """The API and its worker on a task queue the test also starts plan workflows on."""
    task_queue = f"workflow-events-{uuid.uuid4()}"
    settings = Settings.model_validate({"env": "test", "DATABASE_URL": database_url, "task_queue": task_queue})
    app = create_app(settings, temporal=env.client)
    async with new_worker(env.client, engine, task_queue), app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://thidua.test") as client:
            client.task_queue = task_queue  # type: ignore[attr-defined]
            yield client


async def plan_admin(api: httpx.AsyncClient, owner_engine: AsyncEngine, scope: str) -> dict[str, str]:
    """An administrator of the plan's own units (the test's plans are outside the demo country)."""
    username = f"admin.{scope.lower()}"
    await ensure_user(owner_engine, username, scope, [("admin", scope, True)], full_name="Quản trị kế hoạch")
    return await login(api, username)


def linked(out: dict[str, Any], entry: dict[str, Any]) -> list[dict[str, Any]]:
    """The raw events a timeline entry names (an event is its run and its id in the run)."""
    events = {(e["run_id"], e["event_id"]): e for e in out["events"]}
    return [events[(entry["run_id"], i)] for i in entry["event_ids"]]


def entry(timeline: list[dict[str, Any]], action: str) -> dict[str, Any]:
    found = [e for e in timeline if e["action"] == action]
    assert len(found) == 1, (action, [e["action"] for e in timeline])
    return found[0]


async def test_a_nominations_events_beside_its_timeline_for_administrators_only(
    api: httpx.AsyncClient, owner_engine: AsyncEngine
) -> None:
    clerk = await login(api, "clerk.school")
    nid = (await create(api, clerk, body(await school_unit(api, clerk), name="Lò Văn Sự Kiện")))["id"]
    council = await login(api, "council.school")
    await approve_step(api, council, await task_for(api, council, nid), comment="Hội đồng trường nhất trí")

    admin = await login(api, "admin")
    r = await api.get(f"/api/v1/nominations/{nid}/workflow-events", headers=admin)
    assert r.status_code == 200, r.text
    out = r.json()
    assert out["workflow_id"] == f"nomination-{nid}" and out["timezone"] == "Asia/Ho_Chi_Minh"
    assert len(out["runs"]) == 1 and {e["run_id"] for e in out["events"]} == set(out["runs"])
    first = out["events"][0]
    assert first["event_id"] == 1 and first["type"] == "WorkflowExecutionStarted"
    assert "NominationWorkflow" in first["summary"] and first["details"]["nomination_id"] == nid
    assert all(datetime.fromisoformat(e["at"]).utcoffset() == timedelta(hours=7) for e in out["events"])
    # The payloads are decoded JSON. The projection (v5) is a local activity: its marker keeps its
    # result, which names the audit rows it wrote.
    projections = [e for e in out["events"] if e["type"] == "MarkerRecorded" and "result" in (e["details"] or {})]
    assert len(projections) == 2 and all(
        "Tác vụ cục bộ record_transition_v2 (lần thử 1) xong" == e["summary"] for e in projections
    )
    assert all(e["details"]["result"]["audit_ids"] for e in projections)
    assert not [e for e in out["events"] if e["type"] == "ActivityTaskScheduled"]
    accepted = [e for e in out["events"] if e["type"] == "WorkflowExecutionUpdateAccepted"]
    assert [e["summary"] for e in accepted] == ["Nhận Update record_tally"] and accepted[0]["update_id"]
    assert accepted[0]["details"]["minutes"].startswith("Biên bản họp Hội đồng")
    completed = [e for e in out["events"] if e["type"] == "WorkflowExecutionUpdateCompleted"]
    assert [e["update_id"] for e in completed] == [accepted[0]["update_id"]]
    assert completed[0]["summary"] == "Update record_tally xong"

    # Each readable entry names its events: the submission its projection, the council's result the
    # Update that carried it, its projection and the Update's completion.
    timeline = out["timeline"]
    started = entry(timeline, "workflow_started")
    assert started["event_ids"] == [1] and started["source"] == "workflow" and started["run_id"] == out["runs"][0]
    submit = entry(timeline, "submit")
    assert any(e["type"] == "MarkerRecorded" and "result" in e["details"] for e in linked(out, submit))
    assert not any(e["kind"] == "update" for e in linked(out, submit))
    approve = entry(timeline, "approve")
    assert approve["comment"] == "Hội đồng trường nhất trí"
    assert {
        "WorkflowExecutionUpdateAccepted",
        "MarkerRecorded",
        "WorkflowExecutionUpdateCompleted",
    } <= {e["type"] for e in linked(out, approve)}
    assert accepted[0]["event_id"] in approve["event_ids"] and completed[0]["event_id"] in approve["event_ids"]
    assert not set(submit["event_ids"]) & set(approve["event_ids"])

    # Nobody but an administrator, whether they see the dossier (its clerk) or not (nothing to probe).
    for who in ("clerk.school", "clerk.yb"):
        refused = await api.get(f"/api/v1/nominations/{nid}/workflow-events", headers=await login(api, who))
        assert refused.status_code == 403 and refused.headers["content-type"] == PROBLEM, who
        assert refused.json()["code"] == "not_admin" and "quản trị" in refused.json()["detail"]
    # An administrator of another province does not see the dossier.
    await ensure_unit(owner_engine, "TEST-WE", "UBND tỉnh Thử", "people_committee", "province", None)
    await ensure_user(owner_engine, "we.admin", "TEST-WE", [("admin", "TEST-WE", True)])
    hidden = await api.get(f"/api/v1/nominations/{nid}/workflow-events", headers=await login(api, "we.admin"))
    assert hidden.status_code == 404 and hidden.headers["content-type"] == PROBLEM


async def test_a_plans_events_its_scheduled_runs(
    api: httpx.AsyncClient, env: WorkflowEnvironment, engine: AsyncEngine, owner_engine: AsyncEngine
) -> None:
    # A year of a plan, on the time-skipping server: its report tasks open, reminders, the deadline.
    plan = await setup_plan(owner_engine, "ct-1315-2024")
    admin = await plan_admin(api, owner_engine, plan.scope_code)
    r = await api.get(f"/api/v1/plans/{plan.id}/workflow-events", headers=admin)
    assert r.status_code == 200 and r.json()["events"] == [] and r.json()["timeline"] == []
    await run_timeline(
        env.client, engine, api.task_queue,  # type: ignore[attr-defined]
        plan, vn(2025, 10, 1), vn(2026, 1, 1), await env.get_current_time(),
        workflow_id=plan_workflow_id(plan.id),
    )  # fmt: skip
    out = (await api.get(f"/api/v1/plans/{plan.id}/workflow-events", headers=admin)).json()
    # The plan continued as new at the turn of the year: the events of both runs are listed.
    assert len(out["runs"]) == 2
    runs = [e for e in out["timeline"] if e["source"] == "plan"]
    assert {"open_tasks", "reminder", "due"} <= {e["action"] for e in runs}
    for e in runs:
        scheduled = [x for x in linked(out, e) if x["type"] == "ActivityTaskScheduled"]
        assert [s["details"]["event"]["kind"] for s in scheduled] == [e["action"]], e
    # What woke the workflow up for the deadline: its timer.
    due = next(e for e in runs if e["action"] == "due")
    assert any(x["type"] == "TimerFired" for x in linked(out, due)), due
    assert "đơn vị đã báo cáo" in due["comment"] and "quá hạn" in due["comment"]


async def test_a_plans_amendment_beside_its_update_and_who_may_see_them(
    api: httpx.AsyncClient, env: WorkflowEnvironment, owner_engine: AsyncEngine
) -> None:
    # A running plan amended by its administrator: the amendment, by whom and why, is the Update.
    other = await setup_plan(owner_engine, "st-snv-2024")
    admin = await plan_admin(api, owner_engine, other.scope_code)
    # The test's clock stands still while the plan runs: nothing here waits for a date, and a clock
    # let run by a client's wait could take the plan to its end (2030) before it is amended.
    with env.auto_time_skipping_disabled():
        await env.client.start_workflow(
            PlanWorkflow.run,
            PlanInput(plan_id=other.id, definition=other.model_dump(mode="json"), version=1),
            id=plan_workflow_id(other.id),
            task_queue=api.task_queue,  # type: ignore[attr-defined]
        )
        change = {"reports": [{"key": "office", "due_day": 20}], "reason": "UBND tỉnh đề nghị báo cáo sớm"}
        amended = await api.post(f"/api/v1/plans/{other.id}/amend", json=change, headers=admin)
        assert amended.status_code == 200, amended.text
        out = (await api.get(f"/api/v1/plans/{other.id}/workflow-events", headers=admin)).json()
        amendment = entry(out["timeline"], "plan_amended")
        assert amendment["actor"] == "Quản trị kế hoạch" and amendment["comment"] == "UBND tỉnh đề nghị báo cáo sớm"
        events = linked(out, amendment)
        assert [e["summary"] for e in events if e["type"] == "WorkflowExecutionUpdateAccepted"] == ["Nhận Update amend"]
        assert any(e["summary"].startswith("Lên lịch tác vụ record_plan_version") for e in events)
    await env.client.get_workflow_handle(plan_workflow_id(other.id)).terminate("test over")

    # Someone of the plan's units sees the plan but not its workflow, nor does anyone else but its
    # administrators; an administrator of other units does not see it.
    await ensure_user(owner_engine, "clerk.plan-events", other.scope_code, [("clerk", other.scope_code, False)])
    clerk = await login(api, "clerk.plan-events")
    assert (await api.get(f"/api/v1/plans/{other.id}", headers=clerk)).status_code == 200
    for who in (clerk, await login(api, "clerk.school")):
        refused = await api.get(f"/api/v1/plans/{other.id}/workflow-events", headers=who)
        assert refused.status_code == 403 and refused.json()["code"] == "not_admin"
    # The country's administrator: these test units are not under it.
    r = await api.get(f"/api/v1/plans/{other.id}/workflow-events", headers=await login(api, "admin"))
    assert r.status_code == 404 and r.headers["content-type"] == PROBLEM
