"""The dashboard and the administrators' "stuck and late" view, with a real worker."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col
from temporalio.testing import WorkflowEnvironment

from models.tables import Nomination, Task
from service.queries.dashboard import median, percentile
from tests.support.api import PROBLEM, approve_step, body, create, login, school_unit, task_for

# These tests change rows of the read model behind the workflow's back (a stuck dossier): own database.
pytestmark = pytest.mark.own_database


def test_median_and_nearest_rank_percentile() -> None:
    assert median([]) is None and percentile([], 0.9) is None
    assert median([3, 1, 2]) == 2 and median([1, 2, 3, 10]) == 2.5
    days = list(range(1, 11))  # 1..10
    assert percentile(days, 0.9) == 9 and percentile(days, 0.5) == 5 and percentile([7], 0.9) == 7


async def test_dashboard_and_stuck_view(api: httpx.AsyncClient, engine: AsyncEngine, env: WorkflowEnvironment) -> None:
    clerk = await login(api, "clerk.school")
    unit = await school_unit(api, clerk)
    decided = await create(api, clerk, body(unit, "GIAY_KHEN_XA", name="Đỗ Văn Đã Xét"))
    late = await create(api, clerk, body(unit, "GIAY_KHEN_XA", name="Hà Thị Trễ Hạn"))
    unstarted = await create(api, clerk, body(unit, "GIAY_KHEN_XA", name="Vũ Văn Chưa Chạy"))
    secretary = await login(api, "council.school")
    await approve_step(api, secretary, await task_for(api, secretary, decided["id"]))
    late_task = await task_for(api, secretary, late["id"])
    await task_for(api, secretary, unstarted["id"])
    past = datetime.now(UTC) - timedelta(days=3)
    async with engine.begin() as conn:
        # The school council let one step run past its due date and was escalated; one dossier's
        # workflow never recorded it (version 0), another's was terminated while its row is open.
        await conn.execute(
            update(Task)
            .where(col(Task.id) == uuid.UUID(late_task["id"]))
            .values(due_at=past, escalated_at=past + timedelta(hours=1))
        )
        await conn.execute(update(Nomination).where(col(Nomination.id) == uuid.UUID(unstarted["id"])).values(version=0))
    await env.client.get_workflow_handle(decided["workflow_id"]).terminate("thử: quy trình bị dừng")

    admin = await login(api, "admin")
    r = await api.get("/api/v1/dashboard", headers=admin)
    assert r.status_code == 200, r.text
    board = r.json()
    statuses = {i["key"]: i for i in board["by_status"]}
    assert statuses["in_progress"]["count"] >= 3 and statuses["in_progress"]["label"] == "Đang xét duyệt"
    forms = {i["key"]: i["label"] for i in board["by_award_form"]}
    assert forms["GIAY_KHEN_XA"].startswith("Giấy khen")
    assert any(i["label"] == "Trường THCS Nguyễn Du" and i["count"] >= 3 for i in board["by_unit"])
    assert any(i["key"] == "2026" for i in board["by_year"])
    school_step = late_task["step_name"]
    durations = {d["step"]: d for d in board["durations"]}
    assert durations[school_step]["tasks"] >= 1 and durations[school_step]["median"] == 0
    assert {i["label"]: i["count"] for i in board["overdue_by_step"]}[school_step] >= 1
    # Trạm Tấu's plan: one exemplary collective per body and one individual per commune, per review.
    reviews = [q for q in board["quotas"] if q["plan_id"] == "yb-tt-246-2024"]
    assert {q["year"] for q in reviews} == {2025, 2030}
    assert all(q["units"] == len(q["rows"]) > 0 and 0 <= q["met"] <= q["units"] for q in reviews)
    assert all({"required", "count", "awarded", "met", "unit_name"} <= set(q["rows"][0]) for q in reviews)

    # The clerk's dashboard covers the school's dossiers only.
    own = (await api.get("/api/v1/dashboard", headers=clerk)).json()
    assert {i["label"] for i in own["by_unit"]} == {"Trường THCS Nguyễn Du"}

    r = await api.get("/api/v1/dashboard/stuck", headers=admin)
    assert r.status_code == 200, r.text
    stuck = r.json()
    group = next(g for g in stuck["overdue"] if g["step_name"] == school_step)
    assert group["count"] >= 1 and group["unit_name"] and group["oldest_due_at"]
    assert any(e["nominee_name"] == "Hà Thị Trễ Hạn" and e["escalated_at"] for e in stuck["escalations"])
    not_running = {n["nominee_name"]: n["workflow_status"] for n in stuck["not_running"]}
    assert not_running.get("Vũ Văn Chưa Chạy") == "not_started"
    assert not_running.get("Đỗ Văn Đã Xét") == "terminated"
    assert "Hà Thị Trễ Hạn" not in not_running  # its workflow runs: late, not stuck
    assert stuck["checked"] >= 3

    r = await api.get("/api/v1/dashboard/stuck", headers=clerk)
    assert r.status_code == 403 and r.headers["content-type"] == PROBLEM
