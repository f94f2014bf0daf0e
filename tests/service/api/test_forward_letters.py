"""The submission letter (tờ trình) at a route step of kind `submit`: the head of the province forwards
Prime Minister's Bằng khen nominations to the central level with one letter listing them."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.testing import WorkflowEnvironment

from tests.support.api import PROBLEM, approve_step, create, login, school_unit, task_for
from tests.support.documents import keep_first_page_png, need_font, need_poppler, nfc, pdf_text
from tests.support.helpers import running_api

# Inside the Gia Lai plan's 2025 preliminary-review window (01/07–01/11/2025), 09:00 in Vietnam.
NOW = datetime(2025, 8, 4, 2, 0, tzinfo=UTC)
UP_TO_SUBMIT = ["council.school", "council.commune", "appraiser.home", "council.province"]
SUBMIT = "submit:GL"


@pytest.fixture
async def api(
    env: WorkflowEnvironment, engine: AsyncEngine, database_url: str, tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    async with running_api(env, engine, database_url, attachment_dir=str(tmp_path), clock=lambda: NOW) as client:
        yield client


def pm_body(unit: int, name: str, kind: str = "individual") -> dict[str, object]:
    return {
        "award_form": "BANG_KHEN_THU_TUONG",
        "proposing_unit_id": unit,
        "nominee": {"kind": kind, "name": name, **({"position": "Hiệu trưởng"} if kind == "individual" else {})},
        "period": {"kind": "preliminary_review", "year": 2025},
        "achievements": "Tiêu biểu trong xây dựng xã hội học tập giai đoạn 2024–2025",
        "criteria": [],
    }


async def letter(api: httpx.AsyncClient, headers: dict[str, str], ids: list[str], **extra: object) -> httpx.Response:
    return await api.post("/api/v1/forward-letters", headers=headers, json={"nomination_ids": ids, **extra})


async def test_the_head_forwards_two_nominations_with_one_letter(api: httpx.AsyncClient, tmp_path: Path) -> None:
    need_font()
    need_poppler()
    clerk = await login(api, "clerk.school")
    unit = await school_unit(api, clerk)
    ids = [
        (await create(api, clerk, pm_body(unit, "Nguyễn Thị Hạnh")))["id"],
        (await create(api, clerk, pm_body(unit, "Trường THCS Nguyễn Du", "collective")))["id"],
    ]
    waiting = (await create(api, clerk, pm_body(unit, "Lê Văn Chờ")))["id"]
    chair = await login(api, "chair.province")
    # Not yet at the submit step: no letter.
    r = await letter(api, chair, [waiting])
    assert r.status_code == 409 and r.headers["content-type"] == PROBLEM and r.json()["code"] == "not_at_submit_step"
    for username in UP_TO_SUBMIT:
        headers = await login(api, username)
        for nid in ids:
            assert await approve_step(api, headers, await task_for(api, headers, nid)) == "in_progress"
    for nid in ids:
        assert (await task_for(api, chair, nid))["step"] == SUBMIT

    r = await letter(api, chair, ids)
    assert r.status_code == 200, r.text
    assert r.headers["content-type"] == "application/pdf" and r.content.startswith(b"%PDF")
    assert 'filename="to-trinh-gl-04-08-2025.pdf"' in r.headers["content-disposition"]
    keep_first_page_png(r.content, "forward-letter-page1")
    text = nfc(pdf_text(r.content, tmp_path))
    for expected in (
        "ỦY BAN NHÂN DÂN", "TỈNH GIA LAI", "/TTr-UBND", "Gia Lai, ngày 04 tháng 8 năm 2025",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "TỜ TRÌNH", "Về việc đề nghị tặng Bằng khen của Thủ tướng Chính phủ",
        "Kính gửi: Thủ tướng Chính phủ", "(qua Ban Thi đua – Khen thưởng Trung ương)",
        "Căn cứ Luật Thi đua, khen thưởng ngày 15 tháng 6 năm 2022;",
        "Xét đề nghị của Hội đồng Thi đua – Khen thưởng tỉnh Gia Lai.",
        "01 cá nhân, 01 tập thể", "Nguyễn Thị Hạnh", "Hiệu trưởng, Trường THCS",
        "Trường THCS Nguyễn", "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "Hồ Văn Phúc", "Nơi nhận:",
        "Dự thảo – in, ký và đóng dấu trước khi gửi",
    ):  # fmt: skip
        assert expected in text, expected
    # Named step, one nomination: the same step key works.
    assert (await letter(api, chair, ids[:1], step=SUBMIT)).status_code == 200

    # A council secretary on the route sees the dossiers but does not submit them.
    r = await letter(api, await login(api, "council.province"), ids)
    assert r.status_code == 403 and r.json()["code"] == "not_forwarder"
    # Mixed with one not at the step, or one the caller cannot see: refused, nothing listed.
    r = await letter(api, chair, [*ids, waiting], step=SUBMIT)
    assert r.status_code == 409 and r.json()["code"] == "not_at_submit_step" and r.json()["nomination_id"] == waiting
    r = await letter(api, chair, [*ids, waiting])
    assert r.status_code == 409 and r.json()["code"] == "several_steps"
    stranger = await login(api, "clerk.yb-tt-taxilang")
    assert (await letter(api, stranger, ids)).status_code == 404
    assert (await letter(api, chair, [str(uuid.uuid4())])).status_code == 404
    # Bad input is 422, never 500.
    for bad in ({"nomination_ids": []}, {"nomination_ids": ids, "step": "sign:GL"}, {"nomination_ids": ["x"]}):
        r = await api.post("/api/v1/forward-letters", headers=chair, json=bad)
        assert r.status_code == 422 and r.headers["content-type"] == PROBLEM, bad
