"""Shared fixtures: a real PostgreSQL (embedded, or DATABASE_URL's server with a fresh database),
the time-skipping Temporal test server, and the API wired to a real worker."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.testing import WorkflowEnvironment

from models.db.engine import make_engine, sqlalchemy_url
from models.db.migrate import migrate
from models.store.seed import seed

ROOT = Path(__file__).resolve().parent.parent
# The embedded PostgreSQL keeps its lock file in the runtime directory; CI machines have none set.
os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.gettempdir())


def _test_server_path() -> str:
    local = Path(sys.executable).parent / "temporal-test-server"
    found = str(local) if local.exists() else shutil.which("temporal-test-server")
    if not found:
        pytest.exit("temporal-test-server not found: install the dev extras (make test does)", returncode=2)
    return found


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """A fresh, migrated and seeded database for this test session."""
    server = None
    tmpdir = None
    base = os.environ.get("DATABASE_URL")
    if not base:
        import pgserver

        tmpdir = tempfile.mkdtemp(prefix="thidua-pg-")
        server = pgserver.get_server(Path(tmpdir) / "pg", cleanup_mode="delete")
        base = server.get_uri()
    name = f"thidua_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(sqlalchemy_url(base), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(sqlalchemy_url(base)).set(database=name).render_as_string(hide_password=False)
    migrate(url)
    seed(url, ROOT / "deploy", demo=True)
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()
    if server is not None:
        server.cleanup()
    if tmpdir:
        shutil.rmtree(tmpdir, ignore_errors=True)


@pytest.fixture(scope="session")
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    eng = make_engine(database_url)
    yield eng
    await eng.dispose()


@pytest.fixture
async def env() -> AsyncIterator[WorkflowEnvironment]:
    """A time-skipping server per test (0.2 s to start), so each test owns its clock."""
    environment = await WorkflowEnvironment.start_time_skipping(test_server_existing_path=_test_server_path())
    yield environment
    await environment.shutdown()
