"""The notification centre's API: unread count, marking read (only one's own), e-mail preferences."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

from models.tables import Unit
from models.tables.plans import PlanNotification
from tests.support.api import PROBLEM, login

pytestmark = pytest.mark.own_database


async def notify(engine: AsyncEngine, role: str, unit_code: str, message: str) -> None:
    async with engine.begin() as conn:
        unit = (await conn.execute(select(col(Unit.id)).where(col(Unit.code) == unit_code))).scalar_one()
        await conn.execute(
            insert(PlanNotification).values(
                plan_id="gl-65-2024", event_key=f"test:{uuid.uuid4().hex}", kind="reminder", role=role,
                unit_id=unit, message=message, created_at=datetime.now(UTC),
            )
        )  # fmt: skip


async def test_unread_count_mark_read_and_preferences(api: httpx.AsyncClient, engine: AsyncEngine) -> None:
    await notify(engine, "clerk", "GL-BH-THCS", "Nhắc báo cáo năm của trường")
    await notify(engine, "clerk", "GL-BH-THCS", "Nhắc lần hai")
    await notify(engine, "clerk", "GL-BH", "Nhắc báo cáo của xã")
    clerk = await login(api, "clerk.school")
    feed = (await api.get("/api/v1/notifications", headers=clerk)).json()
    assert feed["unread"] == 2 and all(not i["read"] and i["id"] for i in feed["items"])
    first = feed["items"][0]
    r = await api.post(
        "/api/v1/notifications/read", headers=clerk, json={"items": [{"source": "plan", "id": first["id"]}]}
    )
    assert r.status_code == 200 and r.json()["unread"] == 1
    assert next(i for i in r.json()["items"] if i["id"] == first["id"])["read"] is True
    # Someone else's notification cannot be marked by this clerk; the commune's clerk still has it unread.
    commune = await login(api, "clerk.commune")
    theirs = (await api.get("/api/v1/notifications", headers=commune)).json()
    assert theirs["unread"] == 1
    other_id = theirs["items"][0]["id"]
    await api.post("/api/v1/notifications/read", headers=clerk, json={"items": [{"source": "plan", "id": other_id}]})
    assert (await api.get("/api/v1/notifications", headers=commune)).json()["unread"] == 1
    r = await api.post("/api/v1/notifications/read", headers=clerk, json={"all": True})
    assert r.json()["unread"] == 0
    bad = await api.post("/api/v1/notifications/read", headers=clerk, json={})
    assert bad.status_code == 422 and bad.headers["content-type"] == PROBLEM

    assert (await api.get("/api/v1/notifications/preferences", headers=clerk)).json() == {
        "email": None,
        "email_mode": "off",
    }
    no_address = await api.put("/api/v1/notifications/preferences", headers=clerk, json={"email_mode": "digest"})
    assert no_address.status_code == 422 and no_address.json()["code"] == "email_required"
    wrong = await api.put(
        "/api/v1/notifications/preferences", headers=clerk, json={"email": "không phải thư", "email_mode": "digest"}
    )
    assert wrong.status_code == 422 and wrong.headers["content-type"] == PROBLEM
    body = {"email": "lan.nguyen@thcs-nguyendu.edu.vn", "email_mode": "digest"}
    assert (await api.put("/api/v1/notifications/preferences", headers=clerk, json=body)).status_code == 200
    assert (await api.get("/api/v1/notifications/preferences", headers=clerk)).json() == body
    again = {"email": "lan.nguyen@thcs-nguyendu.edu.vn", "email_mode": "immediate"}
    assert (await api.put("/api/v1/notifications/preferences", headers=clerk, json=again)).json() == again
