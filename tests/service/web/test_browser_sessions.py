"""A council session in a real browser: the secretary opens one for the nominations waiting, records
attendance and every nominee's tally in one form, watches the results applied and downloads the
minutes. Screenshots go with the other pages' (see test_browser_pages.py)."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import expect

from tests.service.web.test_browser_pages import Browsing, browsing, shot  # noqa: F401 (the fixture)
from tests.service.web.test_browser_ui import login
from tests.support.api import body, create, task_for
from tests.support.api import login as api_login

pytestmark = pytest.mark.own_database


async def test_secretary_decides_a_list_in_one_session(browsing: Browsing) -> None:  # noqa: F811
    page, base = browsing.page, browsing.base
    names = ["Hoàng Thị Phiên", "Vương Văn Họp", "Tạ Thị Biên"]
    async with httpx.AsyncClient(base_url=base, timeout=30) as api:
        clerk = await api_login(api, "clerk.school")
        unit = int((await api.get("/api/v1/me", headers=clerk)).json()["unit"]["id"])
        ids = [(await create(api, clerk, body(unit, "GIAY_KHEN_XA", name=n)))["id"] for n in names]
        secretary = await api_login(api, "council.school")
        for nid in ids:
            await task_for(api, secretary, nid)

    await login(page, "council.school")
    await page.get_by_role("link", name="Phiên họp").click()
    await expect(page.get_by_role("heading", name="Phiên họp Hội đồng")).to_be_visible()
    for name in names:
        await expect(page.locator("#view")).to_contain_text(name)
    await shot(page, "40-session-open")
    await page.get_by_role("button", name="Mở phiên họp").click()
    await expect(page.locator("#session-results-form")).to_be_visible()

    form = page.locator("#session-results-form")
    await form.get_by_label("Số thành viên có mặt").fill("5")
    await form.get_by_label("Biên bản (số, nội dung chính)").fill("Biên bản số 05/BB-HĐTĐKT")
    await form.get_by_role("button", name="Điền: mọi người có mặt tán thành").click()
    # The third nominee does not reach the threshold.
    await form.get_by_label(f"Tán thành – {names[2]}", exact=True).fill("1")
    await form.get_by_label(f"Không tán thành – {names[2]}", exact=True).fill("4")
    await shot(page, "41-session-results-form")
    await form.get_by_role("button", name="Ghi kết quả phiên họp").click()

    await expect(page.locator("#session-status")).to_have_text("Đã kết thúc", timeout=60_000)
    results = page.locator("#session-results")
    await expect(results.locator("tbody tr")).to_have_count(3)
    await expect(results.locator("tbody tr").nth(0)).to_contain_text("Đạt")
    await expect(results.locator("tbody tr").nth(2)).to_contain_text("Không đạt")
    await shot(page, "42-session-closed")
    async with page.expect_download() as info:
        await page.get_by_role("button", name="Tải biên bản (PDF)").click()
    assert (await info.value).suggested_filename.endswith(".pdf")
    browsing.clean()
