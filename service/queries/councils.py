"""Council queries of the API: how many members a council has (from the organisation's role assignments)."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.tables import RoleAssignment


async def council_members(session: AsyncSession, council_unit_id: int) -> int:
    count = (
        await session.exec(
            select(func.count()).where(
                col(RoleAssignment.role) == "council_member", col(RoleAssignment.unit_id) == council_unit_id
            )
        )
    ).one()
    return int(count)
