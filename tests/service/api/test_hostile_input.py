"""Hostile input: malformed, oversized and out-of-order requests change nothing and get a clear problem+json."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.testing import WorkflowEnvironment

from models.tables import AuditEntry, Nomination
from service.web import STATIC_DIR
from tests.support.security import (
    PROBLEM,
    create_nomination,
    ensure_unit,
    ensure_user,
    login,
    nomination_body,
    running_api,
    unit_id,
)


@pytest.fixture
async def api(
    env: WorkflowEnvironment, engine: AsyncEngine, database_url: str, tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    async with running_api(env, engine, database_url, max_body_bytes=64 * 1024, attachment_dir=str(tmp_path)) as c:
        yield c


async def _audit_rows(engine: AsyncEngine, nid: str) -> int:
    async with engine.connect() as conn:
        q = select(func.count()).where(AuditEntry.nomination_id == uuid.UUID(nid))  # type: ignore[arg-type]
        return int((await conn.execute(q)).scalar_one())


async def _nominations(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(Nomination))).scalar_one())


async def _task(api: httpx.AsyncClient, headers: dict[str, str], nid: str) -> dict[str, Any]:
    for _ in range(200):
        items = (await api.get("/api/v1/tasks", headers=headers)).json()["items"]
        found = next((t for t in items if t["nomination_id"] == nid), None)
        if found:
            return dict(found)
        await asyncio.sleep(0.05)
    raise AssertionError(f"no task for {nid}")


async def _pass_council(api: httpx.AsyncClient, secretary: str, nid: str) -> None:
    """A council step: the secretary records the meeting's result (or approves where no vote is needed)."""
    headers = await login(api, secretary)
    task = await _task(api, headers, nid)
    r = await api.post(f"/api/v1/tasks/{task['id']}/complete", headers=headers, json={"outcome": "approve"})
    if r.status_code == 409 and r.json().get("code") == "ballot_required":
        tally = {"members": 5, "present": 5, "votes_for": 5, "votes_against": 0, "minutes": "Biên bản họp số 1"}
        r = await api.post(f"/api/v1/nominations/{nid}/tally", headers=headers, json=tally)
    assert r.status_code == 200, r.text


async def _at_signing(api: httpx.AsyncClient, engine: AsyncEngine, name: str) -> str:
    clerk = await login(api, "clerk.school")
    nid = await create_nomination(
        api, clerk, nomination_body(await unit_id(engine, "GL-BH-THCS"), "GIAY_KHEN_XA", name=name)
    )
    await _pass_council(api, "council.school", nid)
    await _pass_council(api, "council.commune", nid)
    return nid


async def test_completing_a_task_twice_at_once_succeeds_once(api: httpx.AsyncClient, engine: AsyncEngine) -> None:
    nid = await _at_signing(api, engine, "Võ Thị Đồng Thời")
    chair = await login(api, "chair.commune")
    task = await _task(api, chair, nid)
    before = await _audit_rows(engine, nid)
    url = f"/api/v1/tasks/{task['id']}/complete"
    first, second = await asyncio.gather(
        api.post(url, headers=chair, json={"outcome": "approve", "comment": "Lần 1"}),
        api.post(url, headers=chair, json={"outcome": "reject", "comment": "Lần 2"}),
    )
    statuses = sorted([first.status_code, second.status_code])
    assert statuses == [200, 409], (first.text, second.text)
    loser = first if first.status_code == 409 else second
    assert loser.headers["content-type"] == PROBLEM and loser.json()["detail"]
    winner = first if first.status_code == 200 else second
    # Exactly one decision is recorded, and it is the winner's.
    after = (await api.get(f"/api/v1/nominations/{nid}/history", headers=chair)).json()["items"]
    decisions = [h for h in after if h["source"] == "audit" and h["action"] in ("approve", "reject")]
    assert len([d for d in decisions if d["step"] == task["step"]]) == 1
    assert winner.json()["nomination"]["status"] in ("awarded", "rejected")
    assert await _audit_rows(engine, nid) > before


async def test_an_awarded_nomination_cannot_be_resubmitted_or_withdrawn(
    api: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    nid = await _at_signing(api, engine, "Đinh Văn Đã Khen")
    chair = await login(api, "chair.commune")
    task = await _task(api, chair, nid)
    r = await api.post(f"/api/v1/tasks/{task['id']}/complete", headers=chair, json={"outcome": "approve"})
    assert r.json()["nomination"]["status"] == "awarded"
    clerk = await login(api, "clerk.school")
    before = await _audit_rows(engine, nid)
    for path, payload in (("resubmit", {"comment": "Nộp lại"}), ("withdraw", {"reason": "Rút"})):
        r = await api.post(f"/api/v1/nominations/{nid}/{path}", headers=clerk, json=payload)
        assert r.status_code == 409 and r.headers["content-type"] == PROBLEM, r.text
    assert (await api.get(f"/api/v1/nominations/{nid}", headers=clerk)).json()["status"] == "awarded"
    assert await _audit_rows(engine, nid) == before


async def test_withdrawing_someone_elses_nomination_changes_nothing(
    api: httpx.AsyncClient, engine: AsyncEngine, owner_engine: AsyncEngine
) -> None:
    clerk = await login(api, "clerk.school")
    nid = await create_nomination(api, clerk, nomination_body(await unit_id(engine, "GL-BH-THCS"), name="Hồ Văn Của"))
    await ensure_unit(owner_engine, "TEST-HOSTILE-XA", "UBND xã Thử Nghiệm", "people_committee", "commune", "GL")
    await ensure_user(owner_engine, "clerk.hostile", "TEST-HOSTILE-XA", [("clerk", "TEST-HOSTILE-XA", False)])
    on_route = await login(api, "council.school")
    await _task(api, on_route, nid)  # the submission is projected
    before = await _audit_rows(engine, nid)
    other_clerk = await login(api, "clerk.hostile")
    r = await api.post(f"/api/v1/nominations/{nid}/withdraw", headers=other_clerk, json={})
    assert r.status_code == 404 and r.headers["content-type"] == PROBLEM  # cannot even tell it exists
    r = await api.post(f"/api/v1/nominations/{nid}/withdraw", headers=on_route, json={})
    assert r.status_code == 403 and r.headers["content-type"] == PROBLEM
    assert await _audit_rows(engine, nid) == before
    assert (await api.get(f"/api/v1/nominations/{nid}", headers=clerk)).json()["status"] == "in_progress"


async def test_oversized_and_malformed_bodies(api: httpx.AsyncClient, engine: AsyncEngine) -> None:
    clerk = await login(api, "clerk.school")
    unit = await unit_id(engine, "GL-BH-THCS")
    before = await _nominations(engine)
    headers = {**clerk, "Idempotency-Key": str(uuid.uuid4())}
    big = {**nomination_body(unit), "achievements": "x" * (70 * 1024)}
    r = await api.post("/api/v1/nominations", json=big, headers=headers)
    assert r.status_code == 413 and r.headers["content-type"] == PROBLEM and r.json()["code"] == "body_too_large"

    async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: counted as it arrives
        for _ in range(100):
            yield b" " * 1024

    r = await api.post("/api/v1/nominations", content=chunks(), headers={**headers, "content-type": "application/json"})
    assert r.status_code == 413 and r.headers["content-type"] == PROBLEM

    for content in (b"{not json", b'{"award_form": ', b"\xff\xfe\x00", b"[]", b"null"):
        r = await api.post(
            "/api/v1/nominations", content=content, headers={**headers, "content-type": "application/json"}
        )
        # Bytes that are not even UTF-8 cannot be parsed (400); JSON of the wrong shape is invalid (422).
        assert r.status_code in (400, 422) and r.headers["content-type"] == PROBLEM, content
        assert r.json()["detail"] and "Traceback" not in r.text
        assert "error" not in r.json()["detail"].lower()  # Vietnamese, not the framework's English
    # Extra details of a nominee are bounded too.
    nominee = {"kind": "individual", "name": "A", **{f"f{i}": "x" for i in range(40)}}
    r = await api.post("/api/v1/nominations", json={**nominee_body(unit), "nominee": nominee}, headers=headers)
    assert r.status_code == 422
    r = await api.post(
        "/api/v1/nominations",
        json={**nominee_body(unit), "nominee": {"kind": "individual", "name": "A", "bio": "y" * 3000}},
        headers=headers,
    )
    assert r.status_code == 422
    assert await _nominations(engine) == before


def nominee_body(unit: int) -> dict[str, Any]:
    return nomination_body(unit)


async def test_vietnamese_text_is_stored_nfc(api: httpx.AsyncClient, engine: AsyncEngine) -> None:
    clerk = await login(api, "clerk.school")
    nfd = "Nguyễn Thị Ánh".encode().decode()
    decomposed = "Nguye\u0302\u0303n Thi\u0323 A\u0301nh"
    assert decomposed != nfd
    payload = {**nomination_body(await unit_id(engine, "GL-BH-THCS"), name=decomposed)}
    payload["achievements"] = "Hoa\u0300n tha\u0300nh xua\u0302\u0301t sa\u0306\u0301c"
    payload["nominee"]["position"] = "Gia\u0301o vie\u0302n"
    nid = await create_nomination(api, clerk, payload)
    got = (await api.get(f"/api/v1/nominations/{nid}", headers=clerk)).json()
    assert got["nominee"]["name"] == "Nguyễn Thị Ánh"
    assert got["achievements"] == "Hoàn thành xuất sắc" and got["nominee"]["position"] == "Giáo viên"


async def test_api_answers_carry_security_headers(api: httpx.AsyncClient) -> None:
    r = await api.get("/api/v1/me")
    assert r.status_code == 401
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "default-src 'none'" in r.headers["content-security-policy"]
    assert r.headers["cache-control"] == "no-store" and r.headers["x-frame-options"] == "DENY"
    page = await api.get("/")
    assert "script-src 'self'" in page.headers["content-security-policy"]


def test_the_web_ui_never_renders_text_as_html() -> None:
    """Everything a user typed reaches the page through textContent: no innerHTML, outerHTML,
    insertAdjacentHTML, document.write or inline handlers in the UI's script and page."""
    sink = re.compile(r"\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML|document\.write|\beval\(|new Function\(")
    for path in STATIC_DIR.glob("*.js"):
        code = "\n".join(
            line for line in path.read_text(encoding="utf-8").splitlines() if not line.strip().startswith("*")
        )
        assert not sink.search(code), f"{path.name} renders HTML from strings"
    html = (STATIC_DIR / "index.html").read_text(encoding="utf-8")
    assert not re.search(r"\son[a-z]+\s*=", html) and "<script>" not in html
