"""Lists at volume: keyset cursors that neither skip nor repeat, and counts that stop at a cap."""

from __future__ import annotations

import httpx
import pytest

from service.queries import paging
from tests.support.api import PROBLEM, body, create, login, school_unit

pytestmark = pytest.mark.own_database


async def test_cursor_pages_cover_the_list_once_and_counts_stop_at_the_cap(
    api: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    clerk = await login(api, "clerk.school")
    unit = await school_unit(api, clerk)
    made = {(await create(api, clerk, body(unit, "GIAY_KHEN_XA", name=f"Trang {i}")))["id"] for i in range(7)}
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        params: dict[str, object] = {"limit": 3, "q": "trang"}
        if cursor:
            params["cursor"] = cursor
        page = (await api.get("/api/v1/nominations", params=params, headers=clerk)).json()
        seen += [n["id"] for n in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == len(set(seen)) and set(seen) >= made

    monkeypatch.setattr(paging, "COUNT_CAP", 4)
    page = (await api.get("/api/v1/nominations", params={"q": "trang"}, headers=clerk)).json()
    assert (page["total"], page["total_capped"]) == (4, True)

    bad = await api.get("/api/v1/nominations", params={"cursor": "not-a-cursor"}, headers=clerk)
    assert bad.status_code == 422 and bad.headers["content-type"] == PROBLEM
