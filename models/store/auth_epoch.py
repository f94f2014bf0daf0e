"""The authorisation epoch (models/tables/security.py AuthEpoch): read by the caches of an API
process that hold what users, grants, delegations and units make (principals, the organisation
tree) for as long as it stands."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel.ext.asyncio.session import AsyncSession

_READ_EPOCH = text("SELECT epoch FROM auth_epoch WHERE id = 1")


async def read_epoch(conn: AsyncSession | AsyncConnection) -> int:
    return int((await conn.execute(_READ_EPOCH)).scalar_one())
