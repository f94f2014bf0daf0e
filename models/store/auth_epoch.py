"""The authorisation epoch (models/tables/security.py AuthEpoch): read by the caches of an API
process that hold what users, grants, delegations and units make (principals, the organisation
tree) for as long as it stands."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel.ext.asyncio.session import AsyncSession

_READ_EPOCH = text("SELECT epoch FROM auth_epoch WHERE id = 1")


async def read_epoch(conn: AsyncSession | AsyncConnection) -> int:
    """The epoch, read once per request: a session keeps the value it read (the principal and the
    organisation tree of one request are then of the same epoch, for one query)."""
    if isinstance(conn, AsyncSession) and "auth_epoch" in conn.info:
        return int(conn.info["auth_epoch"])
    epoch = int((await conn.execute(_READ_EPOCH)).scalar_one())
    if isinstance(conn, AsyncSession):
        conn.info["auth_epoch"] = epoch
    return epoch
