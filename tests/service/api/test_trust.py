"""Trust: a secret ballot that stays secret, one seat one vote, the council's size as data, councils
that decide by vote, stale actions answered 409, only the acted-as grant in history, files frozen
once reviewed, no dossier left without its workflow, and actions that never hang."""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.testing import WorkflowEnvironment

from models.db.engine import make_engine
from models.rules.catalogue import load_catalogue
from models.tables import AuditEntry, Nomination
from service.app import create_app
from service.core.settings import Settings
from service.temporal.gateway import TemporalGateway
from service.temporal.nomination_start import start_unstarted
from service.worker import build_worker
from tests.support.api import PROBLEM, body, create, login, school_unit, task_for
from tests.support.helpers import assert_eq_eventually, new_worker, test_server_path
from tests.support.paths import DEPLOY

# Several tests add council members and delegations: each gets its own database.
pytestmark = pytest.mark.own_database

SCHOOL_COUNCIL_MEMBERS = [f"member{i}.school" for i in range(1, 6)]
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def payload_text(history_json: str) -> str:
    """Every payload of a workflow history, decoded: what anyone with the history can read."""
    texts: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if key == "data" and isinstance(value, str):
                    try:
                        texts.append(base64.b64decode(value).decode("utf-8", "replace"))
                    except ValueError:
                        texts.append(value)
                else:
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(json.loads(history_json))
    return "\n".join(texts)


async def new_dossier(api: httpx.AsyncClient, form: str = "GIAY_KHEN_XA", name: str = "Lê Thị Kín") -> tuple[str, str]:
    clerk = await login(api, "clerk.school")
    created = await create(api, clerk, body(await school_unit(api, clerk), form, name=name))
    return created["id"], created["workflow_id"]


# ---- the ballot ---------------------------------------------------------------------------------


async def test_nothing_in_the_history_or_any_table_links_a_member_to_a_choice(
    api: httpx.AsyncClient, env: WorkflowEnvironment, engine: AsyncEngine
) -> None:
    nid, wid = await new_dossier(api)
    secretary = await login(api, "council.school")
    await task_for(api, secretary, nid)
    assert (await api.post(f"/api/v1/nominations/{nid}/ballot", headers=secretary, json={})).status_code == 200
    choices = ["for", "for", "against", "for", "for"]
    member_ids = []
    for username, choice in zip(SCHOOL_COUNCIL_MEMBERS, choices, strict=True):
        headers = await login(api, username)
        member_ids.append((await api.get("/api/v1/me", headers=headers)).json()["id"])
        r = await api.post(
            f"/api/v1/nominations/{nid}/ballot/votes", headers=headers, json={"choice": choice, "ballot": 1}
        )
        assert r.status_code == 200, r.text
        assert r.json()["ballot"] == 1 and "choice" not in r.json()
    # A member sees that they voted, never how.
    mine = (await api.get("/api/v1/ballots", headers=await login(api, SCHOOL_COUNCIL_MEMBERS[0]))).json()
    assert [(b["nomination_id"], b["voted"]) for b in mine] == [(nid, True)]
    r = await api.post(f"/api/v1/nominations/{nid}/ballot/close", headers=secretary)
    assert r.status_code == 200, r.text

    history = await env.client.get_workflow_handle(wid).fetch_history()
    text_of_history = payload_text(history.to_json())
    assert '"against"' not in text_of_history and '"choice"' not in text_of_history
    assert "voter_token" not in text_of_history
    # The closing count is there (the council's result is public), the split per member is not.
    assert '"votes_for":4' in text_of_history.replace(" ", "")
    async with engine.connect() as conn:
        columns = (
            await conn.execute(
                text(
                    "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'public' "
                    "AND table_name IN ('ballot_voters', 'ballots', 'audit_entries')"
                )
            )
        ).all()
        by_table: dict[str, set[str]] = {}
        for table, column in columns:
            by_table.setdefault(table, set()).add(column)
        # The register of who voted has no choice and no time; the counters have no name.
        assert by_table["ballot_voters"] == {"nomination_id", "step", "number", "seat_user_id"}
        assert not {"user_id", "seat_user_id", "voter", "voter_token"} & by_table["ballots"]
        seats = (await conn.execute(text("SELECT seat_user_id FROM ballot_voters"))).scalars().all()
        assert sorted(seats) == sorted(member_ids)
        votes = (
            await conn.execute(
                text("SELECT votes_for, votes_against FROM ballots WHERE nomination_id = :n"), {"n": nid}
            )
        ).one()
        assert tuple(votes) == (4, 1)
        # No audit row names a member next to the ballot.
        audit = (
            await conn.execute(select(AuditEntry.actor_id).where(AuditEntry.nomination_id == uuid.UUID(nid)))
        ).scalars()
        assert not set(member_ids) & set(audit)


async def test_a_vote_for_a_voided_ballot_never_counts_in_the_next(api: httpx.AsyncClient) -> None:
    nid, _ = await new_dossier(api, name="Trần Văn Lại")
    secretary = await login(api, "council.school")
    await task_for(api, secretary, nid)
    await api.post(f"/api/v1/nominations/{nid}/ballot", headers=secretary, json={})
    first = await login(api, SCHOOL_COUNCIL_MEMBERS[0])
    assert (
        await api.post(f"/api/v1/nominations/{nid}/ballot/votes", headers=first, json={"choice": "for", "ballot": 1})
    ).status_code == 200
    r = await api.post(f"/api/v1/nominations/{nid}/ballot/close", headers=secretary)
    assert r.status_code == 200 and r.json()["status"] == "in_progress"  # one of five: void
    second = await login(api, SCHOOL_COUNCIL_MEMBERS[1])
    late = await api.post(
        f"/api/v1/nominations/{nid}/ballot/votes", headers=second, json={"choice": "for", "ballot": 1}
    )
    assert late.status_code == 409 and late.json()["code"] == "no_ballot"
    await api.post(f"/api/v1/nominations/{nid}/ballot", headers=secretary, json={})
    stale = await api.post(
        f"/api/v1/nominations/{nid}/ballot/votes", headers=second, json={"choice": "for", "ballot": 1}
    )
    assert stale.status_code == 409 and stale.json()["code"] == "stale_ballot"
    ballots = (await api.get(f"/api/v1/nominations/{nid}/ballots", headers=secretary)).json()
    assert [(b["number"], b["status"], b["participants"]) for b in ballots] == [(1, "void", 1), (2, "open", 0)]


async def test_a_council_seat_is_never_delegated_and_a_substitute_suspends_the_delegator(
    api: httpx.AsyncClient,
) -> None:
    member = await login(api, SCHOOL_COUNCIL_MEMBERS[0])
    me = (await api.get("/api/v1/me", headers=member)).json()
    council = next(r["unit_id"] for r in me["roles"] if r["role"] == "council_member")
    for role in ("council_member",):
        r = await api.post(
            "/api/v1/delegations",
            headers=member,
            json={"kind": "substitute", "role": role, "unit_id": council, "to_username": "clerk.school",
                  "starts_on": str(date.today()), "ends_on": str(date.today() + timedelta(days=30))},
        )  # fmt: skip
        assert r.status_code == 422 and r.json()["code"] == "role_not_delegable", r.text

    # The commune's chairperson: a substitute must be the commune's deputy, and then acts alone.
    chair = await login(api, "chair.commune")
    chair_me = (await api.get("/api/v1/me", headers=chair)).json()
    commune = next(r["unit_id"] for r in chair_me["roles"] if r["role"] == "chairperson")
    spec = {"kind": "substitute", "role": "chairperson", "unit_id": commune, "starts_on": str(date.today()),
            "ends_on": str(date.today() + timedelta(days=30)), "reason": "Đi công tác"}  # fmt: skip
    r = await api.post("/api/v1/delegations", headers=chair, json={**spec, "to_username": "clerk.province"})
    assert r.status_code == 422 and r.json()["code"] == "substitute_not_eligible"
    r = await api.post("/api/v1/delegations", headers=chair, json={**spec, "to_username": "deputy.commune"})
    assert r.status_code == 201, r.text
    roles_now = (await api.get("/api/v1/me", headers=await login(api, "chair.commune"))).json()["roles"]
    assert not any(x["role"] == "chairperson" and x["unit_id"] == commune for x in roles_now)


# ---- the council's size and its decision --------------------------------------------------------


async def test_the_council_size_is_the_roster_and_an_override_is_reasoned_and_audited(
    api: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    nid, _ = await new_dossier(api, name="Phạm Văn Đủ")
    secretary = await login(api, "council.school")
    await task_for(api, secretary, nid)
    meeting = {"present": 4, "votes_for": 4, "votes_against": 0, "minutes": "Biên bản số 03/BB"}
    # Four present and four for would pass if the secretary could declare four members.
    r = await api.post(f"/api/v1/nominations/{nid}/tally", headers=secretary, json={**meeting, "members": 4})
    assert r.status_code == 422 and r.json()["code"] == "members_below_roster"
    r = await api.post(f"/api/v1/nominations/{nid}/tally", headers=secretary, json={**meeting, "members": 9})
    assert r.status_code == 422 and r.json()["code"] == "reason_required"
    r = await api.post(
        f"/api/v1/nominations/{nid}/tally",
        headers=secretary,
        json={**meeting, "members": 9, "members_reason": "Quyết định kiện toàn số 15/QĐ: 9 thành viên"},
    )
    # Four of nine is no quorum: the meeting is void, the step stays open.
    assert r.status_code == 422 and r.json()["code"] == "no_quorum", r.text
    async with engine.connect() as conn:
        overrides = (
            await conn.execute(
                select(func.count()).where(
                    AuditEntry.nomination_id == uuid.UUID(nid), AuditEntry.action == "council_size_override"
                )
            )
        ).scalar_one()
    assert overrides == 1


async def test_a_council_step_ends_by_its_vote_or_a_reasoned_return(api: httpx.AsyncClient) -> None:
    nid, _ = await new_dossier(api, name="Vũ Thị Biểu Quyết")
    secretary = await login(api, "council.school")
    task = await task_for(api, secretary, nid)
    r = await api.post(f"/api/v1/tasks/{task['id']}/complete", headers=secretary, json={"outcome": "reject"})
    assert r.status_code == 409 and r.json()["code"] == "ballot_required"
    r = await api.post(f"/api/v1/tasks/{task['id']}/complete", headers=secretary, json={"outcome": "return"})
    assert r.status_code == 422 and r.json()["code"] == "reason_required"
    r = await api.post(
        f"/api/v1/tasks/{task['id']}/complete",
        headers=secretary,
        json={"outcome": "return", "comment": "Thiếu báo cáo thành tích có xác nhận"},
    )
    assert r.status_code == 200 and r.json()["nomination"]["status"] == "returned"


async def test_two_secretaries_recording_one_step_at_once_the_loser_gets_409(api: httpx.AsyncClient) -> None:
    nid, _ = await new_dossier(api, name="Đinh Văn Cùng Lúc")
    secretary = await login(api, "council.school")
    await task_for(api, secretary, nid)
    meeting = {"present": 5, "votes_for": 5, "votes_against": 0, "minutes": "Biên bản số 09/BB"}
    answers = await asyncio.gather(
        *(api.post(f"/api/v1/nominations/{nid}/tally", headers=secretary, json=meeting) for _ in range(2))
    )
    assert sorted(r.status_code for r in answers) == [200, 409], [r.text for r in answers]
    loser = next(r for r in answers if r.status_code == 409)
    assert loser.headers["content-type"] == PROBLEM


async def test_only_the_grant_acted_as_travels_in_the_history(api: httpx.AsyncClient, env: WorkflowEnvironment) -> None:
    nid, wid = await new_dossier(api, name="Ngô Thị Gọn")
    secretary = await login(api, "council.school")
    await task_for(api, secretary, nid)
    meeting = {"present": 5, "votes_for": 5, "votes_against": 0, "minutes": "Biên bản số 10/BB"}
    assert (await api.post(f"/api/v1/nominations/{nid}/tally", headers=secretary, json=meeting)).status_code == 200
    history = await env.client.get_workflow_handle(wid).fetch_history()
    inputs = [
        json.loads(p)
        for p in payload_text(history.to_json()).splitlines()
        if p.startswith("{") and '"actor"' in p and '"present"' in p
    ]
    assert inputs, "the tally's input is in the history"
    assert [len(i["actor"]["grants"]) for i in inputs] == [1]


# ---- the dossier's files ------------------------------------------------------------------------


async def test_files_are_frozen_once_reviewed_and_each_decision_records_their_sha256(
    api: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    nid, _ = await new_dossier(api, "BANG_KHEN_TINH", name="Mai Văn Tệp")
    clerk = await login(api, "clerk.school")

    async def upload(name: str) -> httpx.Response:
        return await api.post(
            f"/api/v1/nominations/{nid}/attachments",
            headers=clerk,
            files={"file": (name, PDF, "application/pdf")},
            data={"kind": "achievement_report"},
        )

    async def listing() -> dict[str, Any]:
        r = await api.get(f"/api/v1/nominations/{nid}/attachments", headers=clerk)
        assert r.status_code == 200, r.text
        return r.json()  # type: ignore[no-any-return]

    # The listing tells the page whether the clerk may add a file now, and why not.
    opened = await listing()
    assert opened["may_add"] is True and opened["locked_reason"] is None
    assert opened["accepted_types"] and "application/pdf" in opened["accepted_types"]
    first = await upload("bao-cao.pdf")
    assert first.status_code == 201, first.text
    secretary = await login(api, "council.school")
    task = await task_for(api, secretary, nid)
    meeting = {"present": 5, "votes_for": 5, "votes_against": 0, "minutes": "Biên bản số 11/BB"}
    assert (await api.post(f"/api/v1/nominations/{nid}/tally", headers=secretary, json=meeting)).status_code == 200
    locked = await upload("them.pdf")
    assert locked.status_code == 409 and locked.json()["code"] == "dossier_locked"
    frozen = await listing()
    assert frozen["may_add"] is False and frozen["locked_reason"] == locked.json()["detail"]
    async with engine.connect() as conn:
        details = (
            (
                await conn.execute(
                    select(AuditEntry.details).where(
                        AuditEntry.nomination_id == uuid.UUID(nid), AuditEntry.step == task["step"]
                    )
                )
            )
            .scalars()
            .all()
        )
    recorded = [d for d in details if d and "attachments" in d]
    assert recorded and recorded[0]["attachments"] == [f"bao-cao.pdf sha256:{first.json()['sha256']}"]

    # Returned for revision, the unit may add files again.
    commune = await login(api, "council.commune")
    commune_task = await task_for(api, commune, nid)
    r = await api.post(
        f"/api/v1/tasks/{commune_task['id']}/complete",
        headers=commune,
        json={"outcome": "return", "comment": "Bổ sung minh chứng"},
    )
    assert r.status_code == 200, r.text
    assert (await listing())["may_add"] is True
    assert (await upload("minh-chung.pdf")).status_code == 201


# ---- failures -----------------------------------------------------------------------------------


async def test_with_temporal_down_a_created_dossier_gets_its_workflow_when_temporal_is_back(
    env: WorkflowEnvironment, engine: AsyncEngine, database_url: str
) -> None:
    dead = await WorkflowEnvironment.start_time_skipping(test_server_existing_path=test_server_path())
    dead_client = dead.client
    await dead.shutdown()
    task_queue = f"orphans-{uuid.uuid4()}"
    settings = Settings.model_validate(
        {"env": "test", "DATABASE_URL": database_url, "task_queue": task_queue, "temporal_call_seconds": 3}
    )
    app = create_app(settings, temporal=dead_client)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("203.0.113.50", 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://thidua.test") as api:
            clerk = await login(api, "clerk.school")
            payload = body(await school_unit(api, clerk), "GIAY_KHEN_XA", name="Hồ Văn Chờ")
            r = await api.post("/api/v1/nominations", json=payload, headers={**clerk, "Idempotency-Key": "k-orphan-1"})
    assert r.status_code == 503 and r.headers["content-type"] == PROBLEM and r.headers["Retry-After"]
    assert r.json()["code"] == "workflow_not_started"
    async with engine.connect() as conn:
        row = (
            await conn.execute(select(Nomination.id, Nomination.version).where(Nomination.nominee_name == "Hồ Văn Chờ"))
        ).one()
    assert row.version == 0  # stored, waiting for its workflow

    # Temporal is back: the worker's reconciliation starts it, once, and the dossier moves on.
    gateway = TemporalGateway(env.client, task_queue=task_queue)
    catalogue = load_catalogue(DEPLOY / "award_forms.yaml")
    later = datetime.now(UTC) + timedelta(minutes=5)
    async with new_worker(env.client, engine, task_queue):
        assert await start_unstarted(gateway, engine, catalogue, now=later) == 1
        assert await start_unstarted(gateway, engine, catalogue, now=later) == 0

        async def version() -> bool:
            async with engine.connect() as conn:
                v = (await conn.execute(select(Nomination.version).where(Nomination.id == row.id))).scalar_one()
            return int(v) >= 1

        await assert_eq_eventually(True, version)


async def test_an_action_whose_step_cannot_be_recorded_answers_202_with_where_to_look(
    env: WorkflowEnvironment, engine: AsyncEngine, database_url: str
) -> None:
    # The worker's database is unreachable: Updates are accepted, their projection cannot finish.
    task_queue = f"stuck-{uuid.uuid4()}"
    broken = make_engine("postgresql://thidua:x@127.0.0.1:1/none", pool_size=1)
    settings = Settings.model_validate(
        {"env": "test", "DATABASE_URL": database_url, "task_queue": task_queue, "temporal_call_seconds": 2}
    )
    app = create_app(settings, temporal=env.client)
    try:
        async with build_worker(env.client, broken, task_queue), app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app, client=("203.0.113.51", 5000))
            async with httpx.AsyncClient(transport=transport, base_url="http://thidua.test") as api:
                clerk = await login(api, "clerk.school")
                created = await create(api, clerk, body(await school_unit(api, clerk), "GIAY_KHEN_XA", name="Kẹt"))
                r = await api.post(f"/api/v1/nominations/{created['id']}/withdraw", headers=clerk, json={})
        assert r.status_code == 202, r.text
        assert r.headers["Location"] == f"/api/v1/nominations/{created['id']}"
        assert r.json()["location"] == r.headers["Location"] and r.json()["detail"]
        await env.client.get_workflow_handle(created["workflow_id"]).terminate("test done")
    finally:
        await broken.dispose()
