"""An administrator whose subtree grants cover every unit sees every nomination with no condition on
the unit (the province's administrator at a million dossiers); one unit outside their grants, and the
condition is back, from the next request on (the unit moves the authorisation epoch)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select, text, true
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from models.tables import Nomination, Unit, UnitAncestor
from service.queries.visibility import visible_to
from service.security.principal import CurrentUser, load_user
from tests.support.security import ensure_unit, ensure_user

# A new root unit changes what "every unit" is for every other test of the database.
pytestmark = pytest.mark.own_database


async def _roots(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as conn:
        return [r[0] for r in await conn.execute(text("SELECT code FROM units WHERE parent_id IS NULL ORDER BY code"))]


async def _user(engine: AsyncEngine, user_id: int) -> CurrentUser:
    async with AsyncSession(engine) as session:
        user = await load_user(session, user_id, None)
    assert user is not None
    return user


async def _dossier(engine: AsyncEngine, unit_code: str, creator: int) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "INSERT INTO nominations (id, workflow_id, award_form, proposing_unit_id, nominee_kind, nominee_name, "
                "nominee, period_kind, period_year, achievements, criteria, route, status, search_text, created_by, "
                "created_at, updated_at, version) "
                "SELECT gen_random_uuid(), 'nomination-wt-' || gen_random_uuid(), 'BANG_KHEN_TINH', id, 'individual', "
                "'Lê Thị Hoa', '{\"kind\": \"individual\", \"name\": \"Lê Thị Hoa\"}', 'annual', 2026, 'Xuất sắc', "
                "'[]', '[]', 'in_progress', 'le thi hoa xuat sac', :creator, now(), now(), 1 FROM units WHERE code = :code"
            ),
            {"code": unit_code, "creator": creator},
        )


async def _count(engine: AsyncEngine, where: Any) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(Nomination).where(where))).scalar_one())


async def test_an_administrator_of_every_unit_has_no_condition_until_a_unit_is_outside(
    engine: AsyncEngine, owner_engine: AsyncEngine
) -> None:
    roots = await _roots(owner_engine)
    everything = await ensure_user(owner_engine, "wt.admin.all", roots[0], [("admin", r, True) for r in roots])
    one = await ensure_user(owner_engine, "wt.admin.one", "GL", [("admin", "GL", True)])
    # Dossiers of two provinces (rows of the read model, as bench/read_scale.py loads them).
    for code in ("GL-BH-THCS", "YB"):
        await _dossier(owner_engine, code, everything)

    admin_all, admin_one = await _user(engine, everything), await _user(engine, one)
    assert admin_all.whole_tree == frozenset({"admin"})
    assert admin_one.whole_tree == frozenset()
    assert str(visible_to(admin_all)) == "true"
    every = await _count(engine, true())
    below_gia_lai = col(Nomination.proposing_unit_id).in_(
        select(col(UnitAncestor.unit_id))
        .join(Unit, col(Unit.id) == col(UnitAncestor.ancestor_id))
        .where(col(Unit.code) == "GL")
    )
    below_first = await _count(engine, below_gia_lai)
    assert every >= 2 and 1 <= below_first < every
    assert await _count(engine, visible_to(admin_all)) == every
    assert await _count(engine, visible_to(admin_one)) == below_first

    # A new province outside the administrator's grants: "every unit" no longer holds.
    await ensure_unit(owner_engine, "WT-NEW", "UBND tỉnh Mới", "people_committee", "province", None)
    again = await _user(engine, everything)
    assert again.whole_tree == frozenset()
    assert str(visible_to(again)) != "true"
    assert await _count(engine, visible_to(again)) == every
