"""Principals and the organisation tree cached per process while the authorisation epoch stands: a
change made anywhere (another API process, an administrator in the database) is seen at the very
next request."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from models.db.engine import session_factory
from models.tables import Unit
from service.api import deps
from service.queries.rosters import RosterCache
from service.security.principal import CurrentUser
from service.security.principal_cache import PrincipalCache
from tests.support.api import login

DAY = date(2026, 12, 1)


def principal() -> CurrentUser:
    return CurrentUser(
        id=7, username="u", full_name="Nguyễn Văn A", unit=Unit(id=1, code="X", name="X", kind="school"),
        roles=[("clerk", 1)], address="10.0.0.1",
    )  # fmt: skip


def test_an_entry_lasts_while_epoch_day_and_ttl_hold() -> None:
    now = [100.0]
    cache = PrincipalCache(ttl=30, clock=lambda: now[0])
    cache.put(principal(), epoch=5, day=DAY)
    got = cache.get(7, epoch=5, day=DAY, address="192.0.2.9")
    assert got is not None and got.roles == [("clerk", 1)]
    assert got.address == "192.0.2.9", "each request keeps its own address"
    assert cache.get(7, epoch=6, day=DAY, address=None) is None, "a change to grants anywhere drops it"
    cache.put(principal(), epoch=6, day=DAY)
    assert cache.get(7, epoch=6, day=date(2026, 12, 2), address=None) is None, "delegations change with the day"
    cache.put(principal(), epoch=6, day=DAY)
    now[0] += 30
    assert cache.get(7, epoch=6, day=DAY, address=None) is None, "and it never outlives its time to live"


def test_the_oldest_entry_goes_first_when_full() -> None:
    cache = PrincipalCache(size=2)
    for user_id in (1, 2, 3):
        cache.put(CurrentUser(**{**principal().__dict__, "id": user_id}), epoch=0, day=DAY)
    assert cache.get(1, epoch=0, day=DAY, address=None) is None
    assert cache.get(3, epoch=0, day=DAY, address=None) is not None


@pytest.mark.own_database  # it revokes a grant
async def test_a_grant_revoked_in_the_database_stops_at_the_next_request(
    api: httpx.AsyncClient, owner_engine: AsyncEngine, monkeypatch: pytest.MonkeyPatch
) -> None:
    loads: list[int] = []
    real_load = deps.load_user

    async def counting_load(*args: Any, **kwargs: Any) -> CurrentUser | None:
        loads.append(1)
        return await real_load(*args, **kwargs)

    monkeypatch.setattr(deps, "load_user", counting_load)
    headers = await login(api, "appraiser.home")
    first = (await api.get("/api/v1/me", headers=headers)).json()
    assert any(r["role"] == "appraiser" for r in first["roles"])
    assert len(loads) == 1
    again = await api.get("/api/v1/me", headers=headers)
    assert again.json()["roles"] == first["roles"]
    assert len(loads) == 1, "the second request is answered from the cache"

    # Not through this API: as another process or an administrator at the database would.
    async with owner_engine.begin() as conn:
        await conn.execute(
            text(
                "DELETE FROM role_assignments WHERE role = 'appraiser' "
                "AND user_id = (SELECT id FROM users WHERE username = 'appraiser.home')"
            )
        )
    after = (await api.get("/api/v1/me", headers=headers)).json()
    assert not any(r["role"] == "appraiser" for r in after["roles"])
    assert len(loads) == 2
    inbox = await api.get("/api/v1/tasks", headers=headers)
    assert inbox.status_code == 200 and inbox.json()["items"] == []


@pytest.mark.own_database  # it deactivates a user
async def test_a_deactivated_user_is_refused_at_the_next_request(
    api: httpx.AsyncClient, owner_engine: AsyncEngine
) -> None:
    headers = await login(api, "clerk.school")
    assert (await api.get("/api/v1/me", headers=headers)).status_code == 200
    async with owner_engine.begin() as conn:
        await conn.execute(text("UPDATE users SET is_active = false WHERE username = 'clerk.school'"))
    refused = await api.get("/api/v1/me", headers=headers)
    assert refused.status_code == 401


@pytest.mark.own_database  # it renames a unit
async def test_the_organisation_tree_is_read_again_when_a_unit_changes(
    api: httpx.AsyncClient, owner_engine: AsyncEngine
) -> None:
    """Routes come from the organisation tree each API process keeps behind the same epoch."""
    clerk = await login(api, "clerk.school")
    unit = (await api.get("/api/v1/me", headers=clerk)).json()["unit"]["id"]

    async def appraiser_unit_name() -> str:
        r = await api.get("/api/v1/award-forms/BANG_KHEN_TINH/route", headers=clerk, params={"unit_id": unit})
        assert r.status_code == 200, r.text
        return str(r.json()[2]["unit_name"])

    assert await appraiser_unit_name() == "Sở Nội vụ tỉnh Gia Lai"
    async with owner_engine.begin() as conn:
        await conn.execute(text("UPDATE units SET name = 'Sở Nội vụ (tên mới)' WHERE code = 'GL-SNV'"))
    assert await appraiser_unit_name() == "Sở Nội vụ (tên mới)"


@pytest.mark.own_database  # it takes a council seat away
async def test_a_councils_size_is_read_again_when_a_seat_changes(
    engine: AsyncEngine, owner_engine: AsyncEngine
) -> None:
    """Tallies are judged on the council's size each API process keeps behind the same epoch."""
    sessions = session_factory(engine)
    rosters = RosterCache()

    async def seats(unit: int) -> int:
        """The council's size counted in the database, as it stands now."""
        async with owner_engine.connect() as conn:
            query = text("SELECT count(*) FROM role_assignments WHERE role = 'council_member' AND unit_id = :unit")
            return int((await conn.execute(query, {"unit": unit})).scalar_one())

    async with owner_engine.connect() as conn:
        council = (
            await conn.execute(
                text(
                    "SELECT unit_id FROM role_assignments WHERE role = 'council_member' "
                    "GROUP BY unit_id ORDER BY count(*) DESC, unit_id LIMIT 1"
                )
            )
        ).scalar_one()
    async with sessions() as session:
        before = await rosters.size(session, council)
        assert before == await seats(council) > 1
    async with owner_engine.begin() as conn:
        await conn.execute(
            text(
                "DELETE FROM role_assignments WHERE id = (SELECT min(id) FROM role_assignments "
                "WHERE role = 'council_member' AND unit_id = :unit)"
            ),
            {"unit": council},
        )
    async with sessions() as session:
        assert await rosters.size(session, council) == before - 1 == await seats(council)
        assert await rosters.size(session, -1) == 0, "a unit without a council has no members"
