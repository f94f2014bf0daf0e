"""Database engines. PostgreSQL only, through psycopg 3."""

from __future__ import annotations

import json
import time
from typing import Any

import orjson
from psycopg import AsyncConnection
from psycopg.types.json import set_json_loads
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncConnection as SAConnection
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry, PoolProxiedConnection
from sqlmodel.ext.asyncio.session import AsyncSession

# A pooled connection unused for this long is pinged before it is handed out; one used more
# recently is handed out as it is. SQLAlchemy's own pre-ping costs a round trip per checkout, that
# is one per request and one per activity under load, to detect what a connection idle for
# milliseconds almost never has: a server restarted under it. If that happens anyway, the
# statement fails, the pool discards that connection, and the caller sees a 503 (or the activity
# retries) once.
PING_AFTER_IDLE_SECONDS = 2.0


def _loads(data: bytes | bytearray | memoryview | str) -> Any:
    """orjson's decoder, about four times faster than the standard library's (a list of fifty
    dossiers decodes fifty routes). A number it cannot hold in a double (JSONB keeps any numeric,
    e.g. 1e400) is left to the standard library rather than failing the read."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(bytes(data) if isinstance(data, memoryview) else data)


# Every JSON and JSONB value psycopg reads, through SQLAlchemy or directly. Process-wide, as
# psycopg's default is.
set_json_loads(_loads)


def sqlalchemy_url(url: str) -> str:
    """Accept the usual postgresql:// form and select the psycopg 3 driver."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "postgresql":
        raise ValueError("DATABASE_URL must be a PostgreSQL URL (postgresql://...)")
    return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def make_engine(url: str, *, pool_size: int = 10) -> AsyncEngine:
    engine = create_async_engine(sqlalchemy_url(url), pool_size=pool_size, max_overflow=pool_size)
    ping_when_idle(engine.sync_engine)
    return engine


def ping_when_idle(engine: Engine, idle_seconds: float = PING_AFTER_IDLE_SECONDS) -> None:
    """Pre-ping, but only connections that have sat in the pool for `idle_seconds` or more."""

    @event.listens_for(engine, "checkin")
    def _returned(dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _handed_out(dbapi_connection: Any, record: ConnectionPoolEntry, proxy: PoolProxiedConnection) -> None:
        returned_at = record.info.get("returned_at")
        if returned_at is None or time.monotonic() - returned_at < idle_seconds:
            return  # new, or in use moments ago
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except Exception as exc:
            raise DisconnectionError("the pooled connection did not answer") from exc
        if not alive:
            raise DisconnectionError("the pooled connection did not answer")


async def driver_connection(conn: SAConnection) -> AsyncConnection[Any]:
    """psycopg's connection under SQLAlchemy's, in the same transaction: for the statements run at
    every step or request, whose ORM building costs more CPU than PostgreSQL spends on them."""
    raw = await conn.get_raw_connection()
    driver = raw.driver_connection
    assert isinstance(driver, AsyncConnection)
    return driver


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
