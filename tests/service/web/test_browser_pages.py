"""The pages beyond the nomination route, in a real browser: the dossier's files (upload, preview,
download, locked once reviewed) and the plans (list, calendar to 2030, report status, a unit's report).

Screenshots of every screen, at desktop and phone width, go to thidua-pages/ in the system's
temporary directory (or THIDUA_UI_SHOTS=<dir>), kept as the test's artefacts.
"""

from __future__ import annotations

import hashlib
import os
import re
import struct
import tempfile
import zlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, Dialog, Page, async_playwright, expect
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col
from temporalio.testing import WorkflowEnvironment

from models.rules.calendar import VN_TZ
from models.tables import Unit
from models.tables.plans import Plan, PlanNotification, PlanReport
from tests.service.web.test_browser_ui import CHROMIUM, CHROMIUM_ARGS, live_server, login, logout
from tests.support.api import approve_step, body, create, task_for
from tests.support.api import login as api_login
from tests.support.read_model import insert_dossiers

pytestmark = pytest.mark.own_database

SHOTS = Path(os.environ.get("THIDUA_UI_SHOTS") or Path(tempfile.gettempdir()) / "thidua-pages")


def png_bytes(width: int = 40, height: int = 24) -> bytes:
    """A real PNG (red and gold stripes), so that the browser decodes it."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(
        b"\x00" + b"".join(b"\xa3\x16\x1b" if (x // 5) % 2 else b"\xf2\xc7\x44" for x in range(width))
        for _ in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def pdf_bytes(text: str = "Bao cao thanh tich") -> bytes:
    """A one-page PDF with a line of text and a correct cross-reference table."""
    stream = f"BT /F1 24 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for i, obj in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % i + obj + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return out


async def shot(page: Page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 (a test's artefact directory)
    await page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    width = page.viewport_size["width"] if page.viewport_size else 1280
    await page.set_viewport_size({"width": 390, "height": 844})
    await page.screenshot(path=str(SHOTS / f"{name}-390.png"), full_page=True)
    # At a phone's width nothing widens the page (wide tables scroll inside their own box).
    scroll_width = await page.evaluate("document.documentElement.scrollWidth")
    assert scroll_width <= 390, f"{name}: the page is {scroll_width} px wide at 390 px"
    await page.set_viewport_size({"width": width, "height": 900})


class Browsing:
    def __init__(self, page: Page, base: str) -> None:
        self.page, self.base = page, base
        self.page_errors: list[str] = []
        self.csp_errors: list[str] = []
        page.on("pageerror", lambda exc: self.page_errors.append(str(exc)))
        page.on(
            "console",
            lambda msg: (
                self.csp_errors.append(msg.text)
                if msg.type == "error" and "Content Security Policy" in msg.text
                else None
            ),
        )

    def clean(self) -> None:
        assert not self.page_errors, self.page_errors
        assert not self.csp_errors, self.csp_errors


@pytest.fixture
async def browsing(database_url: str, engine: AsyncEngine, env: WorkflowEnvironment) -> AsyncIterator[Browsing]:
    ui = "http://127.0.0.1:8233"
    async with live_server(database_url, env, engine, temporal_ui_url=ui) as base, async_playwright() as p:
        browser: Browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page(
                viewport={"width": 1280, "height": 900}, locale="vi-VN", accept_downloads=True
            )
            page.set_default_timeout(15_000)
            await page.goto(f"{base}/")
            yield Browsing(page, base)
        finally:
            await browser.close()


async def test_dossier_files_upload_preview_download_and_lock(browsing: Browsing, tmp_path: Path) -> None:
    page, base = browsing.page, browsing.base
    async with httpx.AsyncClient(base_url=base, timeout=30) as api:
        clerk = await api_login(api, "clerk.school")
        unit = int((await api.get("/api/v1/me", headers=clerk)).json()["unit"]["id"])
        nid = (await create(api, clerk, body(unit, "GIAY_KHEN_XA", name="Lê Thị Tệp")))["id"]

        pdf, png = pdf_bytes(), png_bytes()
        (tmp_path / "bao-cao-thanh-tich.pdf").write_bytes(pdf)
        (tmp_path / "anh-minh-chung.png").write_bytes(png)
        (tmp_path / "gia-mao.pdf").write_bytes(b"MZ\x90\x00 not a pdf")
        (tmp_path / "bang-tinh.xlsx").write_bytes(b"PK\x03\x04 spreadsheet")

        await login(page, "clerk.school")
        await page.goto(f"{base}/#/nominations/{nid}")
        files = page.locator("section.attachments")
        await expect(files.get_by_role("heading", name="Tài liệu hồ sơ")).to_be_visible()
        await expect(files).to_contain_text("Hồ sơ chưa có tệp đính kèm.")
        form = files.get_by_role("form", name="Tải tệp lên hồ sơ")
        await expect(form).to_contain_text("Nhận PDF, DOCX, JPEG, PNG")
        await expect(form).to_contain_text("tối đa 20 MB")

        # Four files at once: the two that the API would refuse are refused here, before sending.
        await form.get_by_label("Chọn tệp").set_input_files(
            [tmp_path / n for n in ("bao-cao-thanh-tich.pdf", "gia-mao.pdf", "bang-tinh.xlsx", "anh-minh-chung.png")]
        )
        staged = form.locator(".staged")
        await expect(staged).to_have_count(4)
        await expect(staged.nth(1)).to_contain_text("Nội dung tệp không phải PDF")
        await expect(staged.nth(2)).to_contain_text("Chỉ nhận tệp PDF, DOCX, JPEG, PNG.")
        await form.get_by_label("Loại tài liệu").select_option("achievement_report")
        await shot(page, "20-files-staged")
        uploads: list[str] = []
        page.on("request", lambda r: uploads.append(r.url) if r.method == "POST" and "attachments" in r.url else None)
        await form.get_by_role("button", name="Tải lên 2 tệp").click()
        await expect(page.locator("#notice")).to_have_text("Đã tải lên 2 tệp.")
        assert len(uploads) == 2, uploads
        rows = files.locator("tr.file-row")
        await expect(rows).to_have_count(2)
        await expect(rows.first).to_contain_text("bao-cao-thanh-tich.pdf")
        await expect(rows.first).to_contain_text("Báo cáo thành tích")
        await expect(rows.first.locator(".sha256")).to_have_text(hashlib.sha256(pdf).hexdigest())
        await expect(rows.nth(1).locator(".sha256")).to_have_text(hashlib.sha256(png).hexdigest())

        # The PDF is shown in the page from a blob: URL (the API takes a token, not a cookie).
        await rows.first.get_by_role("button", name="Xem").click()
        frame = files.locator("object.pdf-frame")
        await expect(frame).to_have_attribute("type", "application/pdf")
        assert (await frame.get_attribute("data") or "").startswith("blob:")
        await shot(page, "21-files-pdf-preview")
        # The image, decoded (a CSP refusal would leave it empty).
        await rows.nth(1).get_by_role("button", name="Xem").click()
        image = files.locator("img.image-preview")
        await expect(image).to_have_attribute("alt", "anh-minh-chung.png")
        await page.wait_for_function("document.querySelector('img.image-preview').naturalWidth === 40")
        await shot(page, "22-files-image-preview")
        await files.get_by_role("button", name="Đóng xem trước").click()
        await expect(image).to_have_count(0)

        # Download: the file as stored, under its name.
        async with page.expect_download() as info:
            await rows.first.get_by_role("button", name="Tải về").click()
        download = await info.value
        assert download.suggested_filename == "bao-cao-thanh-tich.pdf"
        saved = tmp_path / "saved.pdf"
        await download.save_as(saved)
        assert saved.read_bytes() == pdf

        # The history names the upload in Vietnamese.
        await page.reload()
        await expect(page.locator(".timeline .event-action").filter(has_text="Đính kèm tệp")).to_have_count(2)
        actions = [a.strip() for a in await page.locator(".timeline .event-action").all_inner_texts()]
        assert actions.count("Đính kèm tệp") == 2 and "attach" not in actions, actions

        # Once the school council has decided on them, the files stand: no upload, and the page says why.
        secretary = await api_login(api, "council.school")
        await task_for(api, secretary, nid)
        meeting = {"present": 5, "votes_for": 5, "votes_against": 0, "minutes": "Biên bản số 03"}
        r = await api.post(f"/api/v1/nominations/{nid}/tally", headers=secretary, json=meeting)
        assert r.status_code in (200, 202), r.text
        await page.reload()
        await expect(files.locator("tr.file-row")).to_have_count(2)
        await expect(files.get_by_role("form", name="Tải tệp lên hồ sơ")).to_have_count(0)
        await expect(files.locator(".upload-locked")).to_contain_text("chỉ bổ sung tệp khi hồ sơ được trả lại")
        # The council's decision is the council's, recorded by its secretary.
        decided = page.locator(".timeline .event.action-approve")
        await expect(decided).to_contain_text("Hội đồng Thi đua – Khen thưởng Trường THCS Nguyễn Du")
        await expect(decided).to_contain_text("(thư ký Trần Văn Hùng ghi nhận)")
        await shot(page, "23-files-locked")
        await logout(page)

        # A reviewer sees and previews them, and is told why they cannot add one.
        await login(page, "council.commune")
        await page.goto(f"{base}/#/nominations/{nid}")
        await expect(files.locator("tr.file-row")).to_have_count(2)
        await expect(files.locator(".upload-locked")).to_contain_text("Chỉ cán bộ thi đua của đơn vị đề nghị")
        await files.locator("tr.file-row").first.get_by_role("button", name="Xem").click()
        await expect(files.locator("object.pdf-frame")).to_have_count(1)
    browsing.clean()


PLAN = "gl-65-2024"


async def add_report_tasks(engine: AsyncEngine, year: int) -> None:
    """This year's report tasks of the Gia Lai plan: the school's still open, the home affairs
    department's overdue (as the plan workflow leaves them)."""
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        ids = dict(
            (
                await conn.execute(
                    select(col(Unit.code), col(Unit.id)).where(col(Unit.code).in_(["GL-BH-THCS", "GL-SNV"]))
                )
            ).all()
        )
        common = {"plan_id": PLAN, "year": year, "stream": "province_bodies", "key_figures": {}, "attachments": []}
        await conn.execute(
            insert(PlanReport).values(
                [
                    {**common, "unit_id": ids["GL-BH-THCS"], "status": "open", "opened_at": now - timedelta(days=5),
                     "due_at": now + timedelta(days=25)},
                    {**common, "unit_id": ids["GL-SNV"], "status": "overdue", "opened_at": now - timedelta(days=40),
                     "due_at": now - timedelta(days=2), "overdue_at": now - timedelta(days=2)},
                ]
            )
        )  # fmt: skip


async def test_plans_calendar_report_status_report_form_and_amendment(browsing: Browsing, engine: AsyncEngine) -> None:
    page, base = browsing.page, browsing.base
    year = datetime.now(UTC).astimezone(VN_TZ).year
    await add_report_tasks(engine, year)

    # The clerk: the plans of the school's province, this year's report task, and the form to send it.
    await login(page, "clerk.school")
    await page.get_by_role("link", name="Kế hoạch").click()
    await expect(page.get_by_role("heading", name="Kế hoạch thi đua", level=1)).to_be_visible()
    row = page.locator("tr.plan-row").filter(has_text="65/QĐ-UBND")
    await expect(row).to_contain_text("gl-65-2024.yaml")
    await expect(row).to_contain_text("2024–2030")
    await expect(row.locator(".badge")).to_have_text("Đang thực hiện")
    await expect(page.locator("tr.plan-row").filter(has_text="ct-1315-2024.yaml")).to_have_count(0)
    await shot(page, "30-plans")
    await row.get_by_role("link").click()
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Tỉnh Gia Lai thi đua xây dựng xã hội học tập")

    # The calendar to 2030: yearly deadlines, reminders and both review windows, dd/mm/yyyy.
    calendar = page.locator("section.plan-calendar")
    await expect(calendar.get_by_role("heading", name="Lịch thực hiện đến năm 2030")).to_be_visible()
    await expect(calendar.locator("details.calendar-year summary")).to_have_count(7)  # 2024 … 2030
    await expect(calendar.locator("summary").last).to_contain_text("Năm 2030")
    dues = calendar.locator(".plan-event.kind-due time")
    assert "05/12/2026 00:00" in await dues.all_inner_texts()
    await expect(calendar.locator(".plan-event.kind-reminder").first).to_be_attached()
    windows = calendar.locator(".plan-event.kind-window_open")
    await expect(windows).to_have_count(2)
    await expect(calendar.locator(".plan-event.next")).to_have_count(1)

    # The school's own report only (no consolidated view for it), still to send; it sends it.
    await expect(page.locator("table.report-units tr.report-row")).to_have_count(1)
    await expect(page.locator("table.report-streams")).to_have_count(0)
    await expect(page.locator("tr.report-row .badge")).to_have_text("Chưa gửi")
    form = page.get_by_role("form", name="Gửi báo cáo năm")
    await form.get_by_label("Nội dung báo cáo").fill("Trường tổ chức 12 lớp học tập cộng đồng.")
    await form.get_by_label("Số liệu chính").fill("lop_hoc_tap = 12\nghi_chu = đạt")
    # The report's file: uploaded when chosen, listed with its size and SHA-256 (a wrong type is refused
    # before sending).
    report_pdf = pdf_bytes("Bao cao nam cua truong")
    await form.get_by_label("Thêm tệp").set_input_files(
        files=[{"name": "so-lieu.txt", "mimeType": "text/plain", "buffer": b"12 lop"}]
    )
    await expect(page.get_by_role("alert")).to_contain_text("so-lieu.txt: Chỉ nhận tệp PDF, DOCX, XLSX, JPEG, PNG.")
    await form.get_by_label("Thêm tệp").set_input_files(
        files=[{"name": "Báo cáo trường 2026.pdf", "mimeType": "application/pdf", "buffer": report_pdf}]
    )
    attached = form.locator("li.report-file")
    await expect(attached).to_have_count(1)
    await expect(attached).to_contain_text("Báo cáo trường 2026.pdf")
    await expect(attached.locator("code.sha256")).to_have_text(hashlib.sha256(report_pdf).hexdigest())
    await expect(form.get_by_role("button", name="Gỡ")).to_be_visible()
    await shot(page, "31-plan-clerk")
    await form.get_by_role("button", name="Gửi báo cáo").click()
    await expect(page.locator("#notice")).to_have_text(f"Đã gửi báo cáo năm {year}.")
    await expect(page.locator("tr.report-row .badge")).to_have_text("Đã gửi")
    await expect(page.get_by_role("form", name="Gửi báo cáo năm")).to_have_count(0)
    await expect(page.locator("tr.report-row li.report-file")).to_contain_text("Báo cáo trường 2026.pdf")
    await logout(page)

    # The administrator: every unit's status and the consolidated view, the workflow link, the amendment.
    await login(page, "admin")
    await page.goto(f"{base}/#/plans/{PLAN}")
    stream = page.locator("table.report-streams tr.stream-row")
    await expect(stream).to_have_count(1)
    cells = [c.strip() for c in await stream.locator("td.num").all_inner_texts()]
    assert cells == ["2", "1", "0", "1", "0"], cells  # total, submitted, late, overdue, open
    await expect(stream).to_contain_text("lop_hoc_tap: 12")
    statuses = await page.locator("tr.report-row .badge").all_inner_texts()
    assert sorted(statuses) == ["Quá hạn", "Đã gửi"], statuses
    # Each unit's file, from the year's reports: downloaded with the token, the bytes the school sent.
    sent = page.locator("tr.report-row").filter(has_text="Đã gửi")
    async with page.expect_download() as info:
        await sent.get_by_role("button", name="Báo cáo trường 2026.pdf").click()
    download = await info.value
    assert download.suggested_filename == "Báo cáo trường 2026.pdf"
    saved = await download.path()
    assert Path(str(saved)).read_bytes() == report_pdf  # noqa: ASYNC240
    await expect(sent.get_by_role("button", name="Gỡ")).to_have_count(0)
    link = page.locator("a.temporal-link")
    href = await link.get_attribute("href") or ""
    assert href.endswith("/namespaces/default/workflows/plan-gl-65-2024"), href
    await shot(page, "32-plan-admin")

    # Someone changed the plan after this page was read: the amendment is refused, not applied twice.
    form = page.get_by_role("form", name="Sửa đổi kế hoạch")
    await expect(form).to_contain_text("Sửa trên phiên bản 1")
    await form.get_by_label("Ngày hạn mới").fill("20")
    await form.get_by_label("Lý do sửa đổi").fill("UBND tỉnh đề nghị báo cáo sớm")
    # The preview: the deadlines the change would make, nothing saved.
    await form.get_by_role("button", name="Xem trước lịch").click()
    preview = form.locator(".amend-preview")
    await expect(preview).to_contain_text("Lịch sau khi sửa (chưa lưu)")
    await expect(preview.locator("li").first).to_contain_text("20/12/")
    await shot(page, "33-plan-amend-preview")
    async with engine.begin() as conn:
        await conn.execute(update(Plan).where(col(Plan.id) == PLAN).values(version=2))
    await form.get_by_role("button", name="Lưu thay đổi").click()
    await expect(page.get_by_role("alert")).to_contain_text("Kế hoạch đã được thay đổi (nay là phiên bản 2")
    # The plan's workflow, for its administrator: the timeline beside the raw events.
    await page.get_by_role("link", name="Sự kiện quy trình").click()
    await expect(page.get_by_role("heading", name="Sự kiện quy trình", level=1)).to_be_visible()
    await expect(page.locator("section.workflow-head a.temporal-link")).to_have_text(re.compile(r"^plan-gl-65-2024"))
    await shot(page, "34-plan-workflow-events")
    browsing.clean()


async def test_administrator_lands_on_the_dashboard_and_exports_the_audit(browsing: Browsing, tmp_path: Path) -> None:
    page, base = browsing.page, browsing.base
    async with httpx.AsyncClient(base_url=base, timeout=30) as api:
        clerk = await api_login(api, "clerk.school")
        unit = int((await api.get("/api/v1/me", headers=clerk)).json()["unit"]["id"])
        created = [
            (await create(api, clerk, body(unit, "GIAY_KHEN_XA", name=name)))["id"]
            for name in ("Phan Văn Biểu Đồ", "Lý Thị Nhật Ký")
        ]

    # The administrator signs in and lands on the dashboard: charts, each with its table.
    await login(page, "admin")
    await expect(page.get_by_role("heading", name="Tổng quan", level=1)).to_be_visible()
    status_chart = page.locator("figure.chart-figure").filter(has_text="Hồ sơ theo trạng thái")
    await expect(status_chart.locator("svg.chart rect.chart-bar")).not_to_have_count(0)
    await expect(status_chart.locator("svg.chart")).to_have_attribute("role", "img")
    await expect(status_chart.locator("table.chart-table")).to_contain_text("Đang xét duyệt")
    await expect(page.locator("figure.chart-figure").filter(has_text="Số ngày làm việc mỗi bước")).to_be_visible()
    await expect(page.locator("section.quota-review").first).to_contain_text("Số đơn vị đã đạt")
    async with page.expect_download() as info:
        await status_chart.get_by_role("button", name="Tải bảng (CSV)").click()
    csv = await (await info.value).path()
    assert "Trạng thái" in Path(str(csv)).read_text(encoding="utf-8-sig")  # noqa: ASYNC240
    await shot(page, "40-dashboard")

    # The stuck and late view.
    await page.get_by_role("link", name="Quản trị").click()
    await expect(page.get_by_role("heading", name="Hồ sơ chậm, vướng", level=1)).to_be_visible()
    await expect(page.get_by_role("heading", name="Hồ sơ đang mở nhưng quy trình không chạy")).to_be_visible()
    await shot(page, "41-stuck")

    # The audit: a wrong date is highlighted and refused; a filter by actor; the Excel export.
    await page.get_by_role("link", name="Nhật ký hệ thống").first.click()
    await expect(page.get_by_role("heading", name="Nhật ký hệ thống", level=1)).to_be_visible()
    filters = page.get_by_role("form", name="Lọc nhật ký")
    await filters.get_by_label("Từ ngày").fill("31/02/2026")
    await filters.get_by_role("button", name="Lọc").click()
    await expect(page.get_by_role("alert")).to_contain_text("không hợp lệ: nhập theo dạng dd/mm/yyyy")
    await expect(filters.get_by_label("Từ ngày")).to_have_attribute("aria-invalid", "true")
    today = datetime.now(UTC).astimezone(VN_TZ).strftime("%d/%m/%Y")
    await filters.get_by_label("Từ ngày").fill(today)
    await filters.get_by_label("Người thực hiện").fill("Nguyễn Thị Lan")
    await filters.get_by_label("Thao tác").select_option("submit")
    await filters.get_by_role("button", name="Lọc").click()
    rows = page.locator("tr.audit-row")
    await expect(rows).to_have_count(2)
    await expect(rows.first).to_contain_text("Nộp hồ sơ")
    await expect(filters.get_by_label("Từ ngày")).to_have_value(today)
    await shot(page, "42-audit")
    async with page.expect_download() as info:
        await page.get_by_role("button", name="Xuất Excel").click()
    download = await info.value
    assert download.suggested_filename == "nhat-ky-he-thong.xlsx"
    saved = tmp_path / "audit.xlsx"
    await download.save_as(saved)
    from openpyxl import load_workbook

    sheet = load_workbook(saved).active
    assert sheet is not None
    exported = list(sheet.iter_rows(values_only=True))
    assert exported[0][:4] == ("Thời gian", "Người thực hiện", "Mã người dùng", "Thao tác")
    assert len(exported) == 3 and {r[3] for r in exported[1:]} == {"Nộp hồ sơ"}

    # A dossier links to its workflow and to the unit's nominations in the Temporal UI (the ThiduaUnit
    # search attribute the workflows set).
    await page.goto(f"{base}/#/nominations/{created[0]}")
    unit_link = page.locator("a.temporal-unit-link")
    await expect(unit_link).to_contain_text("Tất cả hồ sơ của")
    href = await unit_link.get_attribute("href") or ""
    assert href == f"http://127.0.0.1:8233/namespaces/default/workflows?query=ThiduaUnit%3D%22{unit}%22", href
    workflow = await page.locator("a.temporal-link").get_attribute("href") or ""
    assert workflow.endswith(f"/namespaces/default/workflows/nomination-{created[0]}"), workflow
    browsing.clean()


async def test_long_achievements_are_counted_and_empty_fields_highlighted_and_the_list_fits_a_phone(
    browsing: Browsing,
) -> None:
    page, base = browsing.page, browsing.base
    await login(page, "clerk.school")
    await page.goto(f"{base}/#/new")
    await expect(page.get_by_role("heading", name="Tạo đề nghị khen thưởng")).to_be_visible()
    await page.get_by_label("Hình thức khen thưởng").select_option("GIAY_KHEN_XA")
    # Nothing filled: the empty required fields are highlighted, not only named.
    await page.get_by_role("button", name="Nộp hồ sơ").click()
    await expect(page.get_by_role("alert")).to_contain_text("Tên đối tượng")
    await expect(page.get_by_label("Tên đối tượng")).to_have_attribute("aria-invalid", "true")
    await expect(page.get_by_label("Thành tích")).to_have_attribute("aria-invalid", "true")
    await page.get_by_label("Tên đối tượng").fill("Trần Văn Dài")
    # A paste longer than 20,000 characters is kept whole, counted and refused with a reason.
    await page.get_by_label("Thành tích").fill("x" * 20_001)
    counter = page.locator(".char-counter")
    await expect(counter).to_contain_text("20.001/20.000 ký tự – vượt 1 ký tự")
    await expect(counter).to_have_class(re.compile(r"\bover\b"))
    await shot(page, "50-create-too-long")
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    await page.get_by_role("button", name="Nộp hồ sơ").click()
    await expect(page.get_by_role("alert")).to_contain_text("vượt giới hạn 20.000 ký tự")
    assert not posts, posts
    await page.get_by_label("Thành tích").fill("Giáo viên dạy giỏi cấp xã.")
    await expect(counter).to_have_text("26/20.000 ký tự")
    await expect(page.get_by_label("Thành tích")).not_to_have_attribute("aria-invalid", "true")
    # The nominee's details the forms ask for; a wrong date of birth is refused and highlighted.
    await page.get_by_label("Loại đối tượng").select_option("individual")
    await page.get_by_label("Chức vụ").fill("Giáo viên Toán")
    await page.get_by_label("Nơi công tác / địa chỉ").fill("Trường THCS Nguyễn Du, xã Biển Hồ")
    await page.get_by_label("Ngày sinh").fill("31/02/1980")
    await page.get_by_role("button", name="Nộp hồ sơ").click()
    await expect(page.get_by_role("alert")).to_contain_text("Ngày sinh phải nhập theo dạng dd/mm/yyyy")
    await expect(page.get_by_label("Ngày sinh")).to_have_attribute("aria-invalid", "true")
    await page.get_by_label("Ngày sinh").fill("5/9/1980")
    await page.get_by_role("button", name="Nộp hồ sơ").click()
    await page.wait_for_url(re.compile(r"#/nominations/[0-9a-f-]{36}$"))
    facts = page.locator("dl.facts")
    await expect(facts).to_contain_text("Giáo viên Toán")
    await expect(facts).to_contain_text("05/09/1980")
    await expect(facts).to_contain_text("Trường THCS Nguyễn Du, xã Biển Hồ")

    # The list at a phone's width: status and date stay on the screen.
    await page.set_viewport_size({"width": 390, "height": 844})
    await page.goto(f"{base}/#/nominations")
    row = page.locator("table.nominations tbody tr").filter(has_text="Trần Văn Dài")
    for cell in ("Trạng thái", "Cập nhật"):
        box = await row.locator(f'td[data-label="{cell}"]').bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, (cell, box)
    await page.screenshot(path=str(SHOTS / "51-list-390.png"), full_page=True)
    browsing.clean()


async def test_the_notification_centre_counts_unread_and_sets_email(browsing: Browsing, engine: AsyncEngine) -> None:
    page = browsing.page
    async with engine.begin() as conn:
        school = (await conn.execute(select(col(Unit.id)).where(col(Unit.code) == "GL-BH-THCS"))).scalar_one()
        await conn.execute(
            insert(PlanNotification).values(
                plan_id=PLAN, event_key="test:bell", kind="reminder", role="clerk", unit_id=school,
                message="Còn 5 ngày làm việc đến hạn báo cáo năm", created_at=datetime.now(UTC),
            )
        )  # fmt: skip
    await login(page, "clerk.school")
    bell = page.locator("#bell-count")
    await expect(bell).to_have_text("1")
    await page.locator("#bell").click()
    await expect(page.get_by_role("heading", name="Thông báo", level=1)).to_be_visible()
    item = page.locator("li.notification.unread")
    await expect(item).to_contain_text("Còn 5 ngày làm việc đến hạn báo cáo năm")
    await expect(item).to_contain_text("Nhắc việc")
    await shot(page, "60-notifications")
    await page.get_by_role("button", name="Đánh dấu tất cả đã đọc").click()
    await expect(page.locator("#notice")).to_have_text("Đã đánh dấu tất cả thông báo là đã đọc.")
    await expect(page.locator("li.notification.read")).to_have_count(1)
    await expect(bell).to_be_hidden()
    form = page.get_by_role("form", name="Nhận thông báo qua thư điện tử")
    await form.get_by_label("Địa chỉ thư điện tử").fill("lan.nguyen@thcs-nguyendu.edu.vn")
    await form.get_by_label("Cách gửi").select_option("digest")
    await form.get_by_role("button", name="Lưu").click()
    await expect(page.locator("#notice")).to_have_text("Đã lưu cách nhận thông báo qua thư điện tử.")
    await expect(form.get_by_label("Cách gửi")).to_have_value("digest")
    await logout(page)

    # A new task for the school council's secretary: named in Vietnamese, and following its link reads it.
    async with httpx.AsyncClient(base_url=browsing.base, timeout=30) as api:
        clerk = await api_login(api, "clerk.school")
        nid = (await create(api, clerk, body(school, "GIAY_KHEN_XA", name="Phạm Thị Báo")))["id"]
        await task_for(api, await api_login(api, "council.school"), nid)
    await login(page, "council.school")
    await expect(bell).to_be_visible()
    unread = int(await bell.inner_text())
    await page.locator("#bell").click()
    item = page.locator("li.notification.unread").filter(has_text="Phạm Thị Báo")
    await expect(item).to_contain_text("Việc mới")
    await expect(item.locator(".notification-icon")).to_have_text("✚")
    await item.get_by_role("link", name="Xem hồ sơ").click()
    await page.wait_for_url(re.compile(rf"#/nominations/{nid}$"))
    if unread > 1:
        await expect(bell).to_have_text(str(unread - 1))
    else:
        await expect(bell).to_be_hidden()
    await page.locator("#bell").click()
    await expect(page.locator("li.notification.read").filter(has_text="Phạm Thị Báo")).to_have_count(1)
    browsing.clean()


async def test_inbox_filtered_two_chosen_and_approved_at_once(browsing: Browsing) -> None:
    """An appraiser filters the inbox, saves the filter, ticks two dossiers, approves both at once and
    reads the result panel; the saved view shows its count and can be deleted."""
    page, base = browsing.page, browsing.base
    names = ["Hà Thị Lọc", "Hà Văn Lọc", "Trương Văn Khác"]
    async with httpx.AsyncClient(base_url=base, timeout=30) as api:
        clerk = await api_login(api, "clerk.commune")
        unit = int((await api.get("/api/v1/me", headers=clerk)).json()["unit"]["id"])
        ids = [(await create(api, clerk, body(unit, "BANG_KHEN_TINH", name=n)))["id"] for n in names]
        council = await api_login(api, "council.commune")
        for nid in ids:
            assert await approve_step(api, council, await task_for(api, council, nid)) == "in_progress"
        appraiser = await api_login(api, "appraiser.home")
        for nid in ids:
            await task_for(api, appraiser, nid)

    confirms: list[str] = []

    async def on_dialog(dialog: Dialog) -> None:
        confirms.append(dialog.message)
        await dialog.accept()

    page.on("dialog", on_dialog)
    await login(page, "appraiser.home")
    await page.goto(f"{base}/#/inbox")
    await expect(page.get_by_role("heading", name="Việc cần xử lý", level=1)).to_be_visible()
    cards = page.locator("li.task")
    await expect(cards).to_have_count(3)
    await expect(page.locator(".view-chips a.chip").filter(has_text="Tất cả").locator(".chip-count")).to_have_text("3")

    filters = page.get_by_role("search", name="Lọc việc cần xử lý")
    await filters.get_by_label("Tìm kiếm").fill("ha loc")  # accents left out, as typed on a phone
    await filters.get_by_label("Sắp xếp").select_option("nominee_name")
    await filters.get_by_role("button", name="Lọc").click()
    await expect(cards).to_have_count(2)
    await expect(page.locator(".page-head .count")).to_have_text("2 việc phù hợp bộ lọc")
    await expect(cards.locator(".task-title")).to_have_text(["Hà Thị Lọc", "Hà Văn Lọc"])

    save = page.get_by_role("form", name="Lưu bộ lọc")
    await save.get_by_label("Tên bộ lọc").fill("Họ Hà")
    await save.get_by_role("button", name="Lưu bộ lọc").click()
    await expect(page.locator("#notice")).to_have_text("Đã lưu bộ lọc «Họ Hà» (2 việc).")
    chip = page.locator(".view-chips a.chip").filter(has_text="Họ Hà")
    await expect(chip).to_have_attribute("aria-current", "page")
    await expect(chip.locator(".chip-count")).to_have_text("2")

    await page.get_by_label("Chọn hồ sơ Hà Thị Lọc").check()
    await expect(page.locator(".bulk-count")).to_have_text("Đã chọn 1 hồ sơ")
    await page.get_by_label("Chọn hồ sơ Hà Văn Lọc").check()
    await expect(page.locator(".bulk-count")).to_have_text("Đã chọn 2 hồ sơ")
    await expect(page.get_by_label("Chọn tất cả trên trang")).to_be_checked()
    await shot(page, "30-inbox-filtered-chosen")
    await page.get_by_role("button", name="Duyệt các hồ sơ đã chọn").click()
    panel = page.locator("section.bulk-result")
    await expect(panel.get_by_role("heading", name="Kết quả xử lý nhiều hồ sơ")).to_be_visible()
    await expect(panel.get_by_role("status")).to_have_text("Đã duyệt 2 hồ sơ.")
    await expect(panel.locator(".bulk-done li")).to_have_count(2)
    await expect(panel.locator(".bulk-done li").first).to_contain_text(
        "Hà Thị Lọc: Đang xét duyệt, đã chuyển bước tiếp theo"
    )
    assert confirms == ["Duyệt 2 hồ sơ đã chọn?"], confirms
    # Both moved on to the provincial council: the filtered inbox is empty, the third task remains.
    await expect(cards).to_have_count(0)
    await expect(chip.locator(".chip-count")).to_have_text("0")
    await shot(page, "31-inbox-bulk-result")

    await page.get_by_role("button", name="Xoá bộ lọc «Họ Hà»").click()
    await expect(page.locator("#notice")).to_have_text("Đã xoá bộ lọc «Họ Hà».")
    await expect(page.locator(".view-chips a.chip").filter(has_text="Họ Hà")).to_have_count(0)
    await page.goto(f"{base}/#/inbox")
    await expect(cards).to_have_count(1)
    await expect(cards.first).to_contain_text(names[2])
    browsing.clean()


async def test_an_administrator_reads_a_workflows_events_beside_its_timeline(browsing: Browsing) -> None:
    page, base = browsing.page, browsing.base
    async with httpx.AsyncClient(base_url=base, timeout=30) as api:
        clerk = await api_login(api, "clerk.school")
        unit = int((await api.get("/api/v1/me", headers=clerk)).json()["unit"]["id"])
        nid = (await create(api, clerk, body(unit, "GIAY_KHEN_XA", name="Đoàn Văn Quy Trình")))["id"]
        council = await api_login(api, "council.school")
        await approve_step(api, council, await task_for(api, council, nid), comment="Hội đồng trường nhất trí")

    # From the dossier's page, beside the link to the Temporal UI.
    await login(page, "admin")
    await page.goto(f"{base}/#/nominations/{nid}")
    await page.get_by_role("link", name="Sự kiện quy trình").click()
    await expect(page.get_by_role("heading", name="Sự kiện quy trình", level=1)).to_be_visible()
    href = await page.locator("section.workflow-head a.temporal-link").get_attribute("href") or ""
    assert href.endswith(f"/namespaces/default/workflows/nomination-{nid}"), href
    readable, raw = page.locator("section.workflow-readable"), page.locator("section.workflow-raw")
    await expect(raw.locator("tr.raw-event").first).to_contain_text("WorkflowExecutionStarted")
    # Side by side on a wide screen.
    left, right = await readable.bounding_box(), await raw.bounding_box()
    assert left and right and left["x"] + left["width"] <= right["x"] and abs(left["y"] - right["y"]) < 5, (left, right)

    # The council's result, chosen in the timeline, lights up the Update that carried it and its
    # projection (a local activity's marker).
    approve = readable.locator("li.event.action-approve")
    await expect(approve).to_contain_text("Hội đồng trường nhất trí")
    await approve.locator("button.entry-pick").click()
    await expect(approve).to_have_class(re.compile(r"\bselected\b"))
    lit = raw.locator("tr.raw-event.linked")
    types = await lit.locator("code.event-type").all_inner_texts()
    assert {"WorkflowExecutionUpdateAccepted", "MarkerRecorded", "WorkflowExecutionUpdateCompleted"} <= set(types), (
        types
    )
    await expect(lit.filter(has_text="WorkflowExecutionUpdateAccepted")).to_contain_text("Nhận Update record_tally")
    await expect(lit.filter(has_text="WorkflowExecutionUpdateAccepted").first).to_be_visible()
    # The payload, decoded: the tally's minutes.
    accepted = lit.filter(has_text="WorkflowExecutionUpdateAccepted")
    await accepted.locator("summary", has_text="Dữ liệu").click()
    await expect(accepted.locator("pre")).to_contain_text("Biên bản họp Hội đồng")
    # The other way round: an event names its entry.
    await raw.locator("tr.raw-event").first.locator("button.event-pick").click()
    await expect(readable.locator("li.event.linked")).to_have_count(1)
    await expect(readable.locator("li.event.linked")).to_contain_text("Khởi động quy trình")
    await approve.locator("button.entry-pick").click()
    await shot(page, "70-workflow-events")
    # One above the other on a phone.
    await page.set_viewport_size({"width": 390, "height": 844})
    await page.reload()
    await expect(raw.get_by_role("heading", name="Sự kiện gốc (Temporal)")).to_be_visible()
    left, right = await readable.bounding_box(), await raw.bounding_box()
    assert left and right and left["y"] + left["height"] <= right["y"], (left, right)
    await page.screenshot(path=str(SHOTS / "71-workflow-events-phone.png"), full_page=True)
    await page.set_viewport_size({"width": 1280, "height": 900})
    await logout(page)

    # The clerk who proposed it sees the dossier, not its workflow's events.
    await login(page, "clerk.school")
    await page.goto(f"{base}/#/nominations/{nid}")
    await expect(page.get_by_role("heading", level=1)).to_contain_text("Đoàn Văn Quy Trình")
    await expect(page.get_by_role("link", name="Sự kiện quy trình")).to_have_count(0)
    await page.goto(f"{base}/#/admin/workflow/nominations/{nid}")
    await expect(page.get_by_role("alert")).to_contain_text(
        "Chỉ quản trị hệ thống mới xem được các sự kiện của quy trình."
    )
    browsing.clean()


async def test_a_returned_dossier_corrects_the_nominees_details_in_dd_mm_yyyy(browsing: Browsing) -> None:
    page, base = browsing.page, browsing.base
    async with httpx.AsyncClient(base_url=base, timeout=30) as api:
        clerk = await api_login(api, "clerk.school")
        unit = int((await api.get("/api/v1/me", headers=clerk)).json()["unit"]["id"])
        payload = body(unit, "GIAY_KHEN_XA", name="Vi Thị Sửa")
        payload["nominee"] |= {"position": "Giáo viên", "date_of_birth": "1980-12-01", "workplace": "Trường THCS"}
        nid = (await create(api, clerk, payload))["id"]
        council = await api_login(api, "council.school")
        task = await task_for(api, council, nid)
        r = await api.post(
            f"/api/v1/tasks/{task['id']}/complete",
            headers=council,
            json={"outcome": "return", "comment": "Ghi rõ chức vụ và nơi công tác"},
        )
        assert r.status_code == 200, r.text

    await login(page, "clerk.school")
    await page.goto(f"{base}/#/nominations/{nid}")
    form = page.locator("form").filter(has=page.get_by_role("heading", name="Chỉnh sửa và nộp lại"))
    # The details as the dossier holds them, the date as people write it (1 December, not 12 January).
    await expect(form.get_by_label("Chức vụ")).to_have_value("Giáo viên")
    await expect(form.get_by_label("Ngày sinh")).to_have_value("01/12/1980")
    await expect(form.get_by_label("Nơi công tác / địa chỉ")).to_have_value("Trường THCS")
    await form.get_by_label("Chức vụ").fill("Tổ trưởng chuyên môn Toán")
    await form.get_by_label("Nơi công tác / địa chỉ").fill("Trường THCS Nguyễn Du, xã Biển Hồ")
    await form.get_by_label("Ngày sinh").fill("31/11/1980")
    await form.get_by_role("button", name="Nộp lại hồ sơ").click()
    await expect(page.get_by_role("alert")).to_contain_text("Ngày sinh phải nhập theo dạng dd/mm/yyyy")
    await expect(form.get_by_label("Ngày sinh")).to_have_attribute("aria-invalid", "true")
    await form.get_by_label("Ngày sinh").fill("2/12/1980")
    await shot(page, "80-resubmit-nominee")
    await form.get_by_role("button", name="Nộp lại hồ sơ").click()
    await expect(page.locator("#notice")).to_have_text("Đã nộp lại hồ sơ.")
    facts = page.locator("dl.facts")
    await expect(facts).to_contain_text("Tổ trưởng chuyên môn Toán")
    await expect(facts).to_contain_text("02/12/1980")
    await expect(facts).to_contain_text("Trường THCS Nguyễn Du, xã Biển Hồ")
    await shot(page, "81-dossier-nominee")
    browsing.clean()


async def test_a_search_of_thousands_says_about_how_many_and_pages_on(
    browsing: Browsing, owner_engine: AsyncEngine
) -> None:
    """A word on one dossier in three of four thousand: the list walks its order for the newest and
    says its count as an estimate ("khoảng"), and the pager still offers the next page."""
    page = browsing.page
    await insert_dossiers(
        owner_engine, 4000, prefix="nomination-many-",
        name="CASE WHEN i % 3 = 0 THEN 'Phó Văn ' ELSE 'Lê Thị ' END || i",
        search="CASE WHEN i % 3 = 0 THEN 'pho van ' ELSE 'le thi ' END || i || ' xuat sac'",
    )  # fmt: skip

    await login(page, "admin")
    await page.goto(f"{browsing.base}/#/nominations?q=pho%20van")
    status = page.get_by_role("status").filter(has_text="Tìm thấy")
    await expect(status).to_have_text(re.compile(r"^Tìm thấy khoảng \d{1,3}(\.\d{3})* hồ sơ\.$"))
    # The estimate is near the 1,333 matches (two significant digits).
    shown = int(re.sub(r"\D", "", await status.inner_text()))
    assert 900 <= shown <= 1800 and shown % 10 == 0
    pager = page.get_by_role("navigation", name="Phân trang")
    await expect(pager).to_contain_text("1–20 / khoảng")
    await expect(page.locator("tbody tr").first).to_contain_text(re.compile(r"Phó Văn 3(?!\d)"))
    await pager.get_by_role("link", name="Trang sau ›").click()
    await expect(pager).to_contain_text("21–40 / khoảng")
    # The next page's newest: the 21st match (one dossier in three, newest first).
    await expect(page.locator("tbody tr").first).to_contain_text(re.compile(r"Phó Văn 63(?!\d)"))
    await shot(page, "nominations-search-estimated")
    browsing.clean()
