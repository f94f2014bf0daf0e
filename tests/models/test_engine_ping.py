"""A pooled connection idle long enough is pinged before use; one used moments ago is not."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from models.db.engine import ping_when_idle, sqlalchemy_url
from tests.conftest import DatabaseServer


async def _engine(url: str, idle_seconds: float) -> AsyncEngine:
    engine = create_async_engine(sqlalchemy_url(url), pool_size=1, max_overflow=0)
    ping_when_idle(engine.sync_engine, idle_seconds=idle_seconds)
    return engine


async def _pid(engine: AsyncEngine) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(text("SELECT pg_backend_pid()"))).scalar_one())


async def _kill_pooled(engine: AsyncEngine, database_server: DatabaseServer) -> int:
    """Use the pool's one connection, then kill its server process, as a restart of PostgreSQL would."""
    pid = await _pid(engine)
    await _terminate(database_server, pid)
    return pid


async def _terminate(database_server: DatabaseServer, pid: int) -> None:
    with database_server.admin.connect() as conn:
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    for _ in range(200):
        with database_server.admin.connect() as conn:
            gone = conn.execute(text("SELECT count(*) = 0 FROM pg_stat_activity WHERE pid = :pid"), {"pid": pid})
            if gone.scalar_one():
                return
        await asyncio.sleep(0.02)
    raise AssertionError(f"backend {pid} still running")


@pytest.fixture
async def engines(database_url: str) -> AsyncIterator[dict[str, AsyncEngine]]:
    made = {"always": await _engine(database_url, 0.0), "never": await _engine(database_url, 3600.0)}
    yield made
    for engine in made.values():
        await engine.dispose()


async def test_an_idle_connection_that_died_is_replaced_before_use(
    engines: dict[str, AsyncEngine], database_server: DatabaseServer
) -> None:
    engine = engines["always"]
    pid = await _kill_pooled(engine, database_server)
    # The ping finds the dead connection; the pool opens another and the statement runs.
    assert await _pid(engine) != pid


async def test_a_connection_used_moments_ago_is_not_pinged_and_is_discarded_when_it_fails(
    engines: dict[str, AsyncEngine], database_server: DatabaseServer
) -> None:
    engine = engines["never"]
    pid = await _kill_pooled(engine, database_server)
    # No ping: the statement itself meets the dead connection once (a 503 in the API)...
    with pytest.raises(DBAPIError):
        await _pid(engine)
    # ...and the pool has discarded it: the next checkout gets a live one.
    assert await _pid(engine) != pid
