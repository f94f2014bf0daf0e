"""A unit's list in one submission (tờ trình kèm danh sách) over HTTP: a JSON list and an Excel file of
the template, every nominee's workflow started; bad rows named and nothing stored; only the valid
rows; retries and concurrent lists numbered 1, 2, 3 … in the unit's register; the clerk of another
unit refused; the letter's PDF and DOCX; the time to import 1,000 rows."""

from __future__ import annotations

import asyncio
import io
import logging
import time
import uuid
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from docx import Document
from openpyxl import load_workbook
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from models.rules.registers import register_year
from service.api.schemas.submissions import MAX_LIST_BYTES
from tests.support.api import PROBLEM, login, school_unit, task_for
from tests.support.documents import keep_first_page_png, need_font, need_poppler, nfc, pdf_text
from tests.support.helpers import assert_eq_eventually

# Numbers are asserted from 1: each test's lists are the only ones in its database.
pytestmark = pytest.mark.own_database

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
THIS_YEAR = register_year(datetime.now().astimezone())


def entry(name: str, kind: str = "individual", **extra: Any) -> dict[str, Any]:
    nominee = {"kind": kind, "name": name}
    if kind == "individual":
        nominee |= {"position": "Giáo viên", "workplace": "Tổ Toán – Tin", "date_of_birth": "1980-09-05"}
    return {
        "nominee": nominee,
        "achievements": f"Hoàn thành xuất sắc nhiệm vụ năm học 2025–2026 ({name})",
        "criteria": [{"code": "CN-1", "text": "Công dân học tập", "met": True}] if kind == "individual" else [],
        **extra,
    }


def list_body(unit: int, entries: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    return {
        "award_form": "BANG_KHEN_TINH",
        "proposing_unit_id": unit,
        "period": {"kind": "annual", "year": 2026},
        "nominees": entries,
        **extra,
    }


def key() -> str:
    return f"tt-{uuid.uuid4()}"


async def submit(
    api: httpx.AsyncClient, clerk: dict[str, str], body: dict[str, Any], idem: str | None = None
) -> httpx.Response:
    return await api.post("/api/v1/submissions", json=body, headers={**clerk, "Idempotency-Key": idem or key()})


async def stored(engine: AsyncEngine) -> dict[str, int]:
    """Rows of every table a list writes to."""
    out = {}
    async with engine.connect() as conn:
        for table in ("submissions", "submission_counters", "submission_keys", "nominations", "nomination_access"):
            out[table] = int((await conn.execute(text(f"SELECT count(*) FROM {table}"))).scalar_one())
    return out


async def started(api: httpx.AsyncClient, headers: dict[str, str], submission_id: str) -> int:
    r = await api.get(f"/api/v1/submissions/{submission_id}", headers=headers)
    assert r.status_code == 200, r.text
    return int(r.json()["started"])


async def test_a_json_list_is_one_numbered_letter_and_every_nominee_gets_its_workflow(api: httpx.AsyncClient) -> None:
    clerk = await login(api, "clerk.school")
    unit = await school_unit(api, clerk)
    names = ["Đặng Thị Ánh", "Nguyễn Văn Bình", "Tổ Khoa học Tự nhiên"]
    body = list_body(unit, [entry(names[0]), entry(names[1]), entry(names[2], "collective")])
    r = await submit(api, clerk, body)
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["number"] == 1 and created["symbol"] == "TTr-THCSND" and created["number_symbol"] == "01/TTr-THCSND"
    assert created["total"] == 3 and len(created["nomination_ids"]) == 3 and created["rejected"] == []
    assert r.headers["Location"] == f"/api/v1/submissions/{created['id']}"

    # Answered at once; the workflows start right after, and each reaches the school council's first task.
    await assert_eq_eventually(3, lambda: started(api, clerk, created["id"]))
    secretary = await login(api, "council.school")
    for nid in created["nomination_ids"]:
        assert (await task_for(api, secretary, nid))["step"] == "council:GL-BH-THCS-HDTDKT"

    got = (await api.get(f"/api/v1/submissions/{created['id']}", headers=clerk)).json()
    assert [n["nominee_name"] for n in got["nominations"]] == names  # in the list's order
    assert [n["id"] for n in got["nominations"]] == created["nomination_ids"]
    assert {n["status"] for n in got["nominations"]} == {"in_progress"} and all(
        n["started"] for n in got["nominations"]
    )
    assert got["proposing_unit"]["id"] == unit and got["year"] == THIS_YEAR and got["created_by"] == "Nguyễn Thị Lan"
    assert got["period"] == {"kind": "annual", "year": 2026} and got["source"] == "json"

    # Every view of a nomination names its letter; the list of nominations filters on it.
    one = (await api.get(f"/api/v1/nominations/{created['nomination_ids'][0]}", headers=clerk)).json()
    assert one["submission"] == {"id": created["id"], "number": 1, "symbol": "TTr-THCSND"}
    assert one["nominee"]["date_of_birth"] == "1980-09-05" and one["nominee"]["workplace"] == "Tổ Toán – Tin"
    page = (await api.get("/api/v1/nominations", headers=clerk, params={"submission_id": created["id"]})).json()
    assert sorted(i["id"] for i in page["items"]) == sorted(created["nomination_ids"])
    assert all(i["submission"]["number"] == 1 for i in page["items"])

    # The lists the clerk sees; the secretary of the school council sees them too (on their route).
    lists = (await api.get("/api/v1/submissions", headers=clerk, params={"unit_id": unit, "year": THIS_YEAR})).json()
    assert [i["id"] for i in lists["items"]] == [created["id"]] and lists["items"][0]["started"] == 3
    assert (await api.get("/api/v1/submissions", headers=clerk, params={"year": THIS_YEAR + 1})).json()["items"] == []
    assert (await api.get(f"/api/v1/submissions/{created['id']}", headers=secretary)).status_code == 200
    # Not on the route: not seen (404, not 403).
    outsider = await login(api, "clerk.commune")
    assert (await api.get(f"/api/v1/submissions/{created['id']}", headers=outsider)).status_code == 404
    assert (await api.get("/api/v1/submissions", headers=outsider)).json()["items"] == []


async def test_an_excel_list_of_the_template_filled_in(api: httpx.AsyncClient) -> None:
    clerk = await login(api, "clerk.school")
    unit = await school_unit(api, clerk)
    r = await api.get("/api/v1/submissions/template.xlsx", headers=clerk, params={"award_form": "BANG_KHEN_TINH"})
    assert r.status_code == 200 and r.headers["content-type"] == XLSX
    wb = load_workbook(io.BytesIO(r.content))
    ws = wb["Danh sách"]
    headers = [c.value for c in ws[1]]
    assert headers[:3] == ["STT", "Loại đối tượng", "Họ và tên / Tên tập thể"] and "Ngày sinh (dd/mm/yyyy)" in headers
    assert ws["A2"].value == "Ví dụ"
    lists = [v.formula1 for v in ws.data_validations.dataValidation]
    assert '"Cá nhân,Tập thể,Hộ gia đình,Dòng họ"' in lists
    criteria = {row[1]: row[2] for row in wb["Tiêu chuẩn"].iter_rows(min_row=2, values_only=True)}
    assert "CN-1" in criteria and "TRUONG-1" in criteria

    # The clerk fills in two rows under the example (kinds as typed, criteria codes in any case).
    ws.append(
        [
            1,
            "cá nhân",
            "Lê Thị Cúc",
            "Tổ trưởng",
            "Tổ Ngữ văn",
            "07/03/1985",
            "Giáo viên dạy giỏi cấp tỉnh",
            "cn-1; CN-2",
        ]
    )
    ws.append([2, "TẬP THỂ", "Tổ Ngoại ngữ", None, None, None, "Tập thể lao động xuất sắc", "TRUONG-1"])
    buf = io.BytesIO()
    wb.save(buf)
    form = {
        "award_form": "BANG_KHEN_TINH",
        "proposing_unit_id": str(unit),
        "period_kind": "annual",
        "period_year": "2026",
    }
    r = await api.post(
        "/api/v1/submissions", headers={**clerk, "Idempotency-Key": key()}, data=form,
        files={"file": ("danh-sach.xlsx", buf.getvalue(), XLSX)},
    )  # fmt: skip
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["total"] == 2 and created["number"] == 1
    await assert_eq_eventually(2, lambda: started(api, clerk, created["id"]))
    first = (await api.get(f"/api/v1/nominations/{created['nomination_ids'][0]}", headers=clerk)).json()
    assert first["nominee"] == {
        "kind": "individual", "name": "Lê Thị Cúc", "position": "Tổ trưởng", "workplace": "Tổ Ngữ văn",
        "date_of_birth": "1985-03-07",
    }  # fmt: skip
    assert [c["code"] for c in first["criteria"]] == ["CN-1", "CN-2"] and first["criteria"][0]["text"] == criteria[
        "CN-1"
    ]
    second = (await api.get(f"/api/v1/nominations/{created['nomination_ids'][1]}", headers=clerk)).json()
    assert second["nominee"] == {"kind": "collective", "name": "Tổ Ngoại ngữ"}
    got = (await api.get(f"/api/v1/submissions/{created['id']}", headers=clerk)).json()
    assert got["source"] == "xlsx"

    # A sheet with bad rows: each named by its Excel row and column, nothing stored.
    ws.append([3, "Robot", "Máy Tính", None, None, "31/02/1990", "Không có", "CN-9"])
    ws.append([4, "Cá nhân", None, None, None, "1/1/1990", None, None])
    buf = io.BytesIO()
    wb.save(buf)
    r = await api.post(
        "/api/v1/submissions", headers={**clerk, "Idempotency-Key": key()}, data=form,
        files={"file": ("danh-sach.xlsx", buf.getvalue(), XLSX)},
    )  # fmt: skip
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM, r.text
    errors = {(e["row"], e["field"]): e for e in r.json()["errors"]}
    assert set(errors) == {(5, "nominee.kind"), (5, "nominee.date_of_birth"), (6, "nominee.name"), (6, "achievements")}
    assert errors[(5, "nominee.date_of_birth")]["column"] == "Ngày sinh (dd/mm/yyyy)"
    assert "Robot" in errors[(5, "nominee.kind")]["detail"]


async def test_three_bad_rows_are_named_and_nothing_is_stored(api: httpx.AsyncClient, engine: AsyncEngine) -> None:
    clerk = await login(api, "clerk.school")
    unit = await school_unit(api, clerk)
    entries = [entry("Đúng Một"), entry(""), entry("Đúng Hai"), entry("Quá Dài"), entry("Sai Loại")]
    entries[3]["achievements"] = "x" * 20_001
    entries[4]["nominee"]["kind"] = "robot"
    before = await stored(engine)
    r = await submit(api, clerk, list_body(unit, entries))
    assert r.status_code == 422 and r.headers["content-type"] == PROBLEM, r.text
    problem = r.json()
    assert problem["code"] == "invalid_rows" and "3 dòng" in problem["detail"]
    by_row = {e["row"]: e for e in problem["errors"]}
    assert sorted(by_row) == [2, 4, 5]
    assert by_row[2]["field"] == "nominee.name" and by_row[2]["detail"] == "Họ và tên / Tên tập thể: chưa nhập."
    assert by_row[4]["field"] == "achievements" and "quá dài" in by_row[4]["detail"]
    assert by_row[5]["field"] == "nominee.kind"
    assert await stored(engine) == before

    # More than 2,000 rows: refused as a whole.
    r = await submit(api, clerk, list_body(unit, [entry(f"Người {i}") for i in range(2_001)]))
    assert r.status_code == 422 and r.json()["code"] == "validation"
    assert await stored(engine) == before


async def test_only_valid_creates_the_valid_rows_and_lists_the_rejected(
    api: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    clerk = await login(api, "clerk.school")
    unit = await school_unit(api, clerk)
    r = await submit(
        api, clerk, list_body(unit, [entry("Hợp Lệ Một"), entry(""), entry("Hợp Lệ Hai")], only_valid=True)
    )
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["total"] == 2 and len(created["nomination_ids"]) == 2
    assert [(e["row"], e["field"]) for e in created["rejected"]] == [(2, "nominee.name")]
    got = (await api.get(f"/api/v1/submissions/{created['id']}", headers=clerk)).json()
    assert [n["nominee_name"] for n in got["nominations"]] == ["Hợp Lệ Một", "Hợp Lệ Hai"]
    # Nothing valid at all: nothing created, even with only_valid.
    before = await stored(engine)
    r = await submit(api, clerk, list_body(unit, [entry("")], only_valid=True))
    assert r.status_code == 422 and r.json()["code"] == "no_valid_rows"
    assert await stored(engine) == before


async def test_a_retry_returns_the_same_letter_and_takes_no_second_number(
    api: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    clerk = await login(api, "clerk.school")
    unit = await school_unit(api, clerk)
    body = list_body(unit, [entry("Phạm Thị Dung"), entry("Vũ Văn Em")])
    idem = key()
    first = await submit(api, clerk, body, idem)
    assert first.status_code == 201, first.text
    # Retried (the answer was lost), once and then five times at once: the same letter every time.
    again = await asyncio.gather(*(submit(api, clerk, body, idem) for _ in range(5)))
    assert {r.status_code for r in again} == {201}
    assert {r.json()["id"] for r in again} == {first.json()["id"]}
    assert {tuple(r.json()["nomination_ids"]) for r in again} == {tuple(first.json()["nomination_ids"])}
    assert (await stored(engine))["submissions"] == 1
    # The same key for another list: refused, nothing stored.
    other = await submit(api, clerk, list_body(unit, [entry("Người Khác")]), idem)
    assert other.status_code == 409 and other.json()["code"] == "idempotency_key_reused"
    # The next list takes the next number: no number was spent on the retries.
    following = await submit(api, clerk, list_body(unit, [entry("Đỗ Thị Giang")]))
    assert following.json()["number"] == 2


async def test_twenty_concurrent_lists_of_one_unit_are_numbered_1_to_20(api: httpx.AsyncClient) -> None:
    clerk = await login(api, "clerk.school")
    unit = await school_unit(api, clerk)
    answers = await asyncio.gather(*(submit(api, clerk, list_body(unit, [entry(f"Đồng Thời {i}")])) for i in range(20)))
    assert {r.status_code for r in answers} == {201}, [r.text for r in answers if r.status_code != 201]
    assert sorted(r.json()["number"] for r in answers) == list(range(1, 21))


async def test_a_clerk_of_another_unit_and_unreadable_lists_are_refused(
    api: httpx.AsyncClient, engine: AsyncEngine
) -> None:
    school_clerk = await login(api, "clerk.school")
    school = await school_unit(api, school_clerk)
    commune_clerk = await login(api, "clerk.commune")
    before = await stored(engine)
    r = await submit(api, commune_clerk, list_body(school, [entry("Không Được")]))
    assert r.status_code == 403 and r.headers["content-type"] == PROBLEM and r.json()["code"] == "not_unit_clerk"
    assert await stored(engine) == before
    # Neither JSON nor a file: 415.
    r = await api.post(
        "/api/v1/submissions", headers={**school_clerk, "Idempotency-Key": key(), "Content-Type": "text/plain"},
        content=b"hello",
    )  # fmt: skip
    assert r.status_code == 415 and r.headers["content-type"] == PROBLEM
    # A file that is not an Excel workbook: 422, and an unknown award form's template: 404.
    r = await api.post(
        "/api/v1/submissions", headers={**school_clerk, "Idempotency-Key": key()},
        data={"award_form": "BANG_KHEN_TINH", "proposing_unit_id": str(school), "period_kind": "annual",
              "period_year": "2026"},
        files={"file": ("danh-sach.xlsx", b"PK\x03\x04 not really", XLSX)},
    )  # fmt: skip
    assert r.status_code == 422 and r.json()["code"] == "not_xlsx", r.text
    r = await api.get("/api/v1/submissions/template.xlsx", headers=school_clerk, params={"award_form": "NOPE"})
    assert r.status_code == 404
    # A body over the list's limit is refused before it is read.
    r = await api.post(
        "/api/v1/submissions", headers={**school_clerk, "Idempotency-Key": key(), "Content-Type": "application/json"},
        content=b" " * (MAX_LIST_BYTES + 100 * 1024),
    )  # fmt: skip
    assert r.status_code == 413 and r.headers["content-type"] == PROBLEM
    assert await stored(engine) == before


async def test_the_letter_as_pdf_and_docx(api: httpx.AsyncClient, tmp_path: Path) -> None:
    need_poppler()
    need_font()
    clerk = await login(api, "clerk.school")
    unit = await school_unit(api, clerk)
    names = ["Nguyễn Thị Hằng", "Trần Đức Lộc", "Tổ Tiếng Anh"]
    r = await submit(api, clerk, list_body(unit, [entry(names[0]), entry(names[1]), entry(names[2], "collective")]))
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    pdf = await api.get(f"/api/v1/submissions/{sid}/letter.pdf", headers=clerk)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    keep_first_page_png(pdf.content, "submission-letter")
    letter = nfc(pdf_text(pdf.content, tmp_path))
    squashed = " ".join(letter.split())
    for expected in (
        "TRƯỜNG THCS NGUYỄN DU", "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
        "Số: 01/TTr-THCSND", "TỜ TRÌNH", "Về việc đề nghị khen thưởng Bằng khen của Chủ tịch UBND tỉnh",
        "Kính gửi: Chủ tịch Ủy ban nhân dân tỉnh Gia Lai", "02 cá nhân và 01 tập thể", "Nơi nhận",
        "Gia Lai, ngày", *names,
    ):  # fmt: skip
        assert nfc(expected) in squashed, (expected, letter[:2000])
    # Generated once: the same bytes and SHA-256 on the next download; the list names the documents.
    again = await api.get(f"/api/v1/submissions/{sid}/letter.pdf", headers=clerk)
    assert again.content == pdf.content and again.headers["X-Content-SHA256"] == pdf.headers["X-Content-SHA256"]
    docx = await api.get(f"/api/v1/submissions/{sid}/letter.docx", headers=clerk)
    assert docx.status_code == 200
    document = Document(io.BytesIO(docx.content))
    words = "\n".join(
        [p.text for p in document.paragraphs] + [c.text for t in document.tables for row in t.rows for c in row.cells]
    )
    assert "Số: 01/TTr-THCSND" in words and "TỜ TRÌNH" in words and all(n in words for n in names)
    got = (await api.get(f"/api/v1/submissions/{sid}", headers=clerk)).json()
    assert [d["kind"] for d in got["documents"]] == ["docx", "pdf"]


async def test_a_thousand_rows_are_imported_in_seconds(
    api: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="service.temporal.nomination_start")
    clerk = await login(api, "clerk.school")
    unit = await school_unit(api, clerk)
    body = list_body(unit, [entry(f"Nguyễn Văn Số {i}") for i in range(1_000)])
    t0 = time.perf_counter()
    r = await submit(api, clerk, body)
    answered = time.perf_counter() - t0
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    await assert_eq_eventually(1_000, lambda: started(api, clerk, sid), within=600, interval=1.0)
    all_started = time.perf_counter() - t0
    starts = [r.getMessage() for r in caplog.records if "workflows of a list" in r.getMessage()]
    print(
        f"1000-row list: 201 after {answered:.2f} s; {starts[-1] if starts else 'workflows started'}; "
        f"every workflow projected (version > 0) after {all_started:.1f} s"
    )
    assert answered < 30
