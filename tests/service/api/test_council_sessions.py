"""Council sessions: one meeting decides a list, applied durably by its workflow; electronic papers."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col
from temporalio import activity
from temporalio.testing import WorkflowEnvironment

import service.worker
from models.tables import Ballot, CouncilSession, RoleAssignment, User
from service.app import create_app
from service.core.settings import Settings
from service.temporal.converter import DATA_CONVERTER
from service.temporal.council_sessions import CouncilSessionActivities
from tests.support.api import PROBLEM, body, create, login, school_unit, task_for
from tests.support.factories import unit_id
from tests.support.helpers import assert_eq_eventually, new_worker
from tests.support.paths import HISTORIES
from workflows import search_attributes
from workflows.council_session import (
    APPLY_COUNCIL_RESULT,
    AppliedResult,
    ApplyResultInput,
    council_session_workflow_id,
)

SCHOOL_COUNCIL = "GL-BH-THCS-HDTDKT"
# Histories of CouncilSessionWorkflow, replayed by tests/workflows/test_council_session_replay.py.
SESSION_HISTORIES = HISTORIES / "council_sessions" / "v1"


async def keep_history(env: WorkflowEnvironment, session_id: str, name: str) -> None:
    """With THIDUA_RECORD_HISTORIES=1, save the session workflow's history for the replay test."""
    if os.environ.get("THIDUA_RECORD_HISTORIES") != "1":
        return
    history = await env.client.get_workflow_handle(council_session_workflow_id(session_id)).fetch_history()
    SESSION_HISTORIES.mkdir(parents=True, exist_ok=True)
    (SESSION_HISTORIES / f"{name}.json").write_text(history.to_json())


async def pdf_words(pdf: bytes) -> str | None:
    """The PDF's text as one line of words; None (with the reason printed) without poppler-utils."""
    if shutil.which("pdftotext") is None:
        print("SKIPPED text check of the minutes: pdftotext (poppler-utils) is not installed")
        return None
    done = await asyncio.to_thread(
        subprocess.run, ["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True
    )
    return " ".join(done.stdout.decode().split())


async def waiting_list(api: httpx.AsyncClient, secretary: dict[str, str], council: int) -> list[dict[str, Any]]:
    r = await api.get("/api/v1/council-sessions/waiting", params={"council_unit_id": council}, headers=secretary)
    assert r.status_code == 200, r.text
    return list(r.json())


async def nominations_at_council(api: httpx.AsyncClient, names: list[str]) -> tuple[dict[str, str], list[str]]:
    clerk = await login(api, "clerk.school")
    unit = await school_unit(api, clerk)
    ids = [(await create(api, clerk, body(unit, "GIAY_KHEN_XA", name=name)))["id"] for name in names]
    secretary = await login(api, "council.school")
    for nid in ids:
        await task_for(api, secretary, nid)
    return secretary, ids


def results(ids: list[str], failing: set[str] = frozenset()) -> list[dict[str, Any]]:  # type: ignore[assignment]
    return [
        {"nomination_id": nid, "votes_for": 2 if nid in failing else 8, "votes_against": 6 if nid in failing else 0,
         "written_for": 1, "written_against": 0}
        for nid in ids
    ]  # fmt: skip


MEETING = {"members": 9, "members_reason": "Quyết định kiện toàn Hội đồng: 9 thành viên", "present": 8,
           "minutes": "Biên bản số 03/BB-HĐTĐKT\nHội đồng thảo luận từng trường hợp."}  # fmt: skip


async def test_one_meeting_decides_a_list_and_writes_its_minutes(
    api: httpx.AsyncClient, engine: AsyncEngine, env: WorkflowEnvironment
) -> None:
    names = ["Lê Thị Một", "Trần Văn Hai", "Phạm Thị Ba", "Ngô Văn Bốn"]
    secretary, ids = await nominations_at_council(api, names)
    council = await unit_id(engine, SCHOOL_COUNCIL)
    waiting = {w["nomination_id"] for w in await waiting_list(api, secretary, council)}
    assert set(ids) <= waiting

    # Only the council's secretary opens a session; a clerk cannot.
    clerk = await login(api, "clerk.school")
    r = await api.post(
        "/api/v1/council-sessions", headers=clerk, json={"council_unit_id": council, "nomination_ids": ids}
    )
    assert r.status_code == 403 and r.headers["content-type"] == PROBLEM
    key = {"Idempotency-Key": f"session-{uuid.uuid4()}"}
    r = await api.post("/api/v1/council-sessions", headers={**secretary, **key},
                       json={"council_unit_id": council, "nomination_ids": ids})  # fmt: skip
    assert r.status_code == 201, r.text
    session_id = r.json()["id"]
    again = await api.post("/api/v1/council-sessions", headers={**secretary, **key},
                           json={"council_unit_id": council, "nomination_ids": ids})  # fmt: skip
    assert again.status_code == 201 and again.json()["id"] == session_id
    # A nominee already listed cannot be put in a second session.
    r = await api.post("/api/v1/council-sessions", headers=secretary,
                       json={"council_unit_id": council, "nomination_ids": ids[:1]})  # fmt: skip
    assert r.status_code == 409 and r.json()["code"] == "not_waiting"
    listed = [w for w in await waiting_list(api, secretary, council) if w["nomination_id"] in ids]
    assert {w["in_session"] for w in listed} == {session_id}

    # Results must cover every nominee, and a tally must add up.
    r = await api.post(f"/api/v1/council-sessions/{session_id}/results", headers=secretary,
                       json={**MEETING, "results": results(ids[:3])})  # fmt: skip
    assert r.status_code == 422 and r.json()["code"] == "invalid_results"
    assert "số 4" in r.json()["errors"][0]["detail"]
    bad = results(ids)
    bad[1]["votes_for"] = 9
    r = await api.post(f"/api/v1/council-sessions/{session_id}/results", headers=secretary,
                       json={**MEETING, "results": bad})  # fmt: skip
    assert r.status_code == 422 and r.json()["errors"][0]["row"] == 2
    assert (await api.get(f"/api/v1/council-sessions/{session_id}", headers=secretary)).json()["status"] == "open"

    r = await api.post(f"/api/v1/council-sessions/{session_id}/results", headers=secretary,
                       json={**MEETING, "results": results(ids, failing={ids[2]})})  # fmt: skip
    assert r.status_code == 202, r.text
    assert r.json()["total"] == 4

    async def status() -> tuple[str, int]:
        got = (await api.get(f"/api/v1/council-sessions/{session_id}", headers=secretary)).json()
        return got["status"], got["applied"]

    await assert_eq_eventually(("closed", 4), status, within=60)
    await keep_history(env, session_id, "meeting")
    out = (await api.get(f"/api/v1/council-sessions/{session_id}", headers=secretary)).json()
    outcomes = {r["nomination_id"]: r["outcome"] for r in out["results"]}
    assert outcomes == {ids[0]: "passed", ids[1]: "passed", ids[2]: "failed", ids[3]: "passed"}
    for nid in (ids[0], ids[1], ids[3]):
        assert (await api.get(f"/api/v1/nominations/{nid}", headers=clerk)).json()[
            "current_step"
        ] == "council:GL-BH-HDTDKT"
    assert (await api.get(f"/api/v1/nominations/{ids[2]}", headers=clerk)).json()["status"] == "rejected"
    # Each nominee's own ballots hold the meeting's tally, the session named in its minutes.
    ballots = (await api.get(f"/api/v1/nominations/{ids[0]}/ballots", headers=clerk)).json()
    assert ballots[0]["mode"] == "meeting" and ballots[0]["minutes"].startswith("Phiên họp Hội đồng")
    assert (ballots[0]["votes_for"], ballots[0]["participants"]) == (9, 9)

    # The same results again are a replay, not a second application.
    r = await api.post(f"/api/v1/council-sessions/{session_id}/results", headers=secretary,
                       json={**MEETING, "results": results(ids, failing={ids[2]})})  # fmt: skip
    assert r.status_code == 202 and r.json()["status"] == "closed"

    pdf = await api.get(f"/api/v1/council-sessions/{session_id}/minutes.pdf", headers=secretary)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    docx = await api.get(f"/api/v1/council-sessions/{session_id}/minutes.docx", headers=secretary)
    assert docx.status_code == 200 and docx.content.startswith(b"PK")
    words = await pdf_words(pdf.content)
    if words is None:
        return
    for expected in ("BIÊN BẢN", "Lê Thị Một", "Ngô Văn Bốn", "Không đạt", "có mặt: 8", "THƯ KÝ"):
        assert expected in words, expected


class SlowSessions(CouncilSessionActivities):
    """The real activities, each result taking a moment, so that a worker can be stopped midway."""

    @activity.defn(name=APPLY_COUNCIL_RESULT)
    async def apply_council_result(self, inp: ApplyResultInput) -> AppliedResult:
        await asyncio.sleep(0.3)
        return await super().apply_council_result(inp)


@pytest.fixture
async def real_server() -> AsyncIterator[WorkflowEnvironment]:
    """A real Temporal dev server: what a dead worker leaves behind (tasks dispatched to it, Updates
    in flight) is recovered as in production, which the time-skipping test server does not model."""
    temporal = Path(sys.executable).parent / "temporal"
    if not temporal.exists():
        pytest.skip("the `temporal` binary (extra `embedded`) is not installed")
    environment = await WorkflowEnvironment.start_local(
        dev_server_existing_path=str(temporal),
        dev_server_extra_args=["--headless", "--log-level", "error"],
        # As in production: nominations start with thidua's search attributes.
        search_attributes=search_attributes.ALL,
        data_converter=DATA_CONVERTER,
    )
    yield environment
    await environment.shutdown()


async def test_a_session_survives_its_worker_dying_midway(
    real_server: WorkflowEnvironment, engine: AsyncEngine, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The worker stops after a few results; another worker finishes the rest, none applied twice."""
    env = real_server
    task_queue = f"sessions-{uuid.uuid4()}"
    app = create_app(
        Settings.model_validate({"env": "test", "DATABASE_URL": database_url, "task_queue": task_queue}),
        temporal=env.client,
    )
    names = [f"Người thứ {i}" for i in range(1, 13)]
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://thidua.test") as api:
            monkeypatch.setattr(service.worker, "CouncilSessionActivities", SlowSessions)
            async with new_worker(env.client, engine, task_queue):
                secretary, ids = await nominations_at_council(api, names)
                council = await unit_id(engine, SCHOOL_COUNCIL)
                r = await api.post("/api/v1/council-sessions", headers=secretary,
                                   json={"council_unit_id": council, "nomination_ids": ids})  # fmt: skip
                session_id = r.json()["id"]
                r = await api.post(f"/api/v1/council-sessions/{session_id}/results", headers=secretary,
                                   json={**MEETING, "results": results(ids)})  # fmt: skip
                assert r.status_code == 202, r.text

                async def applied() -> int:
                    async with engine.connect() as conn:
                        return int((await conn.execute(
                            select(CouncilSession.applied).where(CouncilSession.id == uuid.UUID(session_id))
                        )).scalar_one())  # fmt: skip

                started = asyncio.Event()
                while not started.is_set():
                    if await applied() >= 1:
                        started.set()
                    await asyncio.sleep(0.02)
            # The worker is gone (its running activities cancelled) with the session half applied.
            stopped_at = await applied()
            assert 0 < stopped_at < len(ids), stopped_at
            monkeypatch.undo()
            async with new_worker(env.client, engine, task_queue):

                async def state() -> str:
                    got = (await api.get(f"/api/v1/council-sessions/{session_id}", headers=secretary)).json()
                    return f"{got['status']} {got['applied']}"

                await assert_eq_eventually(f"closed {len(ids)}", state, within=90)
            out = (await api.get(f"/api/v1/council-sessions/{session_id}", headers=secretary)).json()
    assert {r["outcome"] for r in out["results"]} == {"passed"}
    # Exactly one meeting tally in each nomination's ballots: none was applied twice.
    async with engine.connect() as conn:
        per_nomination = (
            await conn.execute(
                select(Ballot.nomination_id, func.count())
                .where(col(Ballot.nomination_id).in_([uuid.UUID(i) for i in ids]))
                .where(col(Ballot.step) == "council:GL-BH-THCS-HDTDKT")
                .group_by(col(Ballot.nomination_id))
            )
        ).all()
    assert sorted(n for _, n in per_nomination) == [1] * len(ids)


async def test_electronic_session_one_paper_per_member_counted_secretly(
    api: httpx.AsyncClient, engine: AsyncEngine, env: WorkflowEnvironment
) -> None:
    council = await unit_id(engine, SCHOOL_COUNCIL)
    async with engine.connect() as conn:
        voters = [
            r.username
            for r in (
                await conn.execute(
                    select(User.username)
                    .join(RoleAssignment, col(RoleAssignment.user_id) == col(User.id))
                    .where(col(RoleAssignment.role) == "council_member", col(RoleAssignment.unit_id) == council)
                )
            ).all()
        ]
    assert voters, "the demo school council has members"
    secretary, ids = await nominations_at_council(api, ["Đinh Thị Phiếu", "Lý Văn Kín", "Mai Thị Điện"])
    r = await api.post("/api/v1/council-sessions", headers=secretary,
                       json={"council_unit_id": council, "nomination_ids": ids, "mode": "electronic"})  # fmt: skip
    assert r.status_code == 201, r.text
    session_id = r.json()["id"]
    # Every member votes against the second nominee and for the other two: one paper each.
    for i, username in enumerate(voters):
        member = await login(api, username)
        choices = [{"nomination_id": nid, "choice": "against" if (nid == ids[1]) else "for"} for nid in ids]
        r = await api.post(f"/api/v1/council-sessions/{session_id}/paper", headers=member, json={"choices": choices})
        assert r.status_code == 200, r.text
        if i == 0:
            # A paper must cover every nominee; a second paper is refused, and the first still counts alone.
            again = await api.post(f"/api/v1/council-sessions/{session_id}/paper", headers=member,
                                   json={"choices": choices})  # fmt: skip
            assert again.status_code == 409 and again.json()["code"] == "already_voted"
            partial = await api.post(f"/api/v1/council-sessions/{session_id}/paper", headers=member,
                                     json={"choices": choices[:2]})  # fmt: skip
            assert partial.status_code == 422
            mine = await api.get(f"/api/v1/council-sessions/{session_id}/paper", headers=member)
            assert mine.json() == {"session_id": session_id, "votes": 3}
    # The secretary sees how many papers are in, never how anyone voted; a non-member cannot vote.
    seen = (await api.get(f"/api/v1/council-sessions/{session_id}", headers=secretary)).json()
    assert seen["papers"] == len(voters) and seen["status"] == "open"
    assert all(r["votes_for"] is None for r in seen["results"])
    r = await api.post(f"/api/v1/council-sessions/{session_id}/paper", headers=secretary,
                       json={"choices": [{"nomination_id": n, "choice": "for"} for n in ids]})  # fmt: skip
    assert r.status_code == 403
    r = await api.post(f"/api/v1/council-sessions/{session_id}/close", headers=secretary)
    assert r.status_code == 202, r.text

    async def status() -> str:
        return str((await api.get(f"/api/v1/council-sessions/{session_id}", headers=secretary)).json()["status"])

    await assert_eq_eventually("closed", status, within=60)
    await keep_history(env, session_id, "electronic")
    out = (await api.get(f"/api/v1/council-sessions/{session_id}", headers=secretary)).json()
    outcomes = [r["outcome"] for r in out["results"]]
    assert outcomes == ["passed", "failed", "passed"]
    minutes = await api.get(f"/api/v1/council-sessions/{session_id}/minutes.pdf", headers=secretary)
    assert minutes.status_code == 200


async def test_a_single_meeting_tally_has_its_minutes(api: httpx.AsyncClient) -> None:
    secretary, (nid,) = await nominations_at_council(api, ["Kiều Thị Riêng"])
    r = await api.post(f"/api/v1/nominations/{nid}/tally", headers=secretary,
                       json={**MEETING, "votes_for": 7, "votes_against": 1, "written_for": 1})  # fmt: skip
    assert r.status_code == 200, r.text
    clerk = await login(api, "clerk.school")
    assert (await api.get(f"/api/v1/nominations/{nid}/ballots/9/minutes.pdf", headers=clerk)).status_code == 404
    pdf = await api.get(f"/api/v1/nominations/{nid}/ballots/1/minutes.pdf", headers=clerk)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    words = await pdf_words(pdf.content)
    if words is None:
        return
    for expected in ("BIÊN BẢN", "Kiều Thị Riêng", "tham gia biểu quyết: 9", "Đạt"):
        assert expected in words, expected
