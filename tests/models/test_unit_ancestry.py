"""unit_ancestors follows the organisation tree by itself: a new unit, a unit moved elsewhere."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

pytestmark = pytest.mark.own_database


async def ancestors(engine: AsyncEngine, code: str) -> list[str]:
    async with engine.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT a.code FROM unit_ancestors ua JOIN units u ON u.id = ua.unit_id "
                "JOIN units a ON a.id = ua.ancestor_id WHERE u.code = :c ORDER BY ua.depth"
            ),
            {"c": code},
        )
        return [r[0] for r in rows]


async def test_a_new_unit_and_a_moved_subtree_get_their_ancestry(owner_engine: AsyncEngine) -> None:
    # The seeded tree is there from the migration's backfill and the trigger.
    assert (await ancestors(owner_engine, "GL-BH-THCS"))[:3] == ["GL-BH-THCS", "GL-BH", "GL"]
    async with owner_engine.begin() as conn:
        commune = (await conn.execute(text("SELECT id FROM units WHERE code = 'GL-BH'"))).scalar_one()
        await conn.execute(
            text(
                "INSERT INTO units (code, name, kind, level, parent_id) VALUES ('T-A', 'A', 'school', 'grassroots', :p)"
            ),
            {"p": commune},
        )
        a = (await conn.execute(text("SELECT id FROM units WHERE code = 'T-A'"))).scalar_one()
        await conn.execute(
            text(
                "INSERT INTO units (code, name, kind, level, parent_id) VALUES ('T-B', 'B', 'council', 'grassroots', :p)"
            ),
            {"p": a},
        )
    assert (await ancestors(owner_engine, "T-B"))[:4] == ["T-B", "T-A", "GL-BH", "GL"]
    # 01/07/2025-style reorganisation: the school moves under another unit, with what is below it.
    async with owner_engine.begin() as conn:
        other = (await conn.execute(text("SELECT id FROM units WHERE code = 'YB'"))).scalar_one()
        await conn.execute(text("UPDATE units SET parent_id = :p WHERE code = 'T-A'"), {"p": other})
    assert (await ancestors(owner_engine, "T-B"))[:3] == ["T-B", "T-A", "YB"]
    assert "GL-BH" not in await ancestors(owner_engine, "T-B")
