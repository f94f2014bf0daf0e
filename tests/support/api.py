"""Driving the API as the demo users do: sign in, propose, find one's task, approve a step."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import httpx

PROVINCE_ROUTE = ["council.school", "council.commune", "appraiser.home", "council.province", "chair.province"]
PROBLEM = "application/problem+json"
# A council's meeting: all nine members present and in favour, with the minutes' reference; the demo
# roster has five members, so the nine of the council's founding decision are declared with a reason.
UNANIMOUS = {
    "members": 9,
    "members_reason": "Quyết định thành lập Hội đồng: 9 thành viên",
    "present": 9,
    "votes_for": 9,
    "votes_against": 0,
    "minutes": "Biên bản số 01/BB-HĐTĐKT",
}


async def login(api: httpx.AsyncClient, username: str) -> dict[str, str]:
    r = await api.post("/api/v1/auth/token", data={"username": username, "password": "demo"})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


async def school_unit(api: httpx.AsyncClient, headers: dict[str, str]) -> int:
    return int((await api.get("/api/v1/me", headers=headers)).json()["unit"]["id"])


def body(unit_id: int, award_form: str = "BANG_KHEN_TINH", name: str = "Nguyễn Văn An", **extra: Any) -> dict[str, Any]:
    return {
        "award_form": award_form,
        "proposing_unit_id": unit_id,
        "nominee": {"kind": "individual", "name": name, "position": "Giáo viên"},
        "period": {"kind": "annual", "year": 2026},
        "achievements": "Hoàn thành xuất sắc nhiệm vụ năm học 2025–2026",
        "criteria": [{"text": "Công dân học tập", "met": True, "evidence": "Quyết định công nhận số 12"}],
        **extra,
    }


async def create(api: httpx.AsyncClient, clerk: dict[str, str], payload: dict[str, Any]) -> dict[str, Any]:
    r = await api.post("/api/v1/nominations", json=payload, headers={**clerk, "Idempotency-Key": str(uuid.uuid4())})
    assert r.status_code == 201, r.text
    return dict(r.json())


async def task_for(api: httpx.AsyncClient, headers: dict[str, str], nomination_id: str) -> dict[str, Any]:
    for _ in range(200):
        items = (await api.get("/api/v1/tasks", headers=headers)).json()["items"]
        found = next((t for t in items if t["nomination_id"] == nomination_id), None)
        if found:
            return dict(found)
        await asyncio.sleep(0.05)
    raise AssertionError(f"no task for {nomination_id}")


async def approve_step(api: httpx.AsyncClient, headers: dict[str, str], task: dict[str, Any], comment: str = "") -> str:
    """Approve the task's step as its actor: a council records a unanimous meeting, others approve."""
    if task["decided_by_ballot"]:
        # The council's roster in the system, or (if none is recorded) the membership the minutes state.
        members = task["council_members"] or 5
        r = await api.post(
            f"/api/v1/nominations/{task['nomination_id']}/tally",
            headers=headers,
            json={"members": members, "present": members, "votes_for": members, "votes_against": 0,
                  "minutes": f"Biên bản họp Hội đồng về {task['nominee_name']}", "comment": comment},
        )  # fmt: skip
        assert r.status_code == 200, r.text
        return str(r.json()["status"])
    r = await api.post(f"/api/v1/tasks/{task['id']}/complete", headers=headers,
                       json={"outcome": "approve", "comment": comment})  # fmt: skip
    assert r.status_code == 200, r.text
    return str(r.json()["nomination"]["status"])
