"""The Vietnamese web UI in a real browser (Debian chromium via Playwright).

A live uvicorn server runs the real app inside the test's event loop, with a real worker on the
time-skipping Temporal test server and the seeded PostgreSQL. The scenario walks one nomination
of the commune route from the clerk's form to the award, as users would: both council secretaries
record their meeting's tally, the chairperson signs, and the detail shows the ballot results. A
second one (with a name that looks like markup) goes to an electronic ballot that too few members
join (void), is returned, resubmitted and withdrawn; a third fails the school council's vote.
A screenshot of the inbox goes to thidua-ui.png in the system's temporary directory; THIDUA_UI_SHOTS=<dir> keeps one of every screen.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import socket
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
import uvicorn
from argon2 import PasswordHasher
from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col
from temporalio.testing import WorkflowEnvironment

from models.tables import RoleAssignment, Unit, User
from service.app import create_app
from service.core.settings import Settings
from tests.support.helpers import new_worker

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip(
        f"{CHROMIUM} not found: run `python -m tests.support.browser_setup` as root (apt-get install chromium)",
        allow_module_level=True,
    )

from playwright.async_api import Browser, Dialog, Locator, Page, async_playwright, expect  # noqa: E402

# These tests change reference data (units, users, council members, plans): each gets its own database.
pytestmark = pytest.mark.own_database

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOT = Path(tempfile.gettempdir()) / "thidua-ui.png"
NOMINEE = "Nguyễn Thị Bình"
OUTVOTED = "Trịnh Văn Thiếu"
HOSTILE = "<img src=x onerror=alert(1)>"
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
COMMUNE_ROUTE = ["council.school", "council.commune", "chair.commune"]
SCHOOL_COUNCIL = "GL-BH-THCS-HDTDKT"
MINUTES = "Biên bản số 01"
# Set to a directory to keep a screenshot of every screen the scenario visits (for reviewing the layout).
SHOTS_DIR = os.environ.get("THIDUA_UI_SHOTS")


async def shot(page: Page, name: str) -> None:
    if SHOTS_DIR:
        await page.screenshot(path=str(Path(SHOTS_DIR) / f"{name}.png"), full_page=True)


@contextlib.asynccontextmanager
async def live_server(
    database_url: str,
    env: WorkflowEnvironment,
    engine: AsyncEngine,
    clock: Callable[[], datetime] | None = None,
    **settings_overrides: object,
) -> AsyncIterator[str]:
    """The real app on a free 127.0.0.1 port, and a real worker, both in this event loop."""
    task_queue = f"tq-ui-{uuid.uuid4()}"
    settings = Settings.model_validate(
        {"env": "test", "DATABASE_URL": database_url, "task_queue": task_queue, **settings_overrides}
    )
    app = create_app(settings, temporal=env.client, clock=clock)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    async with new_worker(env.client, engine, task_queue):
        serving = asyncio.create_task(server.serve(sockets=[sock]))
        try:
            deadline = time.monotonic() + 20
            while not server.started:
                if serving.done():
                    serving.result()  # raise the startup error
                    raise RuntimeError("uvicorn stopped before it started")
                if time.monotonic() > deadline:
                    raise TimeoutError("uvicorn did not start within 20 s")
                await asyncio.sleep(0.05)
            yield f"http://127.0.0.1:{port}"
        finally:
            server.should_exit = True
            await serving
            sock.close()


async def login(page: Page, username: str, password: str = "demo") -> None:
    await expect(page.get_by_role("heading", name="Đăng nhập")).to_be_visible()
    await page.get_by_label("Tên đăng nhập").fill(username)
    await page.get_by_label("Mật khẩu").fill(password)
    await page.get_by_role("button", name="Đăng nhập").click()
    await expect(page.get_by_role("button", name="Đăng xuất")).to_be_visible()


async def logout(page: Page) -> None:
    await page.get_by_role("button", name="Đăng xuất").click()
    await expect(page.get_by_role("heading", name="Đăng nhập")).to_be_visible()
    await expect(page.locator("#notice")).to_have_text("Bạn đã đăng xuất.")


async def add_council_members(engine: AsyncEngine, unit_code: str, count: int) -> tuple[list[str], list[int]]:
    """Members of this test only (password "demo"), so the ballot does not depend on the demo roster."""
    password_hash = PasswordHasher().hash("demo")
    usernames: list[str] = []
    ids: list[int] = []
    async with engine.begin() as conn:
        unit = (await conn.execute(select(col(Unit.id)).where(col(Unit.code) == unit_code))).scalar_one()
        for i in range(count):
            username = f"ui{uuid.uuid4().hex[:10]}"
            user_id = (
                await conn.execute(
                    insert(User)
                    .values(username=username, full_name=f"Thành viên thử {i + 1}", password_hash=password_hash,
                            unit_id=unit, is_active=True)
                    .returning(col(User.id))
                )
            ).scalar_one()  # fmt: skip
            assert user_id is not None
            await conn.execute(insert(RoleAssignment).values(user_id=user_id, role="council_member", unit_id=unit))
            usernames.append(username)
            ids.append(user_id)
    return usernames, ids


async def open_task_card(page: Page, base: str, nominee: str) -> Locator:
    """The inbox card of the nominee's open task, reloading while the workflow creates it."""
    deadline = time.monotonic() + 20
    while True:
        await page.goto(f"{base}/#/inbox")
        await expect(page.get_by_role("heading", name="Việc cần xử lý", level=1)).to_be_visible()
        card = page.locator("li.task").filter(has=page.get_by_role("heading", name=nominee, exact=True))
        if await card.count() == 1:
            return card
        if time.monotonic() > deadline:
            raise AssertionError(f"no open task for {nominee!r} in the inbox")
        await page.wait_for_timeout(200)


async def record_tally(
    page: Page, base: str, username: str, nominee: str, comment: str, first: bool = False, signed_in: bool = False
) -> None:
    """The council secretary records a unanimous meeting: a council step has no plain "Đồng ý"."""
    if not signed_in:
        await login(page, username)
    card = await open_task_card(page, base, nominee)
    due = (await card.locator(".due time").inner_text()).strip()
    assert re.fullmatch(r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}", due), due
    await expect(card.get_by_role("button", name="Đồng ý", exact=True)).to_have_count(0)
    await expect(card.get_by_role("button", name="Mở bỏ phiếu điện tử")).to_be_visible()
    form = card.get_by_role("form", name="Ghi kết quả họp Hội đồng")
    members_box = form.get_by_label("Tổng số thành viên")
    prefilled = (await members_box.input_value()).strip()
    members = int(prefilled) if prefilled and int(prefilled) > 0 else 5
    await members_box.fill(str(members))
    await form.get_by_label("Số thành viên có mặt").fill(str(members))
    await form.get_by_label("Phiếu không đồng ý", exact=True).fill("0")
    await form.get_by_label("Số, ký hiệu biên bản").fill(MINUTES)
    await form.get_by_label("Ghi chú kết quả họp").fill(comment)
    if first:
        # More votes than members present: refused, with the problem's Vietnamese detail.
        await form.get_by_label("Phiếu đồng ý", exact=True).fill(str(members + 1))
        await expect(form.locator(".tally-summary")).to_contain_text(f"Đồng ý: {members + 1}")
        await page.screenshot(path=str(SCREENSHOT), full_page=True)
        await shot(page, "10-tally-form")
        await form.get_by_role("button", name="Ghi kết quả họp").click()
        await expect(page.get_by_role("alert")).to_have_text("Số phiếu tại hội nghị lớn hơn số thành viên có mặt.")
    await form.get_by_label("Phiếu đồng ý", exact=True).fill(str(members))
    await form.get_by_role("button", name="Ghi kết quả họp").click()
    notice = page.locator("#notice")
    await expect(notice).to_contain_text("Đã ghi kết quả họp Hội đồng")
    await expect(notice).to_contain_text(f"Đạt: {members}/{members} phiếu đồng ý")
    await expect(notice).to_contain_text("Hồ sơ đã chuyển sang bước tiếp theo.")
    await expect(page.locator("li.task").filter(has_text=nominee)).to_have_count(0)
    await logout(page)


async def create_nomination(page: Page, nominee: str, achievements: str, criteria: str) -> str:
    await page.get_by_role("link", name="Tạo đề nghị").first.click()
    await expect(page.get_by_role("heading", name="Tạo đề nghị khen thưởng")).to_be_visible()
    await page.get_by_label("Hình thức khen thưởng").select_option("GIAY_KHEN_XA")
    preview = page.locator(".route-preview .route-step")
    await expect(preview).to_have_count(3)
    await expect(preview.first).to_contain_text("ngày làm việc")
    await page.get_by_label("Loại đối tượng").select_option("individual")
    await page.get_by_label("Tên đối tượng").fill(nominee)
    await page.get_by_label("Kỳ xét", exact=True).select_option("annual")
    await page.get_by_label("Năm").fill("2025")
    await page.get_by_label("Thành tích").fill(achievements)
    await page.get_by_label("Tiêu chuẩn đã đạt").fill(criteria)
    await shot(page, "02-create")
    await page.get_by_role("button", name="Nộp hồ sơ").click()
    await page.wait_for_url(re.compile(r"#/nominations/[0-9a-f-]{36}$"))
    await expect(page.locator("#notice")).to_have_text("Đã nộp hồ sơ đề nghị khen thưởng.")
    await expect(page.get_by_role("heading", level=1)).to_have_text(nominee)
    return page.url.rsplit("/", 1)[1]


async def test_nomination_through_the_browser(
    database_url: str, engine: AsyncEngine, owner_engine: AsyncEngine, env: WorkflowEnvironment
) -> None:
    # Three members of the school council for this test: one voting alone leaves the ballot without quorum.
    # Councils are reference data: set up as the owner role, as the seed does.
    members, member_ids = await add_council_members(owner_engine, SCHOOL_COUNCIL, 3)
    try:
        await browser_scenario(database_url, engine, env, members)
    finally:
        # Later tests count the council's members: these leave the council again.
        async with owner_engine.begin() as conn:
            await conn.execute(delete(RoleAssignment).where(col(RoleAssignment.user_id).in_(member_ids)))


async def browser_scenario(
    database_url: str, engine: AsyncEngine, env: WorkflowEnvironment, members: list[str]
) -> None:
    async with live_server(database_url, env, engine) as base, async_playwright() as p:
        browser: Browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page(viewport={"width": 1280, "height": 900}, locale="vi-VN")
            page.set_default_timeout(15_000)
            page_errors: list[str] = []
            console_errors: list[str] = []
            alerts: list[str] = []
            confirms: list[str] = []
            idempotency_keys: list[str | None] = []
            page.on("pageerror", lambda exc: page_errors.append(str(exc)))
            page.on("console", lambda msg: console_errors.append(msg.text) if msg.type == "error" else None)

            async def on_dialog(dialog: Dialog) -> None:
                # The page asks confirm() before a withdrawal; an alert() would be injected script.
                if dialog.type == "confirm":
                    confirms.append(dialog.message)
                    await dialog.accept()
                else:
                    alerts.append(dialog.message)
                    await dialog.dismiss()

            page.on("dialog", on_dialog)
            page.on(
                "request",
                lambda r: (
                    idempotency_keys.append(r.headers.get("idempotency-key"))
                    if r.method == "POST" and r.url.endswith("/api/v1/nominations")
                    else None
                ),
            )

            # The page: Vietnamese, titled, with strict security headers.
            response = await page.goto(f"{base}/")
            assert response is not None and response.ok
            assert "default-src 'self'" in response.headers["content-security-policy"]
            assert response.headers["x-content-type-options"] == "nosniff"
            assert response.headers["referrer-policy"] == "no-referrer"
            assert await page.get_attribute("html", "lang") == "vi"
            assert await page.title() == "Đăng nhập – Thi đua – Khen thưởng"

            # A wrong password: the problem's Vietnamese detail in the alert.
            await page.get_by_label("Tên đăng nhập").fill("clerk.school")
            await page.get_by_label("Mật khẩu").fill("sai-mat-khau")
            await page.get_by_role("button", name="Đăng nhập").click()
            await expect(page.get_by_role("alert")).to_have_text("Tên đăng nhập hoặc mật khẩu không đúng.")
            await shot(page, "01-login-error")

            # The clerk signs in: name, unit and role shown; creates the nomination through the form.
            await page.get_by_label("Mật khẩu").fill("demo")
            await page.get_by_role("button", name="Đăng nhập").click()
            await expect(page.locator("#user-name")).to_have_text("Nguyễn Thị Lan")
            await expect(page.locator("#user-unit")).to_have_text("Trường THCS Nguyễn Du")
            await expect(page.locator("#user-roles")).to_contain_text("Cán bộ thi đua")
            assert await page.evaluate("sessionStorage.getItem('thidua.token')")
            nomination_id = await create_nomination(
                page,
                NOMINEE,
                "Giáo viên dạy giỏi cấp xã; tích cực xây dựng xã hội học tập.",
                "Hoàn thành xuất sắc nhiệm vụ\nCông dân học tập",
            )
            await expect(page.locator(".badge.status-in_progress")).to_have_text("Đang xét duyệt")
            current = page.locator(".route-step[aria-current=step]")
            await expect(current).to_have_count(1)
            await expect(current).to_contain_text("Trường THCS Nguyễn Du")
            await expect(page.locator(".criteria li")).to_have_count(2)
            await shot(page, "03-detail-new")
            assert idempotency_keys and idempotency_keys[0] and UUID_RE.match(idempotency_keys[0])

            # A hostile name is text, never markup: no img element anywhere, no alert().
            await create_nomination(page, HOSTILE, "Thử kiểm tra an toàn.", "")
            await expect(page.get_by_role("heading", level=1)).to_have_text(HOSTILE)
            outvoted_id = await create_nomination(page, OUTVOTED, "Thử biểu quyết không đạt.", "")
            await page.get_by_role("link", name="Hồ sơ đề nghị").first.click()
            await expect(page.get_by_role("link", name=HOSTILE)).to_be_visible()
            await expect(page.get_by_role("link", name=NOMINEE)).to_be_visible()
            assert await page.locator("img").count() == 0
            assert len(set(idempotency_keys)) == 3  # one key per form fill
            await shot(page, "04-list")

            # List filters and search.
            await page.get_by_label("Tìm kiếm").fill("Bình")
            await page.get_by_role("button", name="Lọc").click()
            await expect(page.get_by_role("link", name=NOMINEE)).to_be_visible()
            await expect(page.get_by_role("link", name=HOSTILE)).to_have_count(0)
            await logout(page)

            # A council meeting where most vote against: the nomination ends, and the page says so plainly.
            await login(page, COMMUNE_ROUTE[0])
            card = await open_task_card(page, base, OUTVOTED)
            form = card.get_by_role("form", name="Ghi kết quả họp Hội đồng")
            prefilled = (await form.get_by_label("Tổng số thành viên").input_value()).strip()
            council_size = int(prefilled) if prefilled and int(prefilled) > 0 else 5
            await form.get_by_label("Tổng số thành viên").fill(str(council_size))
            await form.get_by_label("Số thành viên có mặt").fill(str(council_size))
            await form.get_by_label("Phiếu đồng ý", exact=True).fill("1")
            await form.get_by_label("Phiếu không đồng ý", exact=True).fill(str(council_size - 1))
            await form.get_by_label("Số, ký hiệu biên bản").fill("Biên bản số 02")
            await form.get_by_role("button", name="Ghi kết quả họp").click()
            notice = page.locator("#notice")
            await expect(notice).to_contain_text(f"Không đạt: 1/{council_size} phiếu đồng ý")
            await expect(notice).to_contain_text("Hồ sơ không được khen thưởng.")
            await expect(notice).to_have_class(re.compile(r"\bnotice-warn\b"))
            await page.goto(f"{base}/#/nominations/{outvoted_id}")
            await expect(page.locator(".page-head .badge")).to_have_text("Không được khen thưởng")
            await expect(page.locator(".result-rejected")).to_contain_text(f"Không đạt: 1/{council_size} phiếu đồng ý")
            await expect(page.locator("table.ballots tr.ballot-row .badge")).to_have_text("Không đạt")
            await shot(page, "09-detail-rejected")

            # The route: each council secretary records the meeting's tally, the chairperson signs.
            await record_tally(
                page, base, COMMUNE_ROUTE[0], NOMINEE, "Hội đồng trường nhất trí.", first=True, signed_in=True
            )
            await record_tally(page, base, COMMUNE_ROUTE[1], NOMINEE, "Hội đồng xã nhất trí.")
            await login(page, COMMUNE_ROUTE[2])
            await expect(page.locator("#user-roles")).to_contain_text("Chủ tịch")
            assert await page.locator("img").count() == 0
            card = await open_task_card(page, base, NOMINEE)
            await card.get_by_role("button", name="Đồng ý", exact=True).click()
            await expect(page.locator("#notice")).to_contain_text("Đã ghi nhận ý kiến «Đồng ý»")

            # The detail: awarded, with the timeline of what happened.
            deadline = time.monotonic() + 20
            while True:
                await page.goto(f"{base}/#/nominations/{nomination_id}")
                await expect(page.get_by_role("heading", level=1)).to_have_text(NOMINEE)
                if await page.locator(".page-head .badge").inner_text() == "Đã khen thưởng":
                    break
                assert time.monotonic() < deadline, "the nomination was never shown as awarded"
                await page.wait_for_timeout(200)
            timeline = page.locator(".timeline")
            actions = [a.strip() for a in await timeline.locator(".event-action").all_inner_texts()]
            for label in ("Khởi động quy trình", "Nộp hồ sơ", "Quyết định khen thưởng"):
                assert label in actions, actions
            assert actions.count("Đồng ý") == 3, actions
            await expect(timeline).to_contain_text("Hội đồng trường nhất trí.")
            await expect(timeline).to_contain_text("Phạm Văn Minh")
            await expect(page.locator(".route-step.step-done")).to_have_count(3)
            # The ballot results: one meeting per council, both passed, with the minutes.
            await expect(page.get_by_role("heading", name="Kết quả bỏ phiếu")).to_be_visible()
            ballot_rows = page.locator("table.ballots tr.ballot-row")
            await expect(ballot_rows).to_have_count(2)
            for i in range(2):
                row = ballot_rows.nth(i)
                await expect(row.locator(".badge")).to_have_text("Đạt")
                await expect(row).to_contain_text("Họp Hội đồng")
                await expect(row).to_contain_text(f"Biên bản: {MINUTES}")
            groups = page.locator("table.ballots .ballot-group")
            await expect(groups).to_have_count(2)
            await expect(groups.first).to_contain_text("Trường THCS Nguyễn Du")
            await expect(groups.last).to_contain_text("xã Biển Hồ")
            await expect(page.locator("table.ballots .ballot-reason-row").first).to_contain_text("Đạt: ")
            # The chairperson is not the proposing clerk: no withdraw or resubmit.
            await expect(page.get_by_role("button", name="Rút hồ sơ")).to_have_count(0)
            await shot(page, "05-detail-awarded")
            await page.set_viewport_size({"width": 375, "height": 800})
            await shot(page, "06-detail-narrow")
            await page.set_viewport_size({"width": 1280, "height": 900})

            await logout(page)

            # An electronic ballot on the second dossier: the secretary opens it, a member votes (secretly).
            await login(page, COMMUNE_ROUTE[0])
            card = await open_task_card(page, base, HOSTILE)
            await card.get_by_role("button", name="Mở bỏ phiếu điện tử").click()
            await expect(notice).to_contain_text("Đã mở bỏ phiếu điện tử")
            card = await open_task_card(page, base, HOSTILE)
            await expect(card.get_by_role("button", name="Kết thúc bỏ phiếu")).to_be_visible()
            await expect(card.get_by_role("button", name="Trả lại")).to_have_count(0)
            await shot(page, "11-ballot-open")
            await logout(page)

            await login(page, members[0])
            await expect(page.get_by_role("heading", name="Bỏ phiếu", exact=True)).to_be_visible()
            # A ballot to vote in is work: the inbox count says so.
            await expect(page.locator(".page-head .count")).to_contain_text("1 phiếu bầu chưa bỏ")
            ballot = page.locator("li.ballot-card").filter(has=page.get_by_role("heading", name=HOSTILE, exact=True))
            await expect(ballot).to_have_count(1)
            await shot(page, "12-ballot-member")
            await ballot.get_by_role("button", name="Đồng ý", exact=True).click()
            await expect(notice).to_contain_text("Đã ghi nhận phiếu bầu của bạn")
            await expect(ballot).to_contain_text("Bạn đã bỏ phiếu")
            await expect(ballot.get_by_role("button")).to_have_count(0)
            # After a reload the server still knows this seat voted (never how): no second vote is offered.
            await page.reload()
            await expect(ballot).to_contain_text("Bạn đã bỏ phiếu")
            await expect(ballot.get_by_role("button")).to_have_count(0)
            # While open, the detail shows that it is open, never a split.
            await ballot.get_by_role("link", name=HOSTILE).click()
            open_row = page.locator("table.ballots tr.ballot-row")
            await expect(open_row).to_have_count(1)
            await expect(open_row.locator(".badge")).to_have_text("Đang bỏ phiếu")
            # No split while open: the "Đồng ý" and "Không đồng ý" cells are dashes.
            await expect(open_row.locator("td.num").nth(2)).to_have_text("—")
            await expect(open_row.locator("td.num").nth(3)).to_have_text("—")
            await shot(page, "13-detail-ballot-open")
            assert await page.locator("img").count() == 0
            await logout(page)

            # One of three or more members took part: no quorum, the ballot is void and the step stays.
            await login(page, COMMUNE_ROUTE[0])
            card = await open_task_card(page, base, HOSTILE)
            # While open the secretary sees how many have voted, never how.
            await expect(card.locator(".ballot-progress")).to_contain_text("Đã bỏ phiếu: 1/")
            await card.get_by_role("button", name="Kết thúc bỏ phiếu").click()
            await expect(notice).to_contain_text("kết quả không hợp lệ")
            await expect(notice).to_contain_text("Không đủ số thành viên tham gia: 1/")
            await expect(notice).to_have_class(re.compile(r"\bnotice-warn\b"))
            card = await open_task_card(page, base, HOSTILE)
            await expect(card.locator(".void-note")).to_contain_text("Không đủ số thành viên tham gia")
            await shot(page, "14-ballot-void")

            # A returned dossier: the clerk's revision task, resubmission, then withdrawal.
            await card.get_by_label("Ý kiến").fill("Đề nghị bổ sung minh chứng.")
            await card.get_by_role("button", name="Trả lại").click()
            await expect(page.locator("#notice")).to_contain_text("Đã ghi nhận ý kiến «Trả lại»")
            await logout(page)
            await login(page, "clerk.school")
            card = await open_task_card(page, base, HOSTILE)
            await expect(card.get_by_role("button", name="Đồng ý")).to_have_count(0)
            # The reason for the return is on the clerk's card and beside the resubmit form.
            await expect(card.locator(".return-reason")).to_contain_text("Đề nghị bổ sung minh chứng.")
            await card.get_by_role("link", name="Chỉnh sửa và nộp lại hồ sơ").click()
            badge = page.locator(".page-head .badge")
            await expect(badge).to_have_text("Trả lại để chỉnh sửa")
            await page.get_by_role("textbox", name="Thành tích", exact=True).fill(
                "Thử kiểm tra an toàn; đã bổ sung minh chứng."
            )
            await expect(page.locator("form .return-reason")).to_contain_text("Đề nghị bổ sung minh chứng.")
            await page.get_by_label("Ý kiến giải trình").fill("Đã bổ sung theo yêu cầu.")
            await shot(page, "08-resubmit")
            await page.get_by_role("button", name="Nộp lại hồ sơ").click()
            await expect(page.locator("#notice")).to_have_text("Đã nộp lại hồ sơ.")
            await expect(badge).to_have_text("Đang xét duyệt")
            await expect(page.locator(".prewrap").first).to_have_text("Thử kiểm tra an toàn; đã bổ sung minh chứng.")
            actions = [a.strip() for a in await page.locator(".timeline .event-action").all_inner_texts()]
            assert "Trả lại" in actions and "Nộp lại" in actions, actions
            await expect(page.locator(".timeline")).to_contain_text("Đề nghị bổ sung minh chứng.")
            assert "Mở bỏ phiếu" in actions and "Bỏ phiếu không hợp lệ" in actions, actions
            void_row = page.locator("table.ballots tr.ballot-row")
            await expect(void_row).to_have_count(1)
            await expect(void_row.locator(".badge")).to_have_text("Không đủ số thành viên tham gia")
            await expect(void_row).to_contain_text("Bỏ phiếu điện tử")
            await expect(page.locator(".timeline")).not_to_contain_text("Thành viên thử")  # the vote is secret
            await page.get_by_label("Lý do rút hồ sơ").fill("Đơn vị rút để xét vào năm sau.")
            await page.get_by_role("button", name="Rút hồ sơ").click()
            await expect(page.locator("#notice")).to_have_text("Đã rút hồ sơ.")
            await expect(badge).to_have_text("Đã rút")
            await expect(page.get_by_role("button", name="Rút hồ sơ")).to_have_count(0)
            assert confirms == [
                "Kết thúc bỏ phiếu? Kết quả được tính theo số phiếu đã nhận.",
                "Rút hồ sơ này? Hồ sơ đã rút sẽ không được xét tiếp.",
            ], confirms
            assert await page.locator("img").count() == 0

            # An expired or forged token: back to the login screen with the problem's detail.
            await page.evaluate("sessionStorage.setItem('thidua.token', 'forged')")
            await page.goto(f"{base}/#/nominations")
            await page.reload()
            await expect(page.get_by_role("heading", name="Đăng nhập")).to_be_visible()
            await expect(page.get_by_role("alert")).not_to_be_empty()

            # A narrow screen still shows the login form usably.
            await page.set_viewport_size({"width": 375, "height": 800})
            box = await page.get_by_label("Tên đăng nhập").bounding_box()
            await shot(page, "07-login-narrow")
            assert box is not None and box["width"] <= 375

            assert not page_errors, page_errors
            assert not alerts, alerts
            assert not [m for m in console_errors if "Content Security Policy" in m], console_errors
        finally:
            await browser.close()


async def test_chairperson_signs_one_decision_for_three_and_downloads_its_pdf(
    database_url: str, engine: AsyncEngine, env: WorkflowEnvironment, tmp_path: Path
) -> None:
    """Three commune awards brought to the signing step over the API; the chairperson selects them in
    "Ký quyết định", signs once, lands on the decision and downloads its PDF. A later dossier of one of
    them shows, next to the catalogue's criterion that asks for that award, the decision that gave it."""
    import httpx

    from tests.support import api as api_steps
    from tests.support.catalogue import CRITERION, CRITERION_TEXT, deploy_with_award_criterion
    from tests.support.documents import need_font, need_poppler, nfc, pdf_text

    need_font()
    need_poppler()
    names = ["Hoàng Thị Lan", "Đỗ Văn Minh", "Lý Thị Ngọc"]
    deploy = deploy_with_award_criterion(tmp_path)
    async with live_server(database_url, env, engine, deploy_dir=str(deploy)) as base, async_playwright() as p:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            clerk = await api_steps.login(http, "clerk.school")
            unit = await api_steps.school_unit(http, clerk)
            ids = [
                (await api_steps.create(http, clerk, api_steps.body(unit, "GIAY_KHEN_XA", name=n)))["id"] for n in names
            ]
            for username in COMMUNE_ROUTE[:2]:
                headers = await api_steps.login(http, username)
                for nid in ids:
                    await api_steps.approve_step(http, headers, await api_steps.task_for(http, headers, nid))
            chair = await api_steps.login(http, "chair.commune")
            for nid in ids:
                await api_steps.task_for(http, chair, nid)
        browser: Browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page(
                viewport={"width": 1280, "height": 900}, locale="vi-VN", accept_downloads=True
            )
            page.set_default_timeout(15_000)
            page_errors: list[str] = []
            page.on("pageerror", lambda exc: page_errors.append(str(exc)))
            page.on("dialog", lambda dialog: asyncio.ensure_future(dialog.accept()))
            await page.goto(f"{base}/")
            await login(page, "chair.commune")
            await page.get_by_role("link", name="Ký quyết định").click()
            await expect(page.get_by_role("heading", name="Ký quyết định", level=1)).to_be_visible()
            for name in names:
                await page.get_by_label(f"Chọn {name}").check()
            await shot(page, "40-sign")
            await page.get_by_role("button", name="Ký quyết định").click()
            await page.wait_for_url(re.compile(r"#/decisions/[0-9a-f-]{36}$"))
            heading = page.get_by_role("heading", level=1)
            await expect(heading).to_have_text(re.compile(r"^Quyết định số \d{2}/QĐ-UBND$"))
            number = (await heading.inner_text()).removeprefix("Quyết định số ")
            await expect(page.locator("#notice")).to_contain_text(f"Đã ký Quyết định số {number} cho 3 hồ sơ.")
            table = page.get_by_role("table")
            for name in names:
                await expect(table).to_contain_text(name)
            # dd/mm/yyyy HH:mm, Asia/Ho_Chi_Minh.
            assert re.fullmatch(
                r"\d{2}/\d{2}/\d{4} \d{2}:\d{2}", (await page.locator(".facts time").first.inner_text()).strip()
            )
            await shot(page, "41-decision")
            async with page.expect_download() as download_info:
                await page.get_by_role("button", name="Tải PDF").click()
            download = await download_info.value
            saved = tmp_path / download.suggested_filename
            await download.save_as(saved)
            assert saved.name.endswith(".pdf")
            text = nfc(pdf_text(saved.read_bytes(), tmp_path))
            assert f"Số: {number}" in text and all(n in text for n in names)
            await page.get_by_role("button", name="Kiểm tra chữ ký số").click()
            await expect(page.locator("#verification")).to_contain_text("Bản điện tử chưa ký số")
            # The register finds them, without diacritics.
            await page.get_by_role("link", name="Sổ khen thưởng").click()
            await page.get_by_label("Tìm kiếm").fill("hoang thi lan")
            await page.get_by_role("button", name="Tìm").click()
            await expect(page.get_by_role("table")).to_contain_text("Hoàng Thị Lan")
            await expect(page.get_by_role("table")).to_contain_text(number)
            # A later dossier: the clerk names the criterion by its code; the register answers next to it.
            async with httpx.AsyncClient(base_url=base, timeout=30) as http:
                clerk = await api_steps.login(http, "clerk.school")
                criteria = [{"code": CRITERION, "text": "Đã có Giấy khen của xã", "met": True}]
                later = await api_steps.create(
                    http, clerk, api_steps.body(unit, "BANG_KHEN_TINH", name="Hoàng Thị Lan", criteria=criteria)
                )
                newcomer = await api_steps.create(
                    http, clerk, api_steps.body(unit, "BANG_KHEN_TINH", name="Mạc Văn Tú")
                )
            await logout(page)
            await login(page, "clerk.school")
            await page.goto(f"{base}/#/nominations/{later['id']}")
            item = page.locator(".criteria li", has_text="Đã có Giấy khen của xã")
            await expect(item.locator(".award-check-found")).to_have_text(
                re.compile(
                    rf"^Đã có: Giấy khen của Chủ tịch UBND xã, QĐ số {re.escape(number)} ngày \d{{2}}/\d{{2}}/\d{{4}}$"
                )
            )
            await shot(page, "42-award-check-found")
            await page.goto(f"{base}/#/nominations/{newcomer['id']}")
            checks = page.locator(".award-checks li")
            await expect(checks).to_have_count(1)
            await expect(checks).to_contain_text(CRITERION_TEXT)
            await expect(checks.locator(".award-check-missing")).to_have_text("Chưa thấy trong sổ khen thưởng")
            await shot(page, "43-award-check-missing")
            assert not page_errors, page_errors
        finally:
            await browser.close()


async def test_the_provincial_chair_downloads_the_forward_letter_at_the_submit_step(
    database_url: str, engine: AsyncEngine, env: WorkflowEnvironment, tmp_path: Path
) -> None:
    """A Prime Minister's Bằng khen dossier brought over the API to the province's submit step (inside the
    Gia Lai plan's 2025 window); its head opens it and downloads the letter (tờ trình) forwarding it."""
    import httpx

    from tests.support import api as api_steps
    from tests.support.documents import need_font, need_poppler, nfc, pdf_text

    need_font()
    need_poppler()
    now = datetime(2025, 8, 4, 2, 0, tzinfo=UTC)
    async with live_server(database_url, env, engine, clock=lambda: now) as base, async_playwright() as p:
        async with httpx.AsyncClient(base_url=base, timeout=30) as http:
            clerk = await api_steps.login(http, "clerk.school")
            unit = await api_steps.school_unit(http, clerk)
            body = {**api_steps.body(unit, "BANG_KHEN_THU_TUONG", name="Võ Thị Sáu"),
                    "period": {"kind": "preliminary_review", "year": 2025}}  # fmt: skip
            nid = (await api_steps.create(http, clerk, body))["id"]
            for username in ["council.school", "council.commune", "appraiser.home", "council.province"]:
                headers = await api_steps.login(http, username)
                await api_steps.approve_step(http, headers, await api_steps.task_for(http, headers, nid))
            chair = await api_steps.login(http, "chair.province")
            assert (await api_steps.task_for(http, chair, nid))["step"] == "submit:GL"
        browser: Browser = await p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = await browser.new_page(
                viewport={"width": 1280, "height": 900}, locale="vi-VN", accept_downloads=True
            )
            page.set_default_timeout(15_000)
            page_errors: list[str] = []
            page.on("pageerror", lambda exc: page_errors.append(str(exc)))
            await page.goto(f"{base}/")
            await login(page, "chair.province")
            await page.goto(f"{base}/#/nominations/{nid}")
            await expect(page.get_by_role("heading", name="Tờ trình đề nghị cấp trên khen thưởng")).to_be_visible()
            await shot(page, "50-forward-letter")
            async with page.expect_download() as download_info:
                await page.get_by_role("button", name="Tải tờ trình (PDF)").click()
            download = await download_info.value
            saved = tmp_path / download.suggested_filename
            await download.save_as(saved)
            assert saved.name == "to-trinh-gl.pdf"
            text = nfc(pdf_text(saved.read_bytes(), tmp_path))
            assert "TỜ TRÌNH" in text and "Võ Thị Sáu" in text and "Kính gửi: Thủ tướng Chính phủ" in text
            await expect(page.get_by_role("status").filter(has_text="Đã tải tờ trình")).to_be_visible()
            # The proposing clerk sees the dossier, not the letter (it is the head's).
            await logout(page)
            await login(page, "clerk.school")
            await page.goto(f"{base}/#/nominations/{nid}")
            await expect(page.get_by_role("heading", name="Võ Thị Sáu", level=1)).to_be_visible()
            await expect(page.get_by_role("button", name="Tải tờ trình (PDF)")).to_have_count(0)
            assert not page_errors, page_errors
        finally:
            await browser.close()
