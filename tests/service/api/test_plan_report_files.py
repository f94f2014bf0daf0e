"""A unit's yearly plan report with its files: uploaded by the unit's reporter while the report is
not sent (PDF, DOCX, XLSX, images, checked by content and size as a dossier's), stored once per
report with their SHA-256, listed in the report and the consolidated view, downloaded only by
those who see the report, audited; locked once the report is sent."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col
from temporalio.testing import WorkflowEnvironment

from models.tables import AuditEntry
from models.tables.plans import PlanReport, PlanReportFile
from service.security.attachment_store import XLSX
from tests.support.security import PDF, PROBLEM, docx_bytes, login, running_api, unit_id, xlsx_bytes

# Report rows of the seed's Gia Lai plan, written by the test: each test has its own database.
pytestmark = pytest.mark.own_database

PLAN = "gl-65-2024"  # issued by GL, consolidated by GL-SGDDT (the education department)
YEAR = 2026


@pytest.fixture
async def api(
    env: WorkflowEnvironment, engine: AsyncEngine, database_url: str, tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    async with running_api(
        env, engine, database_url, attachment_dir=str(tmp_path / "files"), max_attachment_bytes=64 * 1024
    ) as client:
        client.tmp_path = tmp_path  # type: ignore[attr-defined]
        yield client


async def add_reports(engine: AsyncEngine) -> dict[str, int]:
    """The school's report still open, the home affairs department's overdue: their ids by unit code."""
    now = datetime.now(UTC)
    ids = {}
    async with engine.begin() as conn:
        for code, status in (("GL-BH-THCS", "open"), ("GL-SNV", "overdue")):
            ids[code] = (
                await conn.execute(
                    insert(PlanReport)
                    .values(
                        plan_id=PLAN, year=YEAR, stream="province_bodies", unit_id=await unit_id(engine, code),
                        status=status, opened_at=now - timedelta(days=5), due_at=now + timedelta(days=25),
                        key_figures={}, attachments=[],
                    )
                    .returning(col(PlanReport.id))
                )
            ).scalar_one()  # fmt: skip
    return ids


def stored_files(api: httpx.AsyncClient) -> list[Path]:
    root: Path = api.tmp_path / "files"  # type: ignore[attr-defined]
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


async def test_a_report_takes_files_stored_once_seen_by_who_sees_the_report(
    api: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    reports = await add_reports(engine)
    school = reports["GL-BH-THCS"]
    base = f"/api/v1/plans/{PLAN}/reports/{school}/files"
    clerk = await login(api, "clerk.school")

    # The report lists its id, so that the page can reach its files.
    listed = (await api.get(f"/api/v1/plans/{PLAN}/reports?year={YEAR}", headers=clerk)).json()
    assert [(i["id"], i["files"]) for i in listed["items"]] == [(school, [])]

    pdf = PDF + b"% bao cao nam 2026\n"
    r = await api.post(base, headers=clerk, files={"file": ("../Báo cáo năm 2026.pdf", pdf, "image/png")})
    assert r.status_code == 201, r.text
    first = r.json()
    assert first["content_type"] == "application/pdf" and first["file_name"] == "Báo cáo năm 2026.pdf"
    assert first["sha256"] == hashlib.sha256(pdf).hexdigest() and first["size_bytes"] == len(pdf)
    assert first["report_id"] == school
    # The same bytes again (another name): stored once, the first file answered.
    again = await api.post(base, headers=clerk, files={"file": ("ban-sao.pdf", pdf)})
    assert again.status_code == 200 and again.json()["id"] == first["id"]
    # A spreadsheet of the figures is a report's file too (not a dossier's).
    sheet = await api.post(base, headers=clerk, files={"file": ("so-lieu.xlsx", xlsx_bytes())})
    assert sheet.status_code == 201 and sheet.json()["content_type"] == XLSX
    word = await api.post(base, headers=clerk, files={"file": ("thuyet-minh.docx", docx_bytes())})
    assert word.status_code == 201, word.text
    stored = stored_files(api)
    assert len(stored) == 3 and all(
        p.parent.name == str(school) and p.parent.parent.name == "plan-reports" for p in stored
    )

    # Refused by content or size, as a dossier's files: nothing stored.
    for name, content, status, code in (
        ("virus.pdf", b"MZ\x90\x00" + b"\x00" * 100, 415, "unsupported_file_type"),
        ("empty.pdf", b"", 422, "empty_file"),
        ("big.pdf", b"%PDF-1.4\n" + b"0" * (70 * 1024), 413, "file_too_large"),
    ):
        r = await api.post(base, headers=clerk, files={"file": (name, content)})
        assert r.status_code == status and r.headers["content-type"] == PROBLEM, (name, r.text)
        assert r.json()["code"] == code and r.json()["detail"]
        if code == "unsupported_file_type":  # the report's own list of types
            assert "PDF, DOCX, XLSX, JPEG hoặc PNG" in r.json()["detail"]
    assert len(stored_files(api)) == 3

    page = (await api.get(base, headers=clerk)).json()
    assert page["total"] == 3 and page["may_add"] is True and page["may_remove"] is True
    assert page["max_bytes"] == 64 * 1024
    assert XLSX in page["accepted_types"] and "application/pdf" in page["accepted_types"]
    assert [f["file_name"] for f in page["items"]] == ["Báo cáo năm 2026.pdf", "so-lieu.xlsx", "thuyet-minh.docx"]

    # Downloaded by the unit, the consolidating unit and the administrator; others cannot even see it.
    for who in ("clerk.school", "clerk.education", "admin"):
        down = await api.get(f"{base}/{first['id']}", headers=await login(api, who))
        assert down.status_code == 200 and down.content == pdf, who
        assert down.headers["content-disposition"].startswith("attachment;")
        assert down.headers["x-checksum-sha256"] == first["sha256"]
        assert down.headers["x-content-type-options"] == "nosniff"
    for who in ("clerk.commune", "clerk.home"):  # in the plan's scope, not the school's report
        headers = await login(api, who)
        for r in (
            await api.get(f"{base}/{first['id']}", headers=headers),
            await api.get(base, headers=headers),
            await api.post(base, headers=headers, files={"file": ("x.pdf", PDF)}),
        ):
            assert r.status_code == 404 and r.headers["content-type"] == PROBLEM, (who, r.text)
    # The consolidating unit sees the file but does not write the school's report.
    education = await login(api, "clerk.education")
    r = await api.post(base, headers=education, files={"file": ("x.pdf", PDF)})
    assert r.status_code == 403 and r.json()["code"] == "not_unit_reporter"
    theirs = (await api.get(base, headers=education)).json()
    assert theirs["may_add"] is False and theirs["may_remove"] is False and theirs["total"] == 3
    # A file of another report is not reached through this one.
    other = f"/api/v1/plans/{PLAN}/reports/{reports['GL-SNV']}/files/{first['id']}"
    assert (await api.get(other, headers=await login(api, "admin"))).status_code == 404

    # A file chosen by mistake is removed before sending.
    gone = await api.delete(f"{base}/{word.json()['id']}", headers=clerk)
    assert gone.status_code == 204
    assert len(stored_files(api)) == 2
    assert (await api.get(f"{base}/{word.json()['id']}", headers=clerk)).status_code == 404

    # Sent: the files stay with the report, in the consolidated view, and no longer change.
    sent = await api.post(
        f"/api/v1/plans/{PLAN}/reports",
        headers=clerk,
        json={"unit_id": await unit_id(engine, "GL-BH-THCS"), "year": YEAR, "text": "Báo cáo năm 2026"},
    )
    assert sent.status_code == 200, sent.text
    assert [f["file_name"] for f in sent.json()["files"]] == ["Báo cáo năm 2026.pdf", "so-lieu.xlsx"]
    late = await api.post(base, headers=clerk, files={"file": ("them.pdf", PDF)})
    assert late.status_code == 409 and late.json()["code"] == "report_submitted"
    assert (await api.delete(f"{base}/{first['id']}", headers=clerk)).status_code == 409
    locked = (await api.get(base, headers=clerk)).json()
    assert locked["locked_reason"] == late.json()["detail"] and not locked["may_add"] and not locked["may_remove"]
    view = (await api.get(f"/api/v1/plans/{PLAN}/reports?year={YEAR}", headers=education)).json()
    files = {i["unit_code"]: [f["sha256"] for f in i["files"]] for i in view["items"]}
    assert files == {"GL-BH-THCS": [first["sha256"], sheet.json()["sha256"]], "GL-SNV": []}

    # Every upload and removal is in the audit trail: who, which file, its checksum.
    async with engine.connect() as conn:
        audit = (
            await conn.execute(
                select(col(AuditEntry.action), col(AuditEntry.comment), col(AuditEntry.details))
                .where(col(AuditEntry.subject_type) == "plan_report", col(AuditEntry.subject_id) == str(school))
                .order_by(col(AuditEntry.at))
            )
        ).all()
        rows = (await conn.execute(select(func.count()).select_from(PlanReportFile))).scalar_one()
    assert [(a, c) for a, c, _ in audit] == [
        ("attach", "Báo cáo năm 2026.pdf"),
        ("attach", "so-lieu.xlsx"),
        ("attach", "thuyet-minh.docx"),
        ("detach", "thuyet-minh.docx"),
    ]
    assert audit[0][2]["sha256"] == first["sha256"] and audit[0][2]["plan_id"] == PLAN
    assert rows == 2
    admin_view = (await api.get("/api/v1/audit?subject_type=plan_report", headers=await login(api, "admin"))).json()
    assert admin_view["total"] == 4
