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


async def test_the_audit_is_filtered_by_unit_actor_action_and_period_and_exported_to_excel(
    api: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    import io
    from datetime import datetime

    from openpyxl import load_workbook

    from models.rules.calendar import VN_TZ

    nid = await _audited_nomination(api, engine)
    school = await unit_id(engine, "GL-BH-THCS")
    clerk = await login(api, "clerk.school")
    r = await api.post(f"/api/v1/nominations/{nid}/attachments", headers=clerk, files={"file": ("b.pdf", PDF)})
    assert r.status_code == 201, r.text
    admin = await login(api, "admin")
    today = datetime.now(VN_TZ).date().isoformat()

    async def page(**params: str | int) -> dict[str, object]:
        r = await api.get("/api/v1/audit", headers=admin, params=params)
        assert r.status_code == 200, r.text
        return r.json()  # type: ignore[no-any-return]

    mine = await page(unit_id=school, actor="thị lan", action="attach", **{"from": today, "to": today})
    items = mine["items"]
    assert isinstance(items, list) and len(items) >= 2
    assert all(
        e["action"] == "attach" and e["unit_id"] == school and e["actor_name"] == "Nguyễn Thị Lan" for e in items
    )
    # The workflow's own rows (the submission) name no unit: the unit filter finds them by the dossier.
    submitted = await page(unit_id=school, action="submit")
    assert isinstance(submitted["total"], int) and submitted["total"] >= 1
    assert (await page(actor="không có ai như vậy"))["total"] == 0
    assert (await page(**{"from": "2001-01-01", "to": "2001-12-31"}))["total"] == 0
    bad = await api.get("/api/v1/audit", headers=admin, params={"from": today, "to": "2001-01-01"})
    assert bad.status_code == 422 and bad.headers["content-type"] == PROBLEM

    r = await api.get(
        "/api/v1/audit", headers=admin, params={"nomination_id": nid, "format": "xlsx", "action": "attach"}
    )
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert r.headers["content-disposition"].startswith('attachment; filename="nhat-ky-')
    sheet = load_workbook(io.BytesIO(r.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("Thời gian", "Người thực hiện", "Mã người dùng", "Thao tác")
    assert len(rows) == 3 and {row[3] for row in rows[1:]} == {"Đính kèm tệp"}
    assert all(isinstance(row[0], str) and len(row[0]) == 16 and row[0][2] == "/" for row in rows[1:])
    assert {row[8] for row in rows[1:]} == {"a.pdf", "b.pdf"}
    # Only administrators export, like they read.
    r = await api.get("/api/v1/audit", headers=clerk, params={"format": "xlsx"})
    assert r.status_code == 403 and r.headers["content-type"] == PROBLEM


def test_the_workbook_never_turns_a_comment_into_a_formula() -> None:
    import io
    from datetime import UTC, datetime

    from openpyxl import load_workbook

    from service.api.schemas.audit import AuditEntryOut
    from service.queries.audit_export import audit_workbook

    entry = AuditEntryOut(
        id=uuid.uuid4(),
        at=datetime(2026, 11, 30, 17, 30, tzinfo=UTC),
        actor_id=7,
        actor_name="=cmd|' /C calc'!A0",
        action="attach",
        nomination_id=None,
        subject_type=None,
        subject_id=None,
        unit_id=None,
        step=None,
        comment='=HYPERLINK("http://example.invalid","x")',
        source_address=None,
        details={"sha256": "ab"},
    )
    sheet = load_workbook(io.BytesIO(audit_workbook([entry]))).active
    assert sheet is not None
    row = [c for c in next(sheet.iter_rows(min_row=2, max_row=2))]
    assert row[0].value == "01/12/2026 00:30"  # Asia/Ho_Chi_Minh
    assert row[3].value == "Đính kèm tệp"
    for cell in (row[1], row[8]):
        assert cell.data_type == "s" and str(cell.value).startswith("="), cell.value
