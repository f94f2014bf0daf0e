"""The notification centre's API: unread count, marking read (only one's own), e-mail preferences;
and a nomination driven through a return, a supplement request, new tasks, a ballot and a decision
telling each person concerned, in the centre and by e-mail, a substitute included."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

from activities.mail import MailActivities, SmtpConfig
from models.rules.calendar import VN_TZ
from models.tables import Notification, Unit
from models.tables.plans import PlanNotification
from tests.support.api import PROBLEM, approve_step, body, create, login, school_unit, task_for
from tests.support.helpers import assert_eq_eventually
from tests.support.mailbox import smtp_server, subject, text

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


async def unit_of(engine: AsyncEngine, code: str) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(select(col(Unit.id)).where(col(Unit.code) == code))).scalar_one())


async def feed(api: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, Any]:
    r = await api.get("/api/v1/notifications", headers=headers)
    assert r.status_code == 200, r.text
    return dict(r.json())


async def kinds_eventually(
    api: httpx.AsyncClient, headers: dict[str, str], expected: list[tuple[str, str]]
) -> list[dict[str, Any]]:
    """Wait until the caller's centre lists exactly these (kind, nomination) pairs; answer its items."""

    async def listed() -> list[tuple[str, str]]:
        return sorted((i["kind"], i["nomination_id"]) for i in (await feed(api, headers))["items"])

    await assert_eq_eventually(sorted(expected), listed)
    return list((await feed(api, headers))["items"])


async def test_each_person_concerned_is_told_in_the_centre_and_by_email(
    api: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    clerk = await login(api, "clerk.school")
    secretary = await login(api, "council.school")
    substitute = await login(api, "member1.school")
    school_council = await unit_of(engine, "GL-BH-THCS-HDTDKT")
    # The school council's secretary is away: a member of the council stands in for the week.
    today = datetime.now(VN_TZ).date()
    r = await api.post(
        "/api/v1/delegations", headers=secretary,
        json={"kind": "substitute", "to_username": "member1.school", "role": "council_secretary",
              "unit_id": school_council, "starts_on": today.isoformat(),
              "ends_on": (today + timedelta(days=7)).isoformat(), "reason": "Nghỉ phép"},
    )  # fmt: skip
    assert r.status_code == 201, r.text
    for headers, address in [
        (clerk, "lan.nguyen@thcs-nguyendu.edu.vn"),
        (substitute, "hieu.duong@thcs-nguyendu.edu.vn"),
    ]:
        pref = {"email": address, "email_mode": "immediate"}
        assert (await api.put("/api/v1/notifications/preferences", headers=headers, json=pref)).status_code == 200

    unit = await school_unit(api, clerk)
    a = (await create(api, clerk, body(unit, "GIAY_KHEN_XA", name="Trần Thị Hồng")))["id"]
    b = (await create(api, clerk, body(unit, "BANG_KHEN_TINH", name="Lê Văn Bổ")))["id"]

    # A: returned by the substitute with a reason, resubmitted, then decided by both councils.
    task = await task_for(api, substitute, a)
    r = await api.post(f"/api/v1/tasks/{task['id']}/complete", headers=substitute,
                       json={"outcome": "return", "comment": "Thiếu minh chứng thành tích năm 2025"})  # fmt: skip
    assert r.status_code == 200, r.text
    await task_for(api, clerk, a)
    r = await api.post(f"/api/v1/nominations/{a}/resubmit", headers=clerk, json={"comment": "Đã bổ sung minh chứng"})
    assert r.status_code == 200, r.text
    assert await approve_step(api, substitute, await task_for(api, substitute, a)) == "in_progress"
    commune_secretary = await login(api, "council.commune")
    await task_for(api, commune_secretary, a)
    r = await api.post(f"/api/v1/nominations/{a}/ballot", headers=commune_secretary, json={})
    assert r.status_code == 200, r.text
    members = [await login(api, f"member{i}.commune") for i in range(1, 6)]
    ballot_opened = await kinds_eventually(api, members[0], [("ballot_opened", a)])
    assert "mở bỏ phiếu điện tử về hồ sơ «Trần Thị Hồng»" in ballot_opened[0]["message"]
    for member in members:
        r = await api.post(f"/api/v1/nominations/{a}/ballot/votes", headers=member, json={"choice": "for", "ballot": 1})
        assert r.status_code == 200, r.text
    assert (await api.post(f"/api/v1/nominations/{a}/ballot/close", headers=commune_secretary)).status_code == 200
    chair = await login(api, "chair.commune")
    await task_for(api, chair, a)
    r = await api.post("/api/v1/decisions", headers={**chair, "Idempotency-Key": "quyet-dinh-thong-bao-01"},
                       json={"nomination_ids": [a]})  # fmt: skip
    assert r.status_code == 201, r.text
    decision = r.json()

    # B: through both councils to the appraiser, who asks for a supplement.
    for headers in (substitute, commune_secretary):
        assert await approve_step(api, headers, await task_for(api, headers, b)) == "in_progress"
    appraiser = await login(api, "appraiser.home")
    task = await task_for(api, appraiser, b)
    r = await api.post(f"/api/v1/tasks/{task['id']}/supplement", headers=appraiser,
                       json={"items": ["Bản sao quyết định công nhận sáng kiến", "Xác nhận của Công đoàn"],
                             "comment": "Bổ sung trước khi trình Hội đồng tỉnh"})  # fmt: skip
    assert r.status_code == 200, r.text

    # The proposing unit's clerk: the return with its reason, the supplement with its items, the decision.
    told = await kinds_eventually(api, clerk, [("returned", a), ("supplement_requested", b), ("decision_signed", a)])
    by_kind = {i["kind"]: i for i in told}
    assert "Lý do: Thiếu minh chứng thành tích năm 2025." in by_kind["returned"]["message"]
    assert (
        "Bản sao quyết định công nhận sáng kiến; Xác nhận của Công đoàn." in by_kind["supplement_requested"]["message"]
    )
    assert by_kind["supplement_requested"]["message"].startswith("Sở Nội vụ")
    signed = by_kind["decision_signed"]
    assert f"Quyết định số {decision['number_symbol']}" in signed["message"] and "«Trần Thị Hồng»" in signed["message"]
    assert signed["decision_id"] == decision["id"] and signed["source"] == "nomination"
    assert (await feed(api, clerk))["unread"] == 3
    # The substitute is told of every task of the school council (A twice: before and after its return).
    await kinds_eventually(api, substitute, [("new_task", a), ("new_task", a), ("new_task", b)])
    assert (await feed(api, substitute))["unread"] == 3
    # The secretary handed the role over: nothing of it reaches them while the substitute acts.
    assert (await feed(api, secretary)) == {"items": [], "unread": 0}
    await kinds_eventually(api, commune_secretary, [("new_task", a), ("new_task", b)])
    await kinds_eventually(api, chair, [("new_task", a)])
    await kinds_eventually(api, appraiser, [("new_task", b)])
    await kinds_eventually(api, members[0], [("ballot_opened", a)])

    # Marking read: one, then all; the others' counts do not move.
    r = await api.post("/api/v1/notifications/read", headers=clerk,
                       json={"items": [{"source": "nomination", "id": by_kind["returned"]["id"]}]})  # fmt: skip
    assert r.status_code == 200 and r.json()["unread"] == 2
    assert next(i for i in r.json()["items"] if i["kind"] == "returned")["read"] is True
    assert (await api.post("/api/v1/notifications/read", headers=clerk, json={"all": True})).json()["unread"] == 0
    assert (await feed(api, substitute))["unread"] == 3

    # The history keeps to what happened (no copy of these notifications); the council's result is the council's.
    history = (await api.get(f"/api/v1/nominations/{a}/history", headers=clerk)).json()["items"]
    assert not any(h["source"] == "notification" for h in history)
    commune_result = next(h for h in history if h["action"] == "approve" and h["step"] == "council:GL-BH-HDTDKT")
    assert commune_result["actor"] == "Hội đồng Thi đua – Khen thưởng xã Biển Hồ (thư ký Lê Thị Hoa ghi nhận)"

    # By e-mail, at once as each chose: the substitute's new tasks, the clerk's three notices.
    with smtp_server() as (inbox, port):
        config = SmtpConfig(host="127.0.0.1", port=port, tls="none", web_base_url="https://thidua.gialai.gov.vn")
        assert (await MailActivities(engine, config).deliver(datetime.now(UTC)))["sent"] == 6
    new_tasks = inbox.to("hieu.duong@thcs-nguyendu.edu.vn")
    assert sorted(subject(m) for m in new_tasks) == [
        "[Thi đua – Khen thưởng] Việc mới: hồ sơ «Lê Văn Bổ»",
        "[Thi đua – Khen thưởng] Việc mới: hồ sơ «Trần Thị Hồng»",
        "[Thi đua – Khen thưởng] Việc mới: hồ sơ «Trần Thị Hồng»",
    ]
    assert "Kính gửi Dương Thanh Hiếu," in text(new_tasks[0])
    assert "Đề nghị ông/bà xem xét, xử lý hồ sơ trong thời hạn." in text(new_tasks[0])
    clerk_mail = {subject(m): text(m) for m in inbox.to("lan.nguyen@thcs-nguyendu.edu.vn")}
    assert sorted(clerk_mail) == [
        "[Thi đua – Khen thưởng] Hồ sơ bị trả lại: hồ sơ «Trần Thị Hồng»",
        "[Thi đua – Khen thưởng] Quyết định khen thưởng đã ký: hồ sơ «Trần Thị Hồng»",
        "[Thi đua – Khen thưởng] Yêu cầu bổ sung hồ sơ: hồ sơ «Lê Văn Bổ»",
    ]
    signed_mail = clerk_mail["[Thi đua – Khen thưởng] Quyết định khen thưởng đã ký: hồ sơ «Trần Thị Hồng»"]
    assert f"Quyết định số {decision['number_symbol']} ngày " in signed_mail
    assert f"Xem chi tiết: https://thidua.gialai.gov.vn/#/nominations/{a}" in signed_mail
    assert f"Văn bản quyết định: https://thidua.gialai.gov.vn/#/decisions/{decision['id']}" in signed_mail


async def test_a_task_card_carries_its_reminders_and_escalations(api: httpx.AsyncClient, engine: AsyncEngine) -> None:
    """The inbox's card lists its task's reminder and escalation, oldest first (read with the page),
    and not the notice that the task was opened (written by the service), which the card itself is."""
    clerk = await login(api, "clerk.school")
    nid = (await create(api, clerk, body(await school_unit(api, clerk), "GIAY_KHEN_XA", name="Lò Văn Nhắc")))["id"]
    council = await login(api, "council.school")
    task = await task_for(api, council, nid)
    assert task["notifications"] == []
    at = datetime(2026, 3, 2, 8, 0, tzinfo=VN_TZ)
    async with engine.begin() as conn:
        await conn.execute(
            insert(Notification),
            [
                {"task_id": uuid.UUID(task["id"]), "nomination_id": uuid.UUID(nid), "kind": kind, "role": task["role"],
                 "unit_id": task["unit_id"], "message": message, "created_at": at + timedelta(hours=hours)}
                for kind, message, hours in (
                    ("escalation", "Nhiệm vụ đã quá hạn.", 30), ("reminder", "Sắp đến hạn.", 2),
                )
            ],
        )  # fmt: skip

    async def kinds() -> list[str]:
        async with engine.connect() as conn:
            found = await conn.execute(
                select(col(Notification.kind)).where(col(Notification.task_id) == uuid.UUID(task["id"]))
            )
            return sorted(found.scalars())

    await assert_eq_eventually(["escalation", "new_task", "reminder"], kinds)
    for card in (
        await task_for(api, council, nid),
        (await api.get(f"/api/v1/tasks/{task['id']}", headers=council)).json(),
    ):
        assert [(n["kind"], n["message"]) for n in card["notifications"]] == [
            ("reminder", "Sắp đến hạn."), ("escalation", "Nhiệm vụ đã quá hạn."),
        ]  # fmt: skip
        assert datetime.fromisoformat(card["notifications"][0]["created_at"]) == at + timedelta(hours=2)
