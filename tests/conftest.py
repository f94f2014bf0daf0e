"""Shared fixtures: a real PostgreSQL (embedded, or DATABASE_URL's server with a fresh database),
the time-skipping Temporal test server, and the API wired to a real worker."""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.testing import WorkflowEnvironment

from models.db.engine import make_engine, sqlalchemy_url
from models.db.migrate import migrate
from models.store.seed import seed
from tests.support import paths
from tests.support.helpers import test_server_path

ROOT = paths.ROOT
# The embedded PostgreSQL keeps its lock file in the runtime directory; CI machines have none set.
os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.gettempdir())


@dataclass
class DatabaseServer:
    """A PostgreSQL server with a pristine template database (migrated and seeded) to clone from."""

    admin: Engine
    base_url: str
    template: str

    def clone(self, prefix: str) -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        with self.admin.connect() as conn:
            # Nothing ever connects to the template after it is made, so PostgreSQL can copy it (fast).
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"'))
        return make_url(self.base_url).set(database=name).render_as_string(hide_password=False)

    def drop(self, url: str) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def database_server() -> Iterator[DatabaseServer]:
    server = None
    tmpdir = None
    base = os.environ.get("DATABASE_URL")
    if not base:
        import pgserver

        tmpdir = tempfile.mkdtemp(prefix="thidua-pg-")
        server = pgserver.get_server(Path(tmpdir) / "pg", cleanup_mode="delete")
        base = server.get_uri()
    base = sqlalchemy_url(base)
    template = f"thidua_template_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{template}"'))
    template_url = make_url(base).set(database=template).render_as_string(hide_password=False)
    migrate(template_url)
    seed(template_url, ROOT / "deploy", demo=True)
    databases = DatabaseServer(admin=admin, base_url=base, template=template)
    yield databases
    databases.drop(template_url)
    admin.dispose()
    if server is not None:
        server.cleanup()
    if tmpdir:
        shutil.rmtree(tmpdir, ignore_errors=True)


@pytest.fixture(scope="session")
def shared_database_url(database_server: DatabaseServer) -> Iterator[str]:
    """One seeded database for the tests that only add rows of their own (nominations, keyed by uuid)."""
    url = database_server.clone("thidua_test")
    yield url
    database_server.drop(url)


@pytest.fixture(scope="session")
async def shared_engine(shared_database_url: str) -> AsyncIterator[AsyncEngine]:
    eng = make_engine(shared_database_url)
    yield eng
    await eng.dispose()


@pytest.fixture
def database_url(
    request: pytest.FixtureRequest, database_server: DatabaseServer, shared_database_url: str
) -> Iterator[str]:
    """The shared database; a test marked `own_database` (it changes the organisation, a plan or a
    council's membership) gets a fresh copy of the seeded database instead, so no test depends on
    which ran before it."""
    if request.node.get_closest_marker("own_database") is None:
        yield shared_database_url
        return
    url = database_server.clone("thidua_own")
    yield url
    database_server.drop(url)


@pytest.fixture
async def engine(
    request: pytest.FixtureRequest, database_url: str, shared_engine: AsyncEngine
) -> AsyncIterator[AsyncEngine]:
    if request.node.get_closest_marker("own_database") is None:
        yield shared_engine
        return
    eng = make_engine(database_url)
    yield eng
    await eng.dispose()


@pytest.fixture
async def env() -> AsyncIterator[WorkflowEnvironment]:
    """A time-skipping server per test (0.2 s to start), so each test owns its clock."""
    environment = await WorkflowEnvironment.start_time_skipping(test_server_existing_path=test_server_path())
    yield environment
    await environment.shutdown()
