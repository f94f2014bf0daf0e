"""Council queries of the API: a council's members as the organisation data records them."""

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


async def holds_seat(session: AsyncSession, user_id: int, council_unit_id: int) -> bool:
    """Whether the user is a member of the council in their own right: a seat is never held by delegation."""
    found = (
        await session.exec(
            select(RoleAssignment.id).where(
                col(RoleAssignment.user_id) == user_id,
                col(RoleAssignment.role) == "council_member",
                col(RoleAssignment.unit_id) == council_unit_id,
            )
        )
    ).first()
    return found is not None
