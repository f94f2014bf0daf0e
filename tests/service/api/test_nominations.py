"""The HTTP API with a real worker, the Temporal test server and PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from models.rules.access import ACCESS_KEY_CODES, PROPOSER_ROLES, access_key
from models.tables import AuditEntry, Nomination
from tests.support.api import approve_step, body, create, login, school_unit, task_for

PROVINCE_ROUTE = ["council.school", "council.commune", "appraiser.home", "council.province", "chair.province"]
PROBLEM = "application/problem+json"


async def audit_count(engine: AsyncEngine, nomination_id: str) -> int:
    async with engine.connect() as conn:
        return int(
            (
                await conn.execute(select(func.count()).where(AuditEntry.nomination_id == uuid.UUID(nomination_id)))
            ).scalar_one()
        )


async def open_due_at(engine: AsyncEngine, nomination_id: str) -> datetime | None:
    async with engine.connect() as conn:
        found = await conn.execute(
            select(Nomination.open_due_at).where(Nomination.id == uuid.UUID(nomination_id))  # type: ignore[arg-type]
        )
        return found.scalar_one()  # type: ignore[no-any-return]


async def listed(api: httpx.AsyncClient, headers: dict[str, str], **params: str) -> list[str]:
    r = await api.get("/api/v1/nominations", headers=headers, params={**params, "limit": "200"})
    assert r.status_code == 200, r.text
    return [n["id"] for n in r.json()["items"]]


async def test_me_units_and_route(api: httpx.AsyncClient) -> None:
    clerk = await login(api, "clerk.school")
    me = (await api.get("/api/v1/me", headers=clerk)).json()
    assert me["roles"] == [{"role": "clerk", "unit_id": me["unit"]["id"]}]
    assert me["unit"]["name"] == "Trường THCS Nguyễn Du"
    units = (await api.get("/api/v1/units", headers=clerk)).json()
    assert {u["code"] for u in units} >= {"GL", "GL-SNV", "GL-BH", "GL-BH-THCS"}
    forms = (await api.get("/api/v1/award-forms", headers=clerk)).json()
    assert {f["code"] for f in forms} == {
        "GIAY_KHEN_XA", "GIAY_KHEN_HUYEN", "GIAY_KHEN_THU_TRUONG", "BANG_KHEN_TINH", "BANG_KHEN_BO",
        "BANG_KHEN_THU_TUONG", "HUAN_CHUONG_LAO_DONG_HANG_NHAT", "HUAN_CHUONG_LAO_DONG_HANG_NHI",
        "HUAN_CHUONG_LAO_DONG_HANG_BA",
    }  # fmt: skip
    route = (
        await api.get(f"/api/v1/award-forms/BANG_KHEN_TINH/route?unit_id={me['unit']['id']}", headers=clerk)
    ).json()
    assert [s["kind"] for s in route] == ["council", "council", "appraisal", "council", "sign"]
    assert route[2]["unit_name"] == "Sở Nội vụ tỉnh Gia Lai" and route[2]["working_days"] == 25
    r = await api.get("/api/v1/award-forms/NOPE/route?unit_id=1", headers=clerk)
    assert r.status_code == 404 and r.headers["content-type"] == PROBLEM


@pytest.mark.parametrize(
    ("award_form", "users"),
    [("BANG_KHEN_TINH", PROVINCE_ROUTE), ("GIAY_KHEN_XA", ["council.school", "council.commune", "chair.commune"])],
)
async def test_each_user_acts_on_their_own_task_until_awarded(
    api: httpx.AsyncClient, engine: AsyncEngine, award_form: str, users: list[str]
) -> None:
    clerk = await login(api, "clerk.school")
    created = await create(api, clerk, body(await school_unit(api, clerk), award_form))
    assert created["status"] == "in_progress" and created["workflow_id"].startswith("nomination-")
    assert created["current_step"] == "council:GL-BH-THCS-HDTDKT"
    nid = created["id"]
    for i, username in enumerate(users):
        headers = await login(api, username)
        task = await task_for(api, headers, nid)
        assert task["due_at"] and task["overdue"] is False
        # The list's "overdue" filter reads the open task's due date, kept on the nomination's row.
        assert await open_due_at(engine, nid) == datetime.fromisoformat(task["due_at"])
        if i == 0:
            assert nid in await listed(api, clerk, overdue="false")
            assert nid not in await listed(api, clerk, overdue="true")
        status = await approve_step(api, headers, task, comment=f"Đồng ý bước {i + 1}")
        # Already decided: the same task cannot be completed twice.
        again = await api.post(f"/api/v1/tasks/{task['id']}/complete", headers=headers, json={"outcome": "reject"})
        assert again.status_code == 409 and again.headers["content-type"] == PROBLEM
    assert status == "awarded"
    assert await open_due_at(engine, nid) is None, "no task is open once it is awarded"
    nomination = (await api.get(f"/api/v1/nominations/{nid}", headers=clerk)).json()
    assert nomination["status"] == "awarded" and nomination["decided_at"]
    history = (await api.get(f"/api/v1/nominations/{nid}/history", headers=clerk)).json()["items"]
    audit = [(h["action"], h["actor"]) for h in history if h["source"] == "audit"]
    assert audit[0] == ("submit", "Nguyễn Thị Lan")
    assert [a for a, _ in audit] == ["submit", *["approve"] * len(users), "award"]
    assert any(h["action"] == "workflow_started" for h in history)
    assert any(h["action"] == "workflow_completed" for h in history)


async def test_acting_on_someone_elses_task_is_forbidden_and_changes_nothing(
    api: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    clerk = await login(api, "clerk.school")
    nid = (await create(api, clerk, body(await school_unit(api, clerk))))["id"]
    task = await task_for(api, await login(api, "council.school"), nid)
    before = await audit_count(engine, nid)
    for intruder in ["chair.province", "clerk.school", "appraiser.home", "council.commune"]:
        r = await api.post(
            f"/api/v1/tasks/{task['id']}/complete", headers=await login(api, intruder), json={"outcome": "approve"}
        )
        assert r.status_code == 403, (intruder, r.text)
        assert r.headers["content-type"] == PROBLEM and r.json()["code"] == "not_your_task"
    assert await audit_count(engine, nid) == before
    still = (await api.get(f"/api/v1/nominations/{nid}", headers=clerk)).json()
    assert still["current_step"] == "council:GL-BH-THCS-HDTDKT" and still["status"] == "in_progress"
    mine = await task_for(api, await login(api, "council.school"), nid)
    assert mine["id"] == task["id"] and mine["status"] == "open"


async def test_idempotent_create(api: httpx.AsyncClient, engine: AsyncEngine) -> None:
    clerk = await login(api, "clerk.school")
    payload = body(await school_unit(api, clerk), name="Trần Thị Idem")
    key = {"Idempotency-Key": f"key-{uuid.uuid4()}"}
    first = await api.post("/api/v1/nominations", json=payload, headers={**clerk, **key})
    second = await api.post("/api/v1/nominations", json=payload, headers={**clerk, **key})
    assert first.status_code == second.status_code == 201
    assert first.json()["id"] == second.json()["id"]
    other = await api.post("/api/v1/nominations", json={**payload, "achievements": "Khác"}, headers={**clerk, **key})
    assert other.status_code == 409 and other.headers["content-type"] == PROBLEM
    assert other.json()["code"] == "idempotency_key_reused"
    async with engine.connect() as conn:
        count = (
            await conn.execute(select(func.count()).where(Nomination.nominee_name == "Trần Thị Idem"))
        ).scalar_one()
    assert count == 1
    missing = await api.post("/api/v1/nominations", json=payload, headers=clerk)
    assert missing.status_code == 422 and missing.headers["content-type"] == PROBLEM


@pytest.mark.parametrize(
    "mutate",
    [
        lambda b: {k: v for k, v in b.items() if k != "nominee"},
        lambda b: {**b, "nominee": {"kind": "robot", "name": "X"}},
        lambda b: {**b, "nominee": {"kind": "individual", "name": ""}},
        lambda b: {**b, "period": {"kind": "annual", "year": 1800}},
        lambda b: {**b, "period": {"kind": "forever", "year": 2026}},
        lambda b: {**b, "achievements": "x" * 20_001},
        lambda b: {**b, "criteria": "not a list"},
        lambda b: {**b, "proposing_unit_id": "abc"},
        lambda b: {**b, "unexpected": 1},
        lambda b: {**b, "award_form": "HUY_CHUONG_MAT_TRANG"},
        lambda b: {
            **b,
            "period": {"kind": "final_review", "year": 2030},
            "award_form": "GIAY_KHEN_XA",
            "nominee": {"kind": "robot", "name": "Y"},
        },
    ],
)
async def test_bad_bodies_get_422_problem_json_and_create_nothing(
    api: httpx.AsyncClient, engine: AsyncEngine, mutate: Any
) -> None:
    clerk = await login(api, "clerk.school")
    async with engine.connect() as conn:
        before = (await conn.execute(select(func.count()).select_from(Nomination))).scalar_one()
    r = await api.post(
        "/api/v1/nominations",
        json=mutate(body(await school_unit(api, clerk))),
        headers={**clerk, "Idempotency-Key": str(uuid.uuid4())},
    )
    assert r.status_code == 422, r.text
    assert r.headers["content-type"] == PROBLEM
    problem = r.json()
    assert problem["status"] == 422 and problem["title"] and problem["detail"]
    assert "Traceback" not in r.text
    async with engine.connect() as conn:
        assert (await conn.execute(select(func.count()).select_from(Nomination))).scalar_one() == before


async def test_malformed_json_and_bad_outcome(api: httpx.AsyncClient) -> None:
    clerk = await login(api, "clerk.school")
    r = await api.post(
        "/api/v1/nominations",
        content=b"{not json",
        headers={**clerk, "Idempotency-Key": str(uuid.uuid4()), "content-type": "application/json"},
    )
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM
    r = await api.post(f"/api/v1/tasks/{uuid.uuid4()}/complete", headers=clerk, json={"outcome": "maybe"})
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM
    r = await api.get("/api/v1/nominations/not-a-uuid", headers=clerk)
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM


async def test_unauthenticated_and_wrong_password(api: httpx.AsyncClient) -> None:
    r = await api.get("/api/v1/tasks")
    assert r.status_code == 401 and r.headers["content-type"] == PROBLEM
    r = await api.post("/api/v1/auth/token", data={"username": "clerk.school", "password": "wrong"})
    assert r.status_code == 401 and "không đúng" in r.json()["detail"]
    r = await api.get("/api/v1/me", headers={"Authorization": "Bearer not.a.token"})
    assert r.status_code == 401


async def returned(api: httpx.AsyncClient, name: str, reason: str) -> tuple[dict[str, str], dict[str, str], str]:
    """A dossier the school's council returned to its clerk: (clerk, council secretary, nomination id)."""
    clerk = await login(api, "clerk.school")
    nid = (await create(api, clerk, body(await school_unit(api, clerk), "GIAY_KHEN_XA", name=name)))["id"]
    school = await login(api, "council.school")
    task = await task_for(api, school, nid)
    r = await api.post(
        f"/api/v1/tasks/{task['id']}/complete", headers=school, json={"outcome": "return", "comment": reason}
    )
    assert r.json()["nomination"]["status"] == "returned"
    return clerk, school, nid


async def test_return_resubmit_and_withdraw_over_http(api: httpx.AsyncClient) -> None:
    clerk, school, nid = await returned(api, "Lê Văn Trả", "Bổ sung minh chứng")
    revision = await task_for(api, clerk, nid)
    assert revision["step"] == "revision"
    # Only the proposing clerk may resubmit.
    r = await api.post(f"/api/v1/nominations/{nid}/resubmit", headers=school, json={"comment": "x"})
    assert r.status_code == 403
    r = await api.post(
        f"/api/v1/nominations/{nid}/resubmit",
        headers=clerk,
        json={"achievements": "Đã bổ sung minh chứng", "comment": "Đã bổ sung"},
    )
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "in_progress" and r.json()["current_step"] == "council:GL-BH-THCS-HDTDKT"
    again = await api.post(f"/api/v1/nominations/{nid}/resubmit", headers=clerk, json={"comment": "x"})
    assert again.status_code == 409 and again.json()["code"] == "not_returned"
    # Withdrawing is the proposing clerk's alone; then the dossier is closed.
    assert (await api.post(f"/api/v1/nominations/{nid}/withdraw", headers=school, json={})).status_code == 403
    r = await api.post(f"/api/v1/nominations/{nid}/withdraw", headers=clerk, json={"reason": "Rút"})
    assert r.status_code == 200 and r.json()["status"] == "withdrawn"
    r = await api.post(f"/api/v1/nominations/{nid}/withdraw", headers=clerk, json={})
    assert r.status_code == 409 and r.headers["content-type"] == PROBLEM
    detail = (await api.get(f"/api/v1/nominations/{nid}", headers=clerk)).json()
    assert detail["status"] == "withdrawn" and detail["achievements"] == "Đã bổ sung minh chứng"


async def test_a_renamed_dossier_is_found_in_the_inbox_by_its_new_name(api: httpx.AsyncClient) -> None:
    """The inbox filters and sorts the copy of the dossier's keys each task carries (migration 0017's
    triggers): a resubmission that renames the nominee reaches the task it opens in the same
    transition, and the task that asked for it."""
    clerk, school, nid = await returned(api, "Lê Văn Tên Cũ", "Sửa tên")
    await task_for(api, clerk, nid)
    r = await api.post(
        f"/api/v1/nominations/{nid}/resubmit",
        headers=clerk,
        json={
            "nominee": {"kind": "individual", "name": "Lê Văn Tên Mới", "position": "Giáo viên"},
            "comment": "Đã sửa",
        },
    )
    assert r.status_code == 200, r.text

    async def found(q: str, status: str = "open") -> list[str]:
        params = {"q": q, "status": status, "sort": "nominee_name"}
        return [
            t["nomination_id"] for t in (await api.get("/api/v1/tasks", headers=school, params=params)).json()["items"]
        ]

    assert nid in await found("le van ten moi") and nid not in await found("ten cu")
    # The returned task, already done, was renamed too (its dossier is renamed).
    assert nid in await found("ten moi", status="done") and nid not in await found("ten cu", status="done")
    # Someone the dossier does not reach finds nothing by either name.
    outsider = await login(api, "chair.commune")
    r = await api.get("/api/v1/tasks", headers=outsider, params={"q": "ten moi"})
    assert nid not in [t["nomination_id"] for t in r.json()["items"]]


async def test_access_keys_are_the_step_roles_access_rows(api: httpx.AsyncClient, engine: AsyncEngine) -> None:
    """A list tests a step role's grant on `nominations.access_keys`, which the database computes from
    the route: they must be exactly the access rows of the roles that have a code."""
    clerk = await login(api, "clerk.school")
    unit = await school_unit(api, clerk)
    nid = (await create(api, clerk, body(unit, "BANG_KHEN_TINH", name="Phạm Thị Khóa")))["id"]
    async with engine.connect() as conn:
        keys = (await conn.execute(text("SELECT access_keys FROM nominations WHERE id = :n"), {"n": nid})).scalar_one()
        pairs = (
            await conn.execute(text("SELECT role, unit_id FROM nomination_access WHERE nomination_id = :n"), {"n": nid})
        ).all()
    expected = {access_key(role, unit_id) for role, unit_id in pairs} - {None}
    assert sorted(keys) == sorted(expected) and len(expected) >= 4  # councils, their members, appraisal, signing
    assert {role for role, _ in pairs} - set(ACCESS_KEY_CODES) == PROPOSER_ROLES


async def test_list_filters_search_and_visibility(api: httpx.AsyncClient) -> None:
    clerk = await login(api, "clerk.school")
    unit = await school_unit(api, clerk)
    nfd_name = "Đặng Thị Ánh Tuyết".replace("Á", "A\u0301")  # typed on a keyboard that sends NFD
    nid = (await create(api, clerk, body(unit, "BANG_KHEN_TINH", name=nfd_name)))["id"]
    page = (await api.get("/api/v1/nominations", headers=clerk, params={"q": "dang thi anh"})).json()
    assert [i["id"] for i in page["items"]] == [nid] and page["total"] == 1
    assert page["items"][0]["nominee"]["name"] == "Đặng Thị Ánh Tuyết"  # stored NFC
    page = (
        await api.get(
            "/api/v1/nominations",
            headers=clerk,
            params={
                "q": "Ánh Tuyết",
                "status": "in_progress",
                "award_form": "BANG_KHEN_TINH",
                "year": 2026,
                "unit_id": unit,
            },
        )
    ).json()
    assert [i["id"] for i in page["items"]] == [nid]
    assert (await api.get("/api/v1/nominations", headers=clerk, params={"q": "anh tuyet", "year": 2025})).json()[
        "total"
    ] == 0
    # Someone on the route sees it; someone off the route gets 404, as if it did not exist.
    appraiser = await login(api, "appraiser.home")
    assert (await api.get(f"/api/v1/nominations/{nid}", headers=appraiser)).status_code == 200
    outsider = await login(api, "chair.commune")
    r = await api.get(f"/api/v1/nominations/{nid}", headers=outsider)
    assert r.status_code == 404 and r.headers["content-type"] == PROBLEM
    assert (await api.get(f"/api/v1/nominations/{nid}/history", headers=outsider)).status_code == 404
    assert nid not in [i["id"] for i in (await api.get("/api/v1/nominations", headers=outsider)).json()["items"]]
    admin = await login(api, "admin")
    assert (await api.get(f"/api/v1/nominations/{nid}/history", headers=admin)).status_code == 200


async def test_health_readiness_and_metrics(api: httpx.AsyncClient) -> None:
    assert (await api.get("/healthz")).json() == {"status": "ok"}
    ready = await api.get("/readyz")
    assert ready.status_code == 200 and ready.json()["postgresql"] == "ok" and ready.json()["temporal"] == "ok"
    metrics = (await api.get("/metrics")).text
    assert "thidua_http_requests_total" in metrics
    r = await api.get("/no/such/page")
    assert r.status_code == 404 and r.headers["content-type"] == PROBLEM
