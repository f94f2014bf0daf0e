"""Lập tờ trình (danh sách) in a real browser: the clerk types a list in the editable table, sees the
bad rows highlighted by row and column, submits only the valid ones, watches every workflow start,
downloads the letter, and finds the letter named on a nomination's page."""

from __future__ import annotations

import re

import pytest
from playwright.async_api import expect

from tests.service.web.test_browser_pages import Browsing, shot
from tests.service.web.test_browser_pages import browsing as browsing  # the fixture, found by its name
from tests.service.web.test_browser_ui import login

pytestmark = pytest.mark.own_database


async def test_a_clerk_submits_a_typed_list_and_follows_its_progress(browsing: Browsing) -> None:
    page, base = browsing.page, browsing.base
    await login(page, "clerk.school")
    await page.get_by_role("link", name="Lập tờ trình (danh sách)").click()
    await expect(page.get_by_role("heading", name="Lập tờ trình (danh sách)")).to_be_visible()
    await page.get_by_label("Hình thức khen thưởng").select_option("GIAY_KHEN_XA")
    names = page.get_by_label("Họ và tên / Tên tập thể")
    achievements = page.get_by_label("Tóm tắt thành tích")
    births = page.get_by_label("Ngày sinh (dd/mm/yyyy)")
    await names.nth(0).fill("Hoàng Văn Một")
    await achievements.nth(0).fill("Giáo viên dạy giỏi cấp xã")
    await births.nth(0).fill("05/09/1980")
    await page.get_by_label("Mã tiêu chuẩn (cách nhau bởi ;)").nth(0).fill("cn-1")
    await achievements.nth(1).fill("Không có tên")  # the name is missing: the server names the row
    await names.nth(2).fill("Trần Thị Ba")
    await achievements.nth(2).fill("Chiến sĩ thi đua cơ sở")
    await births.nth(2).fill("31/02/1990")
    await page.get_by_role("button", name="Thêm dòng").click()
    await expect(names).to_have_count(4)
    await page.get_by_role("button", name="Xoá dòng 4").click()
    await expect(names).to_have_count(3)

    # A date that is no date: refused in the page, its cell highlighted, nothing sent.
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" and "submissions" in r.url else None)
    await page.get_by_role("button", name="Nộp tờ trình").click()
    await expect(page.get_by_role("alert")).to_contain_text("1 dòng chưa đúng")
    await expect(births.nth(2)).to_have_attribute("aria-invalid", "true")
    assert not posts
    await births.nth(2).fill("01/02/1990")

    # The server refuses the list for row 2 (no name): the row and column are named and highlighted.
    await page.get_by_role("button", name="Nộp tờ trình").click()
    errors = page.locator("table.row-errors")
    await expect(errors).to_contain_text("Họ và tên / Tên tập thể: chưa nhập.")
    await expect(errors.locator("tbody tr")).to_have_count(1)
    await expect(errors.locator("tbody td").first).to_have_text("2")
    await expect(names.nth(1)).to_have_attribute("aria-invalid", "true")
    await expect(births.nth(2)).not_to_have_attribute("aria-invalid", "true")
    await shot(page, "70-submission-errors")

    # Only the valid rows: two dossiers under letter 01, the skipped row listed on the letter's page.
    await page.get_by_label("Chỉ nộp các dòng hợp lệ").check()
    await page.get_by_role("button", name="Nộp tờ trình").click()
    await page.wait_for_url(re.compile(r"#/submissions/[0-9a-f-]{36}$"))
    await expect(page.get_by_role("heading", name="Tờ trình số 01/TTr-THCSND")).to_be_visible()
    await expect(page.locator("#notice")).to_contain_text("với 2 hồ sơ; 1 dòng không hợp lệ đã bị bỏ qua")
    await expect(page.locator("table.row-errors")).to_contain_text("Họ và tên / Tên tập thể")
    # The progress bar follows the workflows until every one has started.
    await expect(
        page.get_by_role("status").filter(has_text="Đã khởi động quy trình xét duyệt cho cả 2 hồ sơ.")
    ).to_be_visible(timeout=60_000)
    await expect(page.locator("#submission-progress")).to_have_attribute("value", "2")
    listed = page.get_by_role("region", name="Hồ sơ của tờ trình")
    await expect(listed.get_by_role("link")).to_have_text(["Hoàng Văn Một", "Trần Thị Ba"])
    await expect(listed).to_contain_text("Đang xét duyệt")
    await shot(page, "71-submission")
    async with page.expect_download() as caught:
        await page.get_by_role("button", name="Tải tờ trình (PDF)").click()
    download = await caught.value
    assert re.fullmatch(r"to-trinh-01-\d{4}\.pdf", download.suggested_filename), download.suggested_filename

    # The nomination's page names its letter and leads back to it.
    await listed.get_by_role("link", name="Hoàng Văn Một").click()
    await expect(page.get_by_role("heading", name="Hoàng Văn Một")).to_be_visible()
    letter = page.get_by_role("link", name="Thuộc tờ trình số 01/TTr-THCSND")
    await expect(letter).to_be_visible()
    await letter.click()
    await expect(page.get_by_role("heading", name="Tờ trình số 01/TTr-THCSND")).to_be_visible()

    # The Excel way: the template of the chosen form downloads from the page.
    await page.goto(f"{base}/#/submissions/new")
    await page.get_by_label("Tải lên tệp Excel").check()
    await expect(page.get_by_label("Tệp Excel (.xlsx) theo mẫu")).to_be_visible()
    async with page.expect_download() as caught:
        await page.get_by_role("button", name="Tải tệp mẫu (Excel)").click()
    assert (await caught.value).suggested_filename.endswith(".xlsx")
    await page.goto(f"{base}/#/submissions")
    await expect(page.get_by_role("link", name="01/TTr-THCSND")).to_be_visible()
    browsing.clean()
