"""The authorisation epoch (models/tables/security.py AuthEpoch): read by the caches of an API
process that hold what users, grants, delegations and units make (principals, the organisation
tree) for as long as it stands."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from models.db.engine import driver_connection

# Every request reads it: plain SQL on psycopg's connection, in the session's transaction (a
# statement through the ORM session costs several times what PostgreSQL spends on it).
_READ_EPOCH = "SELECT epoch FROM auth_epoch WHERE id = 1"


async def read_epoch(session: AsyncSession) -> int:
    """The epoch, read once per request: the session keeps the value it read (the principal, the
    organisation tree and the councils' sizes of one request are then of the same epoch, for one query)."""
    if "auth_epoch" in session.info:
        return int(session.info["auth_epoch"])
    driver = await driver_connection(await session.connection())
    row = await (await driver.execute(_READ_EPOCH)).fetchone()
    assert row is not None, "migration 0019 inserts the epoch's row"
    session.info["auth_epoch"] = int(row[0])
    return int(row[0])
