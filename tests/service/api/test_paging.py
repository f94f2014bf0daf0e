"""Lists at volume: keyset cursors that neither skip nor repeat, and counts that stop at a cap."""

from __future__ import annotations

from collections.abc import Awaitable

import httpx
import pytest

from service.queries import paging
from tests.support.api import PROBLEM, body, create, login, school_unit
from tests.support.helpers import assert_eq_eventually

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

    # The school council's inbox searched: its count and page come from one scan of the matches.
    council = await login(api, "council.school")

    async def inbox(**params: object) -> dict[str, object]:
        return dict((await api.get("/api/v1/tasks", params={"q": "trang", **params}, headers=council)).json())

    await assert_eq_eventually(7, lambda: _total(inbox()))
    names: list[str] = []
    cursor = None
    for _ in range(5):
        page = await inbox(limit=3, sort="nominee_name", **({"cursor": cursor} if cursor else {}))
        assert (page["total"], page["total_capped"]) == (7, False)
        names += [t["nominee_name"] for t in page["items"]]  # type: ignore[attr-defined]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert names == [f"Trang {i}" for i in range(7)]

    # Without a search, each page carries its count from the same statement; a page past the end has
    # no row to carry it and is counted on its own.
    listed: list[str] = []
    cursor = None
    for _ in range(10):
        more = {"cursor": cursor} if cursor else {}
        page = (await api.get("/api/v1/nominations", params={"limit": 3, **more}, headers=clerk)).json()
        listed += [n["id"] for n in page["items"]]
        assert not page["total_capped"] and page["total"] >= len(made)
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(listed) == len(set(listed)) == page["total"] and set(listed) >= made
    beyond = (await api.get("/api/v1/nominations", params={"limit": 3, "offset": 100}, headers=clerk)).json()
    assert beyond["items"] == [] and (beyond["total"], beyond["total_capped"]) == (len(listed), False)

    monkeypatch.setattr(paging, "COUNT_CAP", 4)
    page = (await api.get("/api/v1/nominations", params={"q": "trang"}, headers=clerk)).json()
    assert (page["total"], page["total_capped"]) == (4, True)
    for params in ({"limit": 3}, {"limit": 3, "offset": 100}):
        page = (await api.get("/api/v1/nominations", params=params, headers=clerk)).json()
        assert (page["total"], page["total_capped"]) == (4, True)
    # Past the cap the pages are walked in the list's order: the same rows, in the same order, as the
    # list under the cap (tests/service/queries/test_list_page.py checks each way at volume).
    walked: list[str] = []
    cursor = None
    for _ in range(10):
        more = {"cursor": cursor} if cursor else {}
        page = (await api.get("/api/v1/nominations", params={"limit": 3, **more}, headers=clerk)).json()
        walked += [n["id"] for n in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert walked == listed
    by_offset = (await api.get("/api/v1/nominations", params={"limit": 3, "offset": 3}, headers=clerk)).json()
    assert [n["id"] for n in by_offset["items"]] == listed[3:6]
    # Past the cap the inbox's page is the order's first rows of all the matches, not of those counted.
    page = await inbox(limit=3, sort="nominee_name")
    assert (page["total"], page["total_capped"]) == (4, True)
    assert [t["nominee_name"] for t in page["items"]] == ["Trang 0", "Trang 1", "Trang 2"]  # type: ignore[attr-defined]

    bad = await api.get("/api/v1/nominations", params={"cursor": "not-a-cursor"}, headers=clerk)
    assert bad.status_code == 422 and bad.headers["content-type"] == PROBLEM


async def _total(page: Awaitable[dict[str, object]]) -> object:
    return (await page)["total"]
