"""Councils' sizes, kept per API process while the authorisation epoch stands."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.store.auth_epoch import read_epoch
from models.tables import RoleAssignment


class RosterCache:
    """Every council's size (its members' grants, per council unit), kept by an API process while
    the authorisation epoch stands: a grant given or taken moves the epoch (migration 0019),
    whichever process or person changed it. A council's meeting reads its size at every tally."""

    def __init__(self) -> None:
        self._epoch: int | None = None
        self._sizes: dict[int, int] = {}

    async def size(self, session: AsyncSession, council_unit_id: int) -> int:
        epoch = await read_epoch(session)
        if self._epoch != epoch:
            rows = await session.exec(
                select(col(RoleAssignment.unit_id), func.count())
                .where(col(RoleAssignment.role) == "council_member")
                .group_by(col(RoleAssignment.unit_id))
            )
            self._sizes, self._epoch = {unit: int(n) for unit, n in rows.all()}, epoch
        return self._sizes.get(council_unit_id, 0)
