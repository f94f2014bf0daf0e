"""Attachments: accepted by content, size-limited, names sanitised, stored outside the web root with a checksum."""

from __future__ import annotations

import hashlib
import io
import zipfile
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.testing import WorkflowEnvironment

from models.tables.documents import Attachment
from service.security.attachment_store import DOCX, detect_type, sanitise_filename
from service.web import STATIC_DIR
from tests.support.security import (
    JPEG,
    PDF,
    PNG,
    PROBLEM,
    create_nomination,
    docx_bytes,
    login,
    nomination_body,
    running_api,
    unit_id,
)


@pytest.fixture
async def api(
    env: WorkflowEnvironment, engine: AsyncEngine, database_url: str, tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    async with running_api(
        env, engine, database_url, attachment_dir=str(tmp_path / "files"), max_attachment_bytes=64 * 1024
    ) as client:
        client.tmp_path = tmp_path  # type: ignore[attr-defined]
        yield client


async def _count(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(Attachment))).scalar_one())


@pytest.mark.parametrize(
    ("content", "expected"),
    [(PDF, "application/pdf"), (PNG, "image/png"), (JPEG, "image/jpeg"), (docx_bytes(), DOCX)],
)
def test_types_are_recognised_by_content(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "upload.bin"
    path.write_bytes(content)
    assert detect_type(path) == expected


@pytest.mark.parametrize(
    "content",
    [
        b"MZ\x90\x00 an executable renamed to .pdf",
        b"<html><script>alert(1)</script></html>",
        b"GIF89a....",
        b"PK\x03\x04 not really a zip",
    ],
)
def test_other_content_is_refused_whatever_its_name(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    assert detect_type(path) is None


def test_a_zip_that_is_not_a_word_document_is_refused(tmp_path: Path) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("payload.exe", "MZ")
    path = tmp_path / "report.docx"
    path.write_bytes(buf.getvalue())
    assert detect_type(path) is None


@pytest.mark.parametrize(
    ("name", "content_type", "expected"),
    [
        ("../../etc/passwd", "application/pdf", "passwd.pdf"),
        ("C:\\Users\\lan\\Báo cáo thành tích.docx", DOCX, "Báo cáo thành tích.docx"),
        ("<script>alert(1)</script>.png", "image/png", "script.png"),
        ("<img src=x onerror=alert(1)>.png", "image/png", "img src x onerror alert(1).png"),
        ("biên bản\x00\r\n họp.exe", "application/pdf", "biên bản họp.pdf"),
        ("", "image/jpeg", "tep-dinh-kem.jpg"),
        ("...", "image/png", "tep-dinh-kem.png"),
        ("Bao cao".replace("a", "a\u0301", 1), "application/pdf", "Báo cao.pdf"),  # NFD in, NFC out
    ],
)
def test_file_names_are_sanitised(name: str, content_type: str, expected: str) -> None:
    assert sanitise_filename(name, content_type) == expected
    assert len(sanitise_filename("x" * 500 + ".pdf", "application/pdf")) <= 150


async def test_upload_list_download_with_checksum(api: httpx.AsyncClient, engine: AsyncEngine) -> None:
    clerk = await login(api, "clerk.school")
    nid = await create_nomination(api, clerk, nomination_body(await unit_id(engine, "GL-BH-THCS")))
    content = docx_bytes()
    r = await api.post(
        f"/api/v1/nominations/{nid}/attachments",
        headers=clerk,
        files={"file": ("../Báo cáo thành tích.pdf", content, "application/pdf")},  # name and type lie
        data={"kind": "achievement_report"},
    )
    assert r.status_code == 201, r.text
    meta = r.json()
    assert meta["content_type"] == DOCX and meta["file_name"] == "Báo cáo thành tích.docx"
    assert meta["sha256"] == hashlib.sha256(content).hexdigest() and meta["size_bytes"] == len(content)

    # Stored under the configured directory, by ids only, outside the web UI's static files.
    root: Path = api.tmp_path / "files"  # type: ignore[attr-defined]
    stored = root / nid / meta["id"]
    assert stored.read_bytes() == content
    assert STATIC_DIR not in stored.resolve().parents
    assert (await api.get(f"/static/{nid}/{meta['id']}")).status_code == 404

    listed = (await api.get(f"/api/v1/nominations/{nid}/attachments", headers=clerk)).json()
    assert [a["id"] for a in listed["items"]] == [meta["id"]]
    # The limits the page checks before sending are the API's own.
    assert listed["may_add"] is True and listed["max_bytes"] == 64 * 1024 and listed["max_files"] == 50
    assert set(listed["accepted_types"]) == {"application/pdf", DOCX, "image/jpeg", "image/png"}
    down = await api.get(f"/api/v1/nominations/{nid}/attachments/{meta['id']}", headers=clerk)
    assert down.status_code == 200 and down.content == content
    assert down.headers["content-disposition"].startswith("attachment;")
    assert down.headers["x-content-type-options"] == "nosniff"
    assert down.headers["content-type"] == DOCX

    # Someone on the route reads it; someone who cannot see the dossier gets 404, even with the ids.
    appraiser = await login(api, "appraiser.home")
    assert (await api.get(f"/api/v1/nominations/{nid}/attachments/{meta['id']}", headers=appraiser)).status_code == 200
    outsider = await login(api, "chair.commune")
    r = await api.get(f"/api/v1/nominations/{nid}/attachments/{meta['id']}", headers=outsider)
    assert r.status_code == 404 and r.headers["content-type"] == PROBLEM
    # Only the proposing clerk adds files; the listing tells the others why they cannot.
    r = await api.post(f"/api/v1/nominations/{nid}/attachments", headers=appraiser, files={"file": ("a.pdf", PDF)})
    assert r.status_code == 403
    theirs = (await api.get(f"/api/v1/nominations/{nid}/attachments", headers=appraiser)).json()
    assert theirs["may_add"] is False and theirs["locked_reason"] == r.json()["detail"]

    # The upload is in the audit trail with who, what and from where.
    history = (await api.get(f"/api/v1/nominations/{nid}/history", headers=clerk)).json()["items"]
    assert any(h["action"] == "attach" and h["actor"] == "Nguyễn Thị Lan" for h in history)


@pytest.mark.parametrize(
    ("name", "content", "status", "code"),
    [
        ("virus.pdf", b"MZ\x90\x00\x03" + b"\x00" * 100, 415, "unsupported_file_type"),
        ("page.png", b"<svg onload=alert(1)>", 415, "unsupported_file_type"),
        ("empty.pdf", b"", 422, "empty_file"),
        ("big.pdf", b"%PDF-1.4\n" + b"0" * (80 * 1024), 413, "file_too_large"),
    ],
)
async def test_refused_uploads_store_nothing(
    api: httpx.AsyncClient, engine: AsyncEngine, name: str, content: bytes, status: int, code: str
) -> None:
    clerk = await login(api, "clerk.school")
    nid = await create_nomination(api, clerk, nomination_body(await unit_id(engine, "GL-BH-THCS")))
    before = await _count(engine)
    r = await api.post(f"/api/v1/nominations/{nid}/attachments", headers=clerk, files={"file": (name, content)})
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == PROBLEM and r.json()["code"] in (code, "body_too_large")
    assert await _count(engine) == before
    assert _stored_files(api.tmp_path / "files") == []  # type: ignore[attr-defined]


def _stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []
