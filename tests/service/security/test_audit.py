"""The audit trail: who, when, what, on which subject, from which address; and nobody can rewrite it."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.testing import WorkflowEnvironment

from models.tables import AuditEntry
from tests.support.security import (
    PDF,
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
    async with running_api(env, engine, database_url, client="198.51.100.23", attachment_dir=str(tmp_path)) as c:
        yield c


async def _audited_nomination(api: httpx.AsyncClient, engine: AsyncEngine) -> str:
    clerk = await login(api, "clerk.school")
    nid = await create_nomination(api, clerk, nomination_body(await unit_id(engine, "GL-BH-THCS")))
    r = await api.post(f"/api/v1/nominations/{nid}/attachments", headers=clerk, files={"file": ("a.pdf", PDF)})
    assert r.status_code == 201, r.text
    return nid


async def test_the_applications_connection_cannot_change_or_delete_audit_rows(
    api: httpx.AsyncClient, engine: AsyncEngine, owner_engine: AsyncEngine
) -> None:
    nid = await _audited_nomination(api, engine)
    async with engine.connect() as conn:
        before = (await conn.execute(select(AuditEntry.id, AuditEntry.action, AuditEntry.actor_name))).all()  # type: ignore[call-overload]
    assert any(action == "attach" for _, action, _ in before)
    attempts = [
        update(AuditEntry).where(AuditEntry.nomination_id == uuid.UUID(nid)).values(actor_name="Không ai cả"),  # type: ignore[arg-type]
        delete(AuditEntry).where(AuditEntry.nomination_id == uuid.UUID(nid)),  # type: ignore[arg-type]
        text("TRUNCATE audit_entries CASCADE"),
    ]
    # The service role (the very engine the API and the worker use) holds no such right at all;
    # the owner role has the rights, and the append-only trigger still refuses.
    for eng, refusal in ((engine, "permission denied for table audit_entries"), (owner_engine, "append-only")):
        for statement in attempts:
            async with eng.begin() as conn:
                with pytest.raises(DBAPIError, match=refusal):
                    await conn.execute(statement)
                await conn.rollback()
    async with engine.connect() as conn:
        after = (await conn.execute(select(AuditEntry.id, AuditEntry.action, AuditEntry.actor_name))).all()  # type: ignore[call-overload]
    # Every row is still there, unchanged (workflows of this session may have added rows meanwhile).
    assert set(map(tuple, before)) <= set(map(tuple, after))


async def test_administrative_actions_are_recorded_and_shown_to_administrators_in_scope(
    api: httpx.AsyncClient, engine: AsyncEngine, owner_engine: AsyncEngine
) -> None:
    nid = await _audited_nomination(api, engine)
    admin = await login(api, "admin")
    page = (await api.get("/api/v1/audit", headers=admin, params={"nomination_id": nid})).json()
    entries = {e["action"]: e for e in page["items"]}
    attach = entries["attach"]
    assert attach["actor_name"] == "Nguyễn Thị Lan" and attach["source_address"] == "198.51.100.23"
    assert attach["subject_type"] == "attachment" and attach["details"]["sha256"]
    assert attach["unit_id"] == await unit_id(engine, "GL-BH-THCS")
    # The workflow's own record of the submission, with the address the API passed on.
    assert entries["submit"]["source_address"] == "198.51.100.23"

    # An administrator of another commune sees none of it; a clerk is no administrator.
    await ensure_unit(owner_engine, "TEST-AUDIT-XA", "UBND xã Kiểm Thử", "people_committee", "commune", "GL")
    await ensure_user(owner_engine, "admin.audit.other", "TEST-AUDIT-XA", [("admin", "TEST-AUDIT-XA", True)])
    other = await login(api, "admin.audit.other")
    assert (await api.get("/api/v1/audit", headers=other, params={"nomination_id": nid})).json()["total"] == 0
    r = await api.get("/api/v1/audit", headers=await login(api, "clerk.school"))
    assert r.status_code == 403 and r.headers["content-type"] == PROBLEM
    # The nomination's history shows the same entries to whoever sees the dossier.
    history = (await api.get(f"/api/v1/nominations/{nid}/history", headers=admin)).json()["items"]
    assert [h["action"] for h in history if h["source"] == "audit"][:2] == ["submit", "attach"]
