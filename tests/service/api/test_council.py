"""Ballots, supplement requests, signing on behalf and disclosure comments over HTTP."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from argon2 import PasswordHasher
from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.testing import WorkflowEnvironment

from models.rules.calendar import VN_TZ
from models.tables import Delegation, Nomination, Notification, RoleAssignment, Task, User
from models.tables.plans import Plan, PlanNotification
from tests.support.api import approve_step, body, create, login, school_unit, task_for
from tests.support.factories import unit_id
from tests.support.helpers import running_api

# These tests change reference data (units, users, council members, plans): each gets its own database.
pytestmark = pytest.mark.own_database

PROBLEM = "application/problem+json"
_HASH = PasswordHasher().hash("demo")


@pytest.fixture
async def api(
    env: WorkflowEnvironment, engine: AsyncEngine, database_url: str, tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    async with running_api(env, engine, database_url, client="198.51.100.4", attachment_dir=str(tmp_path)) as client:
        yield client


async def make_user(engine: AsyncEngine, name: str, unit_code: str, role: str) -> str:
    """A user of this test only, so the test does not depend on the demo organisation's roster
    (reference data: `engine` is the owner's, as for the seed)."""
    username = f"t{uuid.uuid4().hex[:10]}"
    unit = await unit_id(engine, unit_code)
    async with engine.begin() as conn:
        user_id = (
            await conn.execute(
                insert(User)
                .values(username=username, full_name=name, password_hash=_HASH, unit_id=unit, is_active=True)
                .returning(User.id)
            )
        ).scalar_one()
        await conn.execute(insert(RoleAssignment).values(user_id=user_id, role=role, unit_id=unit))
    return username


async def council_members(engine: AsyncEngine, unit_code: str) -> list[str]:
    """Usernames of every member of a council (the demo data's and this test's; all use the demo password)."""
    unit = await unit_id(engine, unit_code)
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                select(User.username)
                .join(RoleAssignment, RoleAssignment.user_id == User.id)
                .where(RoleAssignment.role == "council_member", RoleAssignment.unit_id == unit)
            )
        ).all()
    return [r.username for r in rows]


async def test_electronic_ballot_is_secret_and_decides_the_council_step(
    api: httpx.AsyncClient, engine: AsyncEngine, owner_engine: AsyncEngine
) -> None:
    # Members of the school council taking part in this test (besides any in the demo data).
    for i in range(2):
        await make_user(owner_engine, f"Thành viên {i}", "GL-BH-THCS-HDTDKT", "council_member")
    voters = await council_members(engine, "GL-BH-THCS-HDTDKT")
    members = len(voters)
    clerk = await login(api, "clerk.school")
    nid = (await create(api, clerk, body(await school_unit(api, clerk), "GIAY_KHEN_XA", name="Hà Thị Phiếu")))["id"]
    secretary = await login(api, "council.school")
    task = await task_for(api, secretary, nid)
    assert task["decided_by_ballot"] and task["council_members"] == members

    # Approving without a ballot is refused; a member who is not the secretary cannot open one.
    r = await api.post(f"/api/v1/tasks/{task['id']}/complete", headers=secretary, json={"outcome": "approve"})
    assert r.status_code == 409 and r.json()["code"] == "ballot_required"
    voter = await login(api, voters[0])
    assert (await api.post(f"/api/v1/nominations/{nid}/ballot", headers=voter, json={})).status_code == 403

    assert (await api.post(f"/api/v1/nominations/{nid}/ballot", headers=secretary, json={})).status_code == 200
    assert (await task_for(api, secretary, nid))["ballot_open"] is True
    mine = (await api.get("/api/v1/ballots", headers=voter)).json()
    assert [b["nomination_id"] for b in mine] == [nid]
    for username in voters:
        r = await api.post(f"/api/v1/nominations/{nid}/ballot/votes", headers=await login(api, username),
                           json={"choice": "for", "ballot": 1})  # fmt: skip
        assert r.status_code == 200, r.text
    again = await api.post(
        f"/api/v1/nominations/{nid}/ballot/votes", headers=voter, json={"choice": "against", "ballot": 1}
    )
    assert again.status_code == 409 and again.json()["code"] == "already_voted"
    # The clerk and the secretary are not members: they cannot vote.
    assert (
        await api.post(
            f"/api/v1/nominations/{nid}/ballot/votes", headers=secretary, json={"choice": "for", "ballot": 1}
        )
    ).status_code == 403
    open_ballots = (await api.get(f"/api/v1/nominations/{nid}/ballots", headers=clerk)).json()
    assert open_ballots[0]["status"] == "open" and open_ballots[0]["votes_for"] is None

    r = await api.post(f"/api/v1/nominations/{nid}/ballot/close", headers=secretary)
    assert r.status_code == 200, r.text
    # The commune council's task is open now, and the answer says which it is.
    commune = await task_for(api, await login(api, "council.commune"), nid)
    assert r.json()["next_task_id"] == commune["id"]
    closed = (await api.get(f"/api/v1/nominations/{nid}/ballots", headers=clerk)).json()[0]
    assert closed["participants"] == members and closed["votes_for"] == members and closed["members"] == members
    assert closed["status"] == "passed" and closed["votes_against"] == 0
    assert (await api.get(f"/api/v1/nominations/{nid}", headers=clerk)).json()["current_step"] == "council:GL-BH-HDTDKT"
    # Nobody's choice is recorded anywhere the API shows: only the tally.
    history = (await api.get(f"/api/v1/nominations/{nid}/history", headers=await login(api, "admin"))).json()["items"]
    assert not any(h["actor"] and h["actor"].startswith("Thành viên") for h in history)


async def test_meeting_tally_below_threshold_rejects_and_the_clerk_sees_why(api: httpx.AsyncClient) -> None:
    clerk = await login(api, "clerk.school")
    nid = (await create(api, clerk, body(await school_unit(api, clerk), "GIAY_KHEN_XA", name="Đỗ Văn Thiếu")))["id"]
    secretary = await login(api, "council.school")
    await task_for(api, secretary, nid)
    r = await api.post(f"/api/v1/nominations/{nid}/tally", headers=secretary,
                       json={"members": 9, "present": 8, "votes_for": 3, "votes_against": 5,
                             "members_reason": "Quyết định kiện toàn Hội đồng số 12/QĐ-UBND: 9 thành viên",
                             "minutes": "Biên bản số 07/BB-HĐTĐKT"})  # fmt: skip
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "rejected"
    detail = (await api.get(f"/api/v1/nominations/{nid}", headers=clerk)).json()
    assert detail["status"] == "rejected"
    history = (await api.get(f"/api/v1/nominations/{nid}/history", headers=clerk)).json()["items"]
    assert any(h["action"] == "reject" and "Không đạt: 3/8" in (h["comment"] or "") for h in history)
    bad = await api.post(f"/api/v1/nominations/{nid}/tally", headers=secretary,
                         json={"members": 9, "present": 8, "votes_for": 9, "votes_against": 0, "minutes": "x"})  # fmt: skip
    assert bad.status_code == 409 and bad.headers["content-type"] == PROBLEM


async def test_supplement_request_and_answer_over_http(api: httpx.AsyncClient) -> None:
    clerk = await login(api, "clerk.school")
    nid = (await create(api, clerk, body(await school_unit(api, clerk), "BANG_KHEN_TINH", name="Vũ Thị Bổ")))["id"]
    for username in ["council.school", "council.commune"]:
        headers = await login(api, username)
        await approve_step(api, headers, await task_for(api, headers, nid))
    appraiser = await login(api, "appraiser.home")
    task = await task_for(api, appraiser, nid)
    assert task["step"] == "appraisal:GL-SNV"
    r = await api.post(f"/api/v1/tasks/{task['id']}/supplement", headers=appraiser,
                       json={"items": ["Báo cáo thành tích mẫu 03"], "comment": "Thiếu chữ ký"})  # fmt: skip
    assert r.status_code == 200 and r.json()["current_step"] == "supplement"
    asked = await task_for(api, clerk, nid)
    assert asked["step"] == "supplement" and asked["details"] == {"items": ["Báo cáo thành tích mẫu 03"]}
    # The clerk's task cannot be "approved": it is answered.
    assert (
        await api.post(f"/api/v1/tasks/{asked['id']}/complete", headers=clerk, json={"outcome": "approve"})
    ).status_code == 409
    r = await api.post(f"/api/v1/nominations/{nid}/supplement", headers=clerk,
                       json={"answers": {"Báo cáo thành tích mẫu 03": "Đã bổ sung"}})  # fmt: skip
    assert r.status_code == 200 and r.json()["current_step"] == "appraisal:GL-SNV"
    task = await task_for(api, appraiser, nid)
    r = await api.post(f"/api/v1/tasks/{task['id']}/supplement", headers=appraiser, json={"items": ["Thêm"]})
    assert r.status_code == 409 and r.json()["code"] == "supplement_limit"
    # Nothing changed: the appraiser still holds the step.
    assert (await task_for(api, appraiser, nid))["id"] == task["id"]


async def test_signing_on_behalf_until_the_delegation_ends(
    api: httpx.AsyncClient, engine: AsyncEngine, owner_engine: AsyncEngine
) -> None:
    deputy_name = "Trương Văn Phó"
    deputy = await make_user(owner_engine, deputy_name, "GL-BH", "deputy_chairperson")
    chair = await login(api, "chair.commune")
    commune = await unit_id(engine, "GL-BH")
    today = datetime.now(VN_TZ).date()

    # Only the chairperson's own role can be delegated, and only to a deputy of the same committee.
    r = await api.post("/api/v1/delegations", headers=chair, json={
        "kind": "sign_on_behalf", "to_username": "clerk.school", "role": "chairperson", "unit_id": commune,
        "starts_on": str(today), "ends_on": str(today)})  # fmt: skip
    assert r.status_code == 422 and r.json()["code"] == "not_deputy"
    r = await api.post("/api/v1/delegations", headers=chair, json={
        "kind": "sign_on_behalf", "to_username": deputy, "role": "chairperson", "unit_id": commune,
        "starts_on": str(today), "ends_on": str(today), "reason": "Chủ tịch đi công tác"})  # fmt: skip
    assert r.status_code == 201, r.text
    delegation_id = r.json()["id"]
    assert r.json()["active"] is True

    clerk = await login(api, "clerk.school")
    nid = (await create(api, clerk, body(await school_unit(api, clerk), "GIAY_KHEN_XA", name="Lâm Thị Ký")))["id"]
    for username in ["council.school", "council.commune"]:
        headers = await login(api, username)
        await approve_step(api, headers, await task_for(api, headers, nid))
    deputy_headers = await login(api, deputy)
    sign_task = await task_for(api, deputy_headers, nid)
    assert sign_task["step"] == "sign:GL-BH"

    # The delegation ends by itself after its end date: moved to yesterday, the deputy no longer sees or signs.
    async with engine.begin() as conn:
        await conn.execute(update(Delegation).where(Delegation.id == uuid.UUID(delegation_id))
                           .values(starts_on=today - timedelta(days=3), ends_on=today - timedelta(days=1)))  # fmt: skip
    items = (await api.get("/api/v1/tasks", headers=await login(api, deputy))).json()["items"]
    assert nid not in [t["nomination_id"] for t in items]
    r = await api.post(f"/api/v1/tasks/{sign_task['id']}/complete", headers=await login(api, deputy),
                       json={"outcome": "approve"})  # fmt: skip
    assert r.status_code in (403, 404) and r.headers["content-type"] == PROBLEM

    # On its last day it is still in force.
    async with engine.begin() as conn:
        await conn.execute(update(Delegation).where(Delegation.id == uuid.UUID(delegation_id)).values(ends_on=today))
    r = await api.post(f"/api/v1/tasks/{sign_task['id']}/complete", headers=await login(api, deputy),
                       json={"outcome": "approve"})  # fmt: skip
    assert r.status_code == 200, r.text
    assert r.json()["nomination"]["status"] == "awarded"
    async with engine.connect() as conn:
        signed_by = (
            await conn.execute(select(Nomination.signed_by).where(Nomination.id == uuid.UUID(nid)))
        ).scalar_one()
    assert signed_by == f"KT. CHỦ TỊCH – PHÓ CHỦ TỊCH {deputy_name}"
    history = (await api.get(f"/api/v1/nominations/{nid}/history", headers=clerk)).json()["items"]
    assert any(
        h["action"] == "approve" and h["actor"] == f"{deputy_name} (KT. CHỦ TỊCH – PHÓ CHỦ TỊCH)" for h in history
    )
    listed = (await api.get("/api/v1/delegations", headers=chair)).json()
    assert any(d["id"] == delegation_id for d in listed)
    async with owner_engine.begin() as conn:  # the service role never deletes a delegation
        await conn.execute(delete(Delegation).where(Delegation.id == uuid.UUID(delegation_id)))


async def test_disclosure_comments_only_while_disclosed(api: httpx.AsyncClient, engine: AsyncEngine) -> None:
    clerk = await login(api, "clerk.school")
    nid = (await create(api, clerk, body(await school_unit(api, clerk), "GIAY_KHEN_XA", name="Phùng Văn Công")))["id"]
    await task_for(api, await login(api, "council.school"), nid)
    outsider = await login(api, "appraiser.home")
    r = await api.post(f"/api/v1/nominations/{nid}/comments", headers=outsider, json={"text": "Ý kiến"})
    assert r.status_code == 404 and r.headers["content-type"] == PROBLEM
    # While its list is published (as the workflow's disclosure step projects it), anyone signed in may comment.
    until = datetime.now(UTC) + timedelta(days=3)
    async with engine.begin() as conn:
        await conn.execute(update(Nomination).where(Nomination.id == uuid.UUID(nid))
                           .values(current_step="disclosure", disclosure_until=until))  # fmt: skip
    assert nid in [d["id"] for d in (await api.get("/api/v1/disclosures", headers=outsider)).json()]
    nfd = "Đề nghị xem xét thêm thành tích".replace("ê", "e\u0302")
    r = await api.post(f"/api/v1/nominations/{nid}/comments", headers=outsider, json={"text": nfd})
    assert r.status_code == 201, r.text
    comments = (await api.get(f"/api/v1/nominations/{nid}/comments", headers=await login(api, "council.school"))).json()
    assert [c["text"] for c in comments] == ["Đề nghị xem xét thêm thành tích"]


async def test_overdue_filter_of_lists(api: httpx.AsyncClient, engine: AsyncEngine) -> None:
    clerk = await login(api, "clerk.school")
    nid = (await create(api, clerk, body(await school_unit(api, clerk), "GIAY_KHEN_XA", name="Tạ Văn Hạn")))["id"]
    secretary = await login(api, "council.school")
    task = await task_for(api, secretary, nid)

    async def listed(overdue: str) -> list[str]:
        page = await api.get("/api/v1/nominations", headers=clerk, params={"overdue": overdue, "q": "ta van han"})
        return [i["id"] for i in page.json()["items"]]

    assert await listed("false") == [nid] and await listed("true") == []
    # Its open task passes its limit (as the step's working days run out): now it is overdue. The
    # read model as the projection keeps it: the task's due date, and the same on the nomination.
    past = datetime.now(UTC) - timedelta(hours=1)
    async with engine.begin() as conn:
        await conn.execute(update(Task).where(Task.id == uuid.UUID(task["id"])).values(due_at=past))
        await conn.execute(update(Nomination).where(Nomination.id == uuid.UUID(nid)).values(open_due_at=past))
    assert await listed("true") == [nid] and await listed("false") == []
    inbox = (await api.get("/api/v1/tasks", headers=secretary, params={"overdue": "true"})).json()["items"]
    mine = [t for t in inbox if t["nomination_id"] == nid]
    assert [t["id"] for t in mine] == [task["id"]] and mine[0]["overdue"] is True


async def test_notification_feed_shows_what_is_addressed_to_my_roles(
    api: httpx.AsyncClient, engine: AsyncEngine, owner_engine: AsyncEngine
) -> None:
    clerk = await login(api, "clerk.school")
    nid = (await create(api, clerk, body(await school_unit(api, clerk), "GIAY_KHEN_XA", name="Kiều Văn Nhắc")))["id"]
    secretary = await login(api, "council.school")
    task = await task_for(api, secretary, nid)
    async with engine.begin() as conn:
        plan_id = (await conn.execute(select(Plan.id).limit(1))).scalar_one()
        now = datetime.now(UTC)
        await conn.execute(
            insert(Notification).values(
                task_id=uuid.UUID(task["id"]),
                nomination_id=uuid.UUID(nid),
                kind="reminder",
                role=task["role"],
                unit_id=task["unit_id"],
                message="Nhắc việc: hồ sơ Kiều Văn Nhắc",
                created_at=now - timedelta(hours=1),
            )
        )
        await conn.execute(insert(PlanNotification).values(
            plan_id=plan_id, event_key=f"test-{uuid.uuid4()}", kind="reminder", role=task["role"],
            unit_id=task["unit_id"], message="Nhắc báo cáo năm", created_at=now))  # fmt: skip
    feed = (await api.get("/api/v1/notifications", headers=secretary)).json()["items"]
    mine = [i for i in feed if i["message"] in ("Nhắc báo cáo năm", "Nhắc việc: hồ sơ Kiều Văn Nhắc")]
    assert [(i["source"], i["message"]) for i in mine] == [
        ("plan", "Nhắc báo cáo năm"), ("nomination", "Nhắc việc: hồ sơ Kiều Văn Nhắc"),
    ]  # fmt: skip
    assert mine[1]["nomination_id"] == nid and mine[0]["plan_id"] == plan_id
    stranger = await login(api, await make_user(owner_engine, "Người ngoài", "GL-SGDDT", "clerk"))
    others = (await api.get("/api/v1/notifications", headers=stranger)).json()["items"]
    assert not any(i["message"] == "Nhắc báo cáo năm" for i in others)
