"""The calendar API, the reports view and the simulator agree: no yearly deadline of a plan falls
before the plan was issued (the Trạm Tấu plan of 15/10/2024 once showed 01/12/2023, Sóc Trăng's
25/11/2023, Đồng Tháp's and Cần Thơ's 30/11/2023)."""

from __future__ import annotations

from datetime import datetime

import httpx

from models.rules.plan_schedule import first_office_day
from service.dev.plan_simulator import simulate
from tests.support.paths import DEPLOY
from tests.support.plans import PLANS, vn
from tests.support.security import login

FIRST_DUE = {
    "yb-tt-246-2024": "2024-12-01T00:00:00+07:00",
    "st-snv-2024": "2024-11-25T00:00:00+07:00",
    "dt-ttt-2024": "2024-11-30T00:00:00+07:00",
    "ct-1315-2024": "2024-11-30T00:00:00+07:00",
    "gl-65-2024": "2024-12-05T00:00:00+07:00",
}


async def test_the_calendar_and_the_reports_ask_nothing_before_the_plan_was_issued(api: httpx.AsyncClient) -> None:
    admin = await login(api, "admin")
    for plan_id, first_due in FIRST_DUE.items():
        r = await api.get(f"/api/v1/plans/{plan_id}/calendar?from=2023-01-01&to=2025-01-01", headers=admin)
        assert r.status_code == 200, r.text
        items = r.json()["items"]
        start = first_office_day(PLANS[plan_id])
        assert start is not None
        assert all(datetime.fromisoformat(i["at"]) >= start for i in items), (plan_id, items[:3])
        dues = sorted({i["at"] for i in items if i["kind"] == "due"})
        assert dues == [first_due], (plan_id, dues)
        # The reports view of 2023 names no deadline; 2024's names the first one.
        reports = (await api.get(f"/api/v1/plans/{plan_id}/reports?year=2023", headers=admin)).json()
        assert reports["streams"] == [], (plan_id, reports["streams"])
        reports = (await api.get(f"/api/v1/plans/{plan_id}/reports?year=2024", headers=admin)).json()
        streams = reports["streams"]
        assert len(streams) == len(PLANS[plan_id].reports)
        assert all(datetime.fromisoformat(s["due_at"]) == datetime.fromisoformat(first_due) for s in streams)


async def test_the_simulator_runs_nothing_before_the_plan_was_issued(database_url: str) -> None:
    lines: list[str] = []
    entries = await simulate(
        "yb-tt-246-2024", vn(2023, 1, 1), vn(2025, 1, 1), deploy_dir=DEPLOY, source_url=database_url, emit=lines.append
    )
    assert entries and min(e.scheduled_at for e in entries) >= vn(2024, 10, 15)
    dues = sorted({e.scheduled_at for e in entries if e.kind == "due"})
    assert dues == [vn(2024, 12, 1)]
    assert not [line for line in lines if line.startswith("2023-")]
    assert any(line.startswith("2024-12-01 00:00 +0700  due") for line in lines)
