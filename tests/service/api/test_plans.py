"""The plans API with a real worker: list and read in scope, yearly reports (late ones flagged),
the calendar and the `thidua plans simulate` command giving the same dates, amendments of a
running plan, starting the plan workflows, and milestone windows refusing nominations."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.testing import WorkflowEnvironment

from models.rules.calendar import VN_TZ
from models.rules.plan_schedule import calendar, format_instant
from models.rules.plans import PlanDef
from models.store.plans import write_plan
from models.tables import RoleAssignment, Unit, User
from service.app import create_app
from service.core.settings import Settings
from service.dev.plan_simulator import run_timeline
from service.security.passwords import hash_password
from service.temporal.gateway import TemporalGateway
from service.temporal.plan_startup import ensure_plan_workflows
from tests.support.helpers import assert_eq_eventually, new_worker, running_api
from tests.support.paths import ROOT as ROOT_DIR
from tests.support.plans import PLANS, setup_plan, vn
from workflows.plan import PlanWorkflow
from workflows.plan_contracts import PlanInput, plan_workflow_id
from workflows.search_attributes import PLAN

# These tests change reference data (units, users, council members, plans): each gets its own database.
pytestmark = pytest.mark.own_database

PROBLEM = "application/problem+json"


@pytest.fixture
async def api_env(
    env: WorkflowEnvironment, engine: AsyncEngine, database_url: str
) -> AsyncIterator[tuple[httpx.AsyncClient, str]]:
    task_queue = f"plans-api-{uuid.uuid4()}"
    settings = Settings.model_validate({"env": "test", "DATABASE_URL": database_url, "task_queue": task_queue})
    app = create_app(settings, temporal=env.client)
    async with new_worker(env.client, engine, task_queue), app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://thidua.test") as client:
            yield client, task_queue


async def login(api: httpx.AsyncClient, username: str) -> dict[str, str]:
    r = await api.post("/api/v1/auth/token", data={"username": username, "password": "demo"})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


async def add_user(engine: AsyncEngine, unit_code: str, roles: list[str]) -> str:
    """A user with roles: reference data, so `engine` is the owner's (as for the seed)."""
    username = f"plan.{uuid.uuid4().hex[:10]}"
    async with AsyncSession(engine) as s:
        from sqlmodel import select

        unit = (await s.exec(select(Unit).where(Unit.code == unit_code))).one()
        user = User(
            username=username, full_name="Nguyễn Văn Báo Cáo", password_hash=hash_password("demo"), unit_id=unit.id
        )
        s.add(user)
        await s.flush()
        for role in roles:
            s.add(RoleAssignment(user_id=user.id, role=role, unit_id=unit.id))
        await s.commit()
    return username


async def unit_id(engine: AsyncEngine, code: str) -> int:
    async with AsyncSession(engine) as s:
        from sqlmodel import select

        unit = (await s.exec(select(Unit).where(Unit.code == code))).one()
        assert unit.id is not None
        return unit.id


async def test_plans_are_listed_and_read_in_scope(api_env: tuple[httpx.AsyncClient, str]) -> None:
    api, _ = api_env
    admin = await login(api, "admin")  # administrator of the whole country (subtree of VN)
    listed = (await api.get("/api/v1/plans", headers=admin)).json()
    assert set(PLANS) <= {p["id"] for p in listed}
    clerk = await login(api, "clerk.school")  # Trường THCS Nguyễn Du, under UBND tỉnh Gia Lai
    mine = {p["id"] for p in (await api.get("/api/v1/plans", headers=clerk)).json()}
    assert "gl-65-2024" in mine and "ct-1315-2024" not in mine
    detail = (await api.get("/api/v1/plans/gl-65-2024", headers=clerk)).json()
    assert detail["number"] == "65/QĐ-UBND" and detail["source_file"] == "gl-65-2024.yaml"
    assert [m["key"] for m in detail["milestones"]] == ["preliminary_review", "final_review"]
    assert detail["definition"]["source"]["file"] == "000_45e76f9cd6bac601.txt"
    for path in ("/api/v1/plans/ct-1315-2024", "/api/v1/plans/ct-1315-2024/reports?year=2026", "/api/v1/plans/nope"):
        r = await api.get(path, headers=clerk)
        assert r.status_code == 404 and r.headers["content-type"] == PROBLEM and r.json()["detail"]


async def test_calendar_gives_the_exact_instants(api_env: tuple[httpx.AsyncClient, str]) -> None:
    api, _ = api_env
    admin = await login(api, "admin")
    r = await api.get("/api/v1/plans/st-snv-2024/calendar?from=2026-01-01&to=2027-01-01", headers=admin)
    assert r.status_code == 200, r.text
    items = [(i["kind"], datetime.fromisoformat(i["at"])) for i in r.json()["items"]]
    assert items == [
        ("open_tasks", vn(2026, 10, 26, 8)),
        ("reminder", vn(2026, 11, 17, 8)),
        ("reminder", vn(2026, 11, 23, 8)),
        ("due", vn(2026, 11, 25)),
    ]
    bad = await api.get("/api/v1/plans/st-snv-2024/calendar?from=2027-01-01&to=2026-01-01", headers=admin)
    assert bad.status_code == 422 and bad.headers["content-type"] == PROBLEM


async def test_simulate_command_prints_the_dates_of_the_api_calendar(
    api_env: tuple[httpx.AsyncClient, str], database_url: str
) -> None:
    api, _ = api_env
    admin = await login(api, "admin")
    command = [
        sys.executable,
        "-m",
        "service.cli",
        "plans",
        "simulate",
        "gl-65-2024",
        "--from",
        "2024-01-01",
        "--to",
        "2031-01-01",
    ]
    run = await asyncio.to_thread(
        subprocess.run,
        command,
        cwd=ROOT_DIR,
        env={**os.environ, "DATABASE_URL": database_url, "THIDUA_ENV": "test"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-3000:]
    lines = [line for line in run.stdout.splitlines() if line[:4].isdigit()]
    printed = [(line[:22], line[24:36].strip()) for line in lines]
    r = await api.get("/api/v1/plans/gl-65-2024/calendar?from=2024-01-01&to=2031-01-01", headers=admin)
    expected = [(format_instant(datetime.fromisoformat(i["at"])), i["kind"]) for i in r.json()["items"]]
    assert printed == expected
    assert ("2026-12-05 00:00 +0700", "due") in printed and ("2025-11-01 00:00 +0700", "window_close") in printed
    assert len(printed) == 7 * 4 + 4  # each year: tasks, two reminders, the deadline; two windows


async def test_yearly_reports_late_ones_flagged_and_the_consolidated_view(
    api_env: tuple[httpx.AsyncClient, str], env: WorkflowEnvironment, engine: AsyncEngine, owner_engine: AsyncEngine
) -> None:
    api, task_queue = api_env
    plan = await setup_plan(owner_engine, "ct-1315-2024")
    district = plan.reports[0].units.codes[0]
    other = plan.reports[0].units.codes[1]
    recipient = plan.reports[0].recipients[0]
    # 2025's report year on the time-skipping server: tasks open, reminders, the deadline passes.
    await run_timeline(
        env.client, engine, task_queue, plan, vn(2025, 10, 1), vn(2026, 1, 1), await env.get_current_time()
    )
    clerk = await login(api, await add_user(owner_engine, district, ["clerk"]))
    other_clerk = await login(api, await add_user(owner_engine, other, ["clerk"]))
    secretariat = await login(api, await add_user(owner_engine, recipient, ["secretariat"]))
    district_id = await unit_id(engine, district)

    body = {
        "unit_id": district_id,
        "year": 2025,
        "text": "Báo cáo kết quả thực hiện Phong trào thi đua năm 2025",
        "key_figures": {"cong_dan_hoc_tap": 120, "gia_dinh_hoc_tap": 45.5, "ghi_chu": "đạt"},
        "attachments": ["bao-cao-2025.pdf"],
    }
    r = await api.post(f"/api/v1/plans/{plan.id}/reports", json=body, headers=clerk)
    assert r.status_code == 200, r.text
    sent = r.json()
    assert sent["status"] == "submitted" and sent["late"] is True  # after the deadline: accepted, flagged late
    again = await api.post(f"/api/v1/plans/{plan.id}/reports", json=body, headers=clerk)
    assert again.status_code == 409 and again.headers["content-type"] == PROBLEM
    not_mine = await api.post(f"/api/v1/plans/{plan.id}/reports", json=body, headers=other_clerk)
    assert not_mine.status_code == 403
    too_early = await api.post(f"/api/v1/plans/{plan.id}/reports", json={**body, "year": 2027}, headers=clerk)
    assert too_early.status_code == 409 and too_early.json()["code"] == "no_report_task"

    view = (await api.get(f"/api/v1/plans/{plan.id}/reports?year=2025", headers=secretariat)).json()
    stream = view["streams"][0]
    assert (stream["total"], stream["submitted"], stream["submitted_late"], stream["overdue"]) == (
        len(view["items"]),
        1,
        1,
        len(view["items"]) - 1,
    )
    assert stream["key_figures"] == {"cong_dan_hoc_tap": 120.0, "gia_dinh_hoc_tap": 45.5}
    own = (await api.get(f"/api/v1/plans/{plan.id}/reports?year=2025", headers=other_clerk)).json()
    assert [i["unit_code"] for i in own["items"]] == [other] and own["streams"] == []
    assert own["items"][0]["status"] == "overdue"


async def test_an_administrator_amends_a_running_plan(
    api_env: tuple[httpx.AsyncClient, str], env: WorkflowEnvironment, engine: AsyncEngine, owner_engine: AsyncEngine
) -> None:
    api, task_queue = api_env
    plan = await setup_plan(owner_engine, "st-snv-2024")
    admin = await login(api, await add_user(owner_engine, plan.scope_code, ["admin"]))
    elsewhere = await setup_plan(owner_engine, "st-snv-2024")
    other_admin = await login(api, await add_user(owner_engine, elsewhere.scope_code, ["admin"]))
    for path in (f"/api/v1/plans/{plan.id}", f"/api/v1/plans/{plan.id}/reports?year=2026"):
        assert (await api.get(path, headers=other_admin)).status_code == 404  # an administrator of another unit
    change = {"reports": [{"key": "office", "due_day": 20}], "reason": "UBND tỉnh đề nghị báo cáo sớm"}
    # The preview shows the calendar the change would make, and saves nothing.
    preview = await api.post(f"/api/v1/plans/{plan.id}/amend/preview", json=change, headers=admin)
    assert preview.status_code == 200, preview.text
    dues = [datetime.fromisoformat(i["at"]) for i in preview.json()["items"] if i["kind"] == "due"]
    assert dues and all(d.astimezone(VN_TZ).day == 20 for d in dues)
    assert (await api.get(f"/api/v1/plans/{plan.id}", headers=admin)).json()["version"] == 1
    assert (
        await api.post(f"/api/v1/plans/{plan.id}/amend/preview", json=change, headers=other_admin)
    ).status_code == 404
    not_running = await api.post(f"/api/v1/plans/{plan.id}/amend", json=change, headers=admin)
    assert not_running.status_code == 409 and not_running.json()["code"] == "plan_not_running"
    # The test's clock stands still while the plan runs: nothing here waits for a date, and a clock
    # let run by a client's wait could take the plan to its end (2030) before it is amended.
    with env.auto_time_skipping_disabled():
        await env.client.start_workflow(
            PlanWorkflow.run,
            PlanInput(plan_id=plan.id, definition=plan.model_dump(mode="json"), version=1),
            id=plan_workflow_id(plan.id),
            task_queue=task_queue,
        )
        clerk = await login(api, "clerk.school")
        assert (await api.post(f"/api/v1/plans/{plan.id}/amend", json=change, headers=clerk)).status_code == 403
        assert (await api.post(f"/api/v1/plans/{plan.id}/amend", json=change, headers=other_admin)).status_code == 404
        unknown = {"reports": [{"key": "office", "add_units": ["KHONG-CO"]}]}
        bad = await api.post(f"/api/v1/plans/{plan.id}/amend", json=unknown, headers=admin)
        assert bad.status_code == 422 and "KHONG-CO" in bad.json()["detail"]
        r = await api.post(f"/api/v1/plans/{plan.id}/amend", json=change, headers=admin)
        assert r.status_code == 200, r.text
        assert r.json()["version"] == 2
        # An amendment made on the version read before it is refused: the administrator reloads first.
        stale = await api.post(f"/api/v1/plans/{plan.id}/amend", json={**change, "expected_version": 1}, headers=admin)
        assert stale.status_code == 409 and stale.json()["code"] == "plan_version_conflict", stale.text
        assert stale.headers["content-type"] == PROBLEM and "phiên bản 2" in stale.json()["detail"]
        detail = (await api.get(f"/api/v1/plans/{plan.id}", headers=admin)).json()
        assert detail["version"] == 2 and detail["definition"]["reports"][0]["due"]["day"] == 20
        cal = (await api.get(f"/api/v1/plans/{plan.id}/calendar?from=2027-01-01&to=2028-01-01", headers=admin)).json()
        assert ("due", vn(2027, 11, 20)) in [(i["kind"], datetime.fromisoformat(i["at"])) for i in cal["items"]]
    await env.client.get_workflow_handle(plan_workflow_id(plan.id)).terminate("test over")


async def test_plan_workflows_start_from_their_business_key_once(
    api_env: tuple[httpx.AsyncClient, str], env: WorkflowEnvironment, engine: AsyncEngine, owner_engine: AsyncEngine
) -> None:
    _, task_queue = api_env
    own = await setup_plan(owner_engine, "gl-65-2024")
    first = await ensure_plan_workflows(TemporalGateway(env.client, task_queue=task_queue), engine)
    assert first["gl-65-2024"] == "started" and first[own.id] == "started"
    for plan_id, state in first.items():
        assert state in ("started", "running") or state.startswith("not started: "), (plan_id, state)
    second = await ensure_plan_workflows(TemporalGateway(env.client, task_queue=task_queue), engine)
    assert second["gl-65-2024"] == "running" and second[own.id] == "running"
    view = await env.client.get_workflow_handle(plan_workflow_id("gl-65-2024")).query(PlanWorkflow.view)
    assert view.version == 1 and view.year >= 2026
    # The Temporal UI finds a plan's workflow by its code.
    described = await env.client.get_workflow_handle(plan_workflow_id("gl-65-2024")).describe()
    assert described.typed_search_attributes.get(PLAN) == "gl-65-2024"
    # A changed plan file (the seed wrote version 2) reaches the running workflow as a signal.
    changed = own.model_copy(deep=True)
    changed.reports[0].due.day = 4
    async with engine.begin() as conn:
        await conn.run_sync(lambda sync: write_plan(sync, changed, 2, "gl-65-2024.yaml"))
    third = await ensure_plan_workflows(TemporalGateway(env.client, task_queue=task_queue), engine)
    assert third[own.id] == "updated"
    handle = env.client.get_workflow_handle(plan_workflow_id(own.id))

    async def running_version() -> int:
        return (await handle.query(PlanWorkflow.view)).version

    await assert_eq_eventually(2, running_version)
    assert await (await handle.describe()).memo_value("version") == 2
    assert (await ensure_plan_workflows(TemporalGateway(env.client, task_queue=task_queue), engine))[
        own.id
    ] == "running"
    for plan_id, state in first.items():
        if state == "started":
            await env.client.get_workflow_handle(plan_workflow_id(plan_id)).terminate("test over")


@pytest.mark.parametrize(
    ("today", "period", "accepted"),
    [
        # Before the Gia Lai plan's 2025 window opens, inside it, and long after the 2030 window closed.
        (datetime(2025, 3, 2, 9, tzinfo=VN_TZ), {"kind": "preliminary_review", "year": 2025}, False),
        ("inside", {"kind": "preliminary_review", "year": 2025}, True),
        (datetime(2026, 12, 1, 9, tzinfo=VN_TZ), {"kind": "final_review", "year": 2030}, False),
    ],
)
async def test_a_nomination_is_taken_only_inside_its_milestone_window(
    env: WorkflowEnvironment,
    engine: AsyncEngine,
    database_url: str,
    today: datetime | str,
    period: dict[str, object],
    accepted: bool,
) -> None:
    window = next(m for m in PLANS["gl-65-2024"].milestones if m.kind == period["kind"]).window
    now = window.opens_at() + timedelta(days=1) if today == "inside" else today
    assert isinstance(now, datetime)
    assert (window.opens_at() <= now < window.closes_at()) == accepted
    async with running_api(env, engine, database_url, clock=lambda: now) as api:
        clerk = await login(api, "clerk.school")
        me = (await api.get("/api/v1/me", headers=clerk)).json()
        body = {
            "award_form": "GIAY_KHEN_XA",
            "proposing_unit_id": me["unit"]["id"],
            "nominee": {"kind": "individual", "name": "Lê Văn Sơ Kết"},
            "period": period,
            "achievements": "Tiêu biểu trong xây dựng xã hội học tập",
            "criteria": [],
        }
        r = await api.post("/api/v1/nominations", json=body, headers={**clerk, "Idempotency-Key": str(uuid.uuid4())})
    if accepted:
        assert r.status_code == 201, r.text
        return
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == PROBLEM and r.json()["code"] == "outside_window"
    assert "đợt" in r.json()["detail"].lower()


def test_calendar_and_plan_agree() -> None:
    plan: PlanDef = PLANS["yb-tt-246-2024"]
    events = calendar(plan, vn(2024, 1, 1), vn(2031, 1, 1))
    assert len([e for e in events if e.kind == "due"]) == 14
    assert all(vn(2024, 1, 1) <= e.at < vn(2031, 1, 1) for e in events)
