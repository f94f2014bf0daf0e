"""The authorisation epoch (models/tables/security.py AuthEpoch): read by the caches of an API
process that hold what users, grants, delegations and units make (principals, the organisation
tree) for as long as it stands."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel.ext.asyncio.session import AsyncSession

from models.db.engine import driver_connection

# Every request reads it: plain SQL on psycopg's connection, in the session's transaction (a
# statement through the ORM session costs several times what PostgreSQL spends on it).
_READ_EPOCH = "SELECT epoch FROM auth_epoch WHERE id = 1"


async def read_epoch(conn: AsyncSession | AsyncConnection) -> int:
    """The epoch, read once per request: a session keeps the value it read (the principal and the
    organisation tree of one request are then of the same epoch, for one query)."""
    if isinstance(conn, AsyncSession) and "auth_epoch" in conn.info:
        return int(conn.info["auth_epoch"])
    driver = await driver_connection(conn if isinstance(conn, AsyncConnection) else await conn.connection())
    row = await (await driver.execute(_READ_EPOCH)).fetchone()
    assert row is not None, "migration 0019 inserts the epoch's row"
    epoch = int(row[0])
    if isinstance(conn, AsyncSession):
        conn.info["auth_epoch"] = epoch
    return epoch
