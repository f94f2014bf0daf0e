"""Shared fixtures: a real PostgreSQL (embedded, or DATABASE_URL's server with a fresh database),
the time-skipping Temporal test server, and the API wired to a real worker."""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.testing import WorkflowEnvironment

from models.db.engine import make_engine, sqlalchemy_url
from models.db.roles import Roles, prepare, url_as
from models.store.seed import seed
from service.temporal.converter import DATA_CONVERTER
from tests.support import paths
from tests.support.helpers import register_search_attributes, running_api, test_server_path

ROOT = paths.ROOT
# The embedded PostgreSQL keeps its lock file in the runtime directory; CI machines have none set.
os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.gettempdir())


@dataclass
class DatabaseServer:
    """A PostgreSQL server with a pristine template database (migrated and seeded) to clone from.

    As in production, the template is migrated and seeded by an owner role, and the tests' `engine`
    and `database_url` sign in as the service role that the API and the worker get (roles of this
    test session, so that sessions on one server do not share them)."""

    admin: Engine
    base_url: str
    template: str
    roles: Roles
    password: str

    def clone(self, prefix: str) -> str:
        """A copy of the template; the URL signs in as the service role."""
        name = f"{prefix}_{uuid.uuid4().hex[:12]}"
        with self.admin.connect() as conn:
            # Nothing ever connects to the template after it is made, so PostgreSQL can copy it (fast).
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{self.template}"'))
        return self.service_url(name)

    def service_url(self, database: str) -> str:
        return url_as(make_url(self.base_url).set(database=database).render_as_string(hide_password=False),
                      self.roles.service, self.password)  # fmt: skip

    def as_owner(self, url: str) -> str:
        return url_as(url, self.roles.owner, self.password)

    def as_superuser(self, url: str) -> str:
        base = make_url(self.base_url)
        return make_url(url).set(username=base.username, password=base.password).render_as_string(hide_password=False)

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
    suffix = uuid.uuid4().hex[:8]
    roles = Roles(owner=f"thidua_owner_{suffix}", service=f"thidua_app_{suffix}")
    password = secrets.token_urlsafe(16)
    template = f"thidua_template_{uuid.uuid4().hex[:12]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{template}"'))
    template_admin_url = make_url(base).set(database=template).render_as_string(hide_password=False)
    # The production path: roles.sql as a superuser, then the migrations and the seed as the owner.
    owner_url, _ = prepare(template_admin_url, roles, password=password)
    seed(owner_url, ROOT / "deploy", demo=True)
    databases = DatabaseServer(admin=admin, base_url=base, template=template, roles=roles, password=password)
    yield databases
    databases.drop(template_admin_url)
    with admin.connect() as conn:
        for role in (roles.service, roles.owner):
            conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
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


@pytest.fixture(scope="session")
async def shared_owner_engine(database_server: DatabaseServer, shared_database_url: str) -> AsyncIterator[AsyncEngine]:
    eng = make_engine(database_server.as_owner(shared_database_url), pool_size=2)
    yield eng
    await eng.dispose()


@pytest.fixture
def database_url(
    request: pytest.FixtureRequest, database_server: DatabaseServer, shared_database_url: str
) -> Iterator[str]:
    """The shared database, signed in as the service role (what the API and the worker get); a test
    marked `own_database` (it changes the organisation, a plan or a council's membership) gets a
    fresh copy of the seeded database instead, so no test depends on which ran before it."""
    if request.node.get_closest_marker("own_database") is None:
        yield shared_database_url
        return
    url = database_server.clone("thidua_own")
    yield url
    database_server.drop(url)


@pytest.fixture
def owner_database_url(database_server: DatabaseServer, database_url: str) -> str:
    """The same database as `database_url`, signed in as the owner role (as the migrations and the seed)."""
    return database_server.as_owner(database_url)


@pytest.fixture
async def engine(
    request: pytest.FixtureRequest, database_url: str, shared_engine: AsyncEngine
) -> AsyncIterator[AsyncEngine]:
    """The service role's engine: the rights the API and the worker have."""
    if request.node.get_closest_marker("own_database") is None:
        yield shared_engine
        return
    eng = make_engine(database_url)
    yield eng
    await eng.dispose()


@pytest.fixture
async def owner_engine(
    request: pytest.FixtureRequest, owner_database_url: str, shared_owner_engine: AsyncEngine
) -> AsyncIterator[AsyncEngine]:
    """The owner role's engine, for a test that sets up reference data (units, users, roles) as the seed does."""
    if request.node.get_closest_marker("own_database") is None:
        yield shared_owner_engine
        return
    eng = make_engine(owner_database_url, pool_size=2)
    yield eng
    await eng.dispose()


@pytest.fixture
async def env() -> AsyncIterator[WorkflowEnvironment]:
    """A time-skipping server per test (0.2 s to start), so each test owns its clock; with thidua's
    search attributes registered, as in production."""
    environment = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=test_server_path(), data_converter=DATA_CONVERTER
    )
    await register_search_attributes(environment.client)
    yield environment
    await environment.shutdown()


@pytest.fixture
async def api(
    env: WorkflowEnvironment, engine: AsyncEngine, database_url: str, tmp_path: Path
) -> AsyncIterator[httpx.AsyncClient]:
    """The API wired to a real worker, as a client with no token; attachments in the test's own folder.
    A module that needs other settings (a client address, a body limit) defines its own `api`."""
    async with running_api(env, engine, database_url, attachment_dir=str(tmp_path)) as client:
        yield client
