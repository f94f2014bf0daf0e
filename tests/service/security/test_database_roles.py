"""The database roles: the API and the worker sign in as a service role that owns nothing and can only
add and read audit rows; the owner role runs the migrations and owns every table.

Every refusal is checked through the API's own engine, built by the app factory from the same
DATABASE_URL the tests give every API and worker.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.testing import WorkflowEnvironment

from models.db.engine import sqlalchemy_url
from models.db.migrate import MIGRATED_MARK, alembic_config, head_revision, migrated_revision
from models.db.roles import ROLES_SQL, Roles, inspect_engine, install_roles, url_as
from service import cli
from service.app import create_app
from service.core.settings import Settings, get_core_settings, get_settings
from tests.conftest import DatabaseServer


@pytest.fixture
async def app_engine(env: WorkflowEnvironment, database_url: str) -> AsyncIterator[AsyncEngine]:
    """The engine of a real API process, built from DATABASE_URL by the app factory."""
    app = create_app(Settings.model_validate({"env": "test", "DATABASE_URL": database_url}), temporal=env.client)
    async with app.router.lifespan_context(app):
        yield app.state.ctx.engine


async def _refused(engine: AsyncEngine, statement: str) -> str:
    async with engine.connect() as conn:
        with pytest.raises(DBAPIError) as refused:
            await conn.execute(text(statement))
        await conn.rollback()
    return str(refused.value.orig)


@pytest.mark.parametrize(
    ("statement", "refusal"),
    [
        ("SET session_replication_role = replica", "permission denied to set parameter"),
        ("ALTER TABLE audit_entries DISABLE TRIGGER ALL", "must be owner of table audit_entries"),
        (
            "ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_no_update_or_delete",
            "must be owner of table audit_entries",
        ),
        (
            "DROP TRIGGER audit_entries_no_update_or_delete ON audit_entries",
            "must be owner of (table|relation) audit_entries",
        ),
        ("DROP TRIGGER audit_entries_no_truncate ON audit_entries", "must be owner of (table|relation) audit_entries"),
        ("UPDATE audit_entries SET actor_name = 'Không ai cả'", "permission denied for table audit_entries"),
        ("DELETE FROM audit_entries", "permission denied for table audit_entries"),
        ("TRUNCATE audit_entries", "permission denied for table audit_entries"),
        ("DROP TABLE audit_entries", "must be owner of table audit_entries"),
        ("ALTER TABLE audit_entries OWNER TO CURRENT_USER", "must be owner of table audit_entries"),
        (
            "CREATE OR REPLACE FUNCTION audit_entries_append_only() RETURNS trigger LANGUAGE plpgsql"
            " AS $$ BEGIN RETURN NEW; END $$",
            "must be owner of function audit_entries_append_only|permission denied for schema public",
        ),
        ("ALTER FUNCTION audit_entries_append_only() OWNER TO CURRENT_USER", "must be owner of function"),
        ("CREATE TABLE audit_entries_copy (id int)", "permission denied for schema public"),
        # Reference data is the seed's (the owner's): the service reads it.
        ("UPDATE units SET name = name", "permission denied for table units"),
        ("DELETE FROM role_assignments", "permission denied for table role_assignments"),
        ("SELECT * FROM alembic_version", "permission denied for table alembic_version"),
    ],
)
async def test_the_service_connection_is_refused(app_engine: AsyncEngine, statement: str, refusal: str) -> None:
    assert re.search(refusal, await _refused(app_engine, statement))


async def test_the_service_role_cannot_become_the_owner(
    app_engine: AsyncEngine, database_server: DatabaseServer
) -> None:
    message = await _refused(app_engine, f'SET ROLE "{database_server.roles.owner}"')
    assert "permission denied to set role" in message


async def test_the_service_role_owns_nothing_and_the_owner_owns_every_table(
    app_engine: AsyncEngine, database_server: DatabaseServer
) -> None:
    assert make_url(str(app_engine.url)).username == database_server.roles.service
    async with app_engine.connect() as conn:
        owned = (
            await conn.execute(
                text(
                    "WITH me AS (SELECT oid FROM pg_roles WHERE rolname = current_user)"
                    " SELECT (SELECT count(*) FROM pg_class WHERE relowner = (SELECT oid FROM me))"
                    " + (SELECT count(*) FROM pg_proc WHERE proowner = (SELECT oid FROM me))"
                    " + (SELECT count(*) FROM pg_type WHERE typowner = (SELECT oid FROM me))"
                    " + (SELECT count(*) FROM pg_namespace WHERE nspowner = (SELECT oid FROM me))"
                )
            )
        ).scalar_one()
        owners = set(
            (
                await conn.execute(
                    text(
                        "SELECT DISTINCT pg_get_userbyid(c.relowner) FROM pg_class c"
                        " JOIN pg_namespace n ON n.oid = c.relnamespace"
                        " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'S', 'v', 'm')"
                    )
                )
            ).scalars()
        )
        functions = set(
            (
                await conn.execute(
                    text(
                        "SELECT DISTINCT pg_get_userbyid(p.proowner) FROM pg_proc p"
                        " JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'public'"
                    )
                )
            ).scalars()
        )
        superuser = (await conn.execute(text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user"))).scalar()
    assert owned == 0 and superuser is False
    assert owners == {database_server.roles.owner} and functions == {database_server.roles.owner}
    me = await inspect_engine(app_engine)
    assert me.user == database_server.roles.service and not me.privileged


async def test_table_rights_of_the_service_role(app_engine: AsyncEngine) -> None:
    async with app_engine.connect() as conn:
        rows = (
            await conn.execute(
                text(
                    "SELECT table_name, privilege_type FROM information_schema.role_table_grants"
                    " WHERE grantee = current_user AND table_schema = 'public'"
                )
            )
        ).all()
        tables = set(
            (await conn.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))).scalars()
        )
    rights: dict[str, set[str]] = {}
    for table, privilege in rows:
        rights.setdefault(table, set()).add(privilege)
    assert rights["audit_entries"] == {"SELECT", "INSERT"}
    assert rights["units"] == rights["award_forms"] == rights["role_assignments"] == {"SELECT"}
    assert rights["login_attempts"] == {"SELECT", "INSERT", "UPDATE", "DELETE"}
    # The secret ballot's register of who voted is never changed; ancestry is kept by its trigger.
    assert rights["ballot_voters"] == {"SELECT", "INSERT", "DELETE"}
    assert rights["unit_ancestors"] == {"SELECT"}
    assert rights["nomination_access"] == {"SELECT", "INSERT"}
    assert "alembic_version" not in rights
    # Nowhere may the service truncate, add triggers or reference tables in keys of its own.
    assert not {"TRUNCATE", "TRIGGER", "REFERENCES"} & set().union(*rights.values())
    # Every table of the application is readable; only the migrations' bookkeeping is not.
    assert set(rights) == tables - {"alembic_version"}


async def test_tables_the_owner_adds_later_follow_the_default_privileges(
    owner_engine: AsyncEngine, database_server: DatabaseServer
) -> None:
    async with owner_engine.connect() as conn:
        await conn.execute(text("CREATE TABLE future_table (id serial PRIMARY KEY, note text)"))
        table = (
            await conn.execute(
                text(
                    "SELECT has_table_privilege(:r, 'future_table', 'SELECT, INSERT, UPDATE, DELETE'),"
                    " has_table_privilege(:r, 'future_table', 'TRUNCATE'),"
                    " has_sequence_privilege(:r, 'future_table_id_seq', 'USAGE')"
                ),
                {"r": database_server.roles.service},
            )
        ).one()
        await conn.rollback()
    assert tuple(table) == (True, False, True)


# ---- setting the roles up: psql with the file, `thidua db roles`, `thidua migrate` ---------------


@pytest.fixture
def scratch(database_server: DatabaseServer) -> Iterator[tuple[str, Roles]]:
    """An empty database and two role names of its own; dropped afterwards."""
    name = f"thidua_roles_{uuid.uuid4().hex[:10]}"
    suffix = uuid.uuid4().hex[:6]
    with database_server.admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(database_server.base_url).set(database=name).render_as_string(hide_password=False)
    roles = Roles(owner=f"scratch_owner_{suffix}", service=f"scratch_app_{suffix}")
    yield url, roles
    database_server.drop(url)
    with database_server.admin.connect() as conn:
        for role in (roles.service, roles.owner):
            conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))


def _psql() -> str | None:
    try:
        import pgserver

        local = Path(pgserver.__file__).parent / "pginstall" / "bin" / "psql"
        if local.exists():
            return str(local)
    except ImportError:
        pass
    return shutil.which("psql")


def _roles_of(url: str) -> dict[str, tuple[bool, bool, bool]]:
    engine = create_engine(sqlalchemy_url(url))
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                text("SELECT rolname, rolsuper, rolcreatedb, rolcanlogin FROM pg_roles WHERE rolname LIKE 'scratch_%'")
            ).all()
    finally:
        engine.dispose()
    return {r[0]: (r[1], r[2], r[3]) for r in rows}


def test_the_roles_file_runs_in_psql_and_again_through_thidua_db_roles(
    scratch: tuple[str, Roles], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, roles = scratch
    psql = _psql()
    if psql is None:
        pytest.skip("psql not found (the embedded PostgreSQL wheel ships one)")
    command = [psql, make_url(url).set(drivername="postgresql").render_as_string(hide_password=False),
               "-v", "ON_ERROR_STOP=1", "-v", f"owner_role={roles.owner}", "-v", f"service_role={roles.service}",
               "-q", "-f", str(ROLES_SQL)]  # fmt: skip
    run = subprocess.run(
        command, capture_output=True, text=True, timeout=60, env={**os.environ, "PGCONNECT_TIMEOUT": "10"}
    )
    assert run.returncode == 0, run.stderr
    expected = {roles.owner: (False, False, True), roles.service: (False, False, True)}
    assert {k: v for k, v in _roles_of(url).items() if k in expected} == expected

    # `thidua db roles` runs the same file: a second run changes nothing and fails nothing.
    monkeypatch.setenv("THIDUA_ENV", "test")
    monkeypatch.setenv("THIDUA_DB_OWNER_ROLE", roles.owner)
    monkeypatch.setenv("THIDUA_DB_SERVICE_ROLE", roles.service)
    monkeypatch.delenv("THIDUA_MIGRATION_DATABASE_URL", raising=False)
    get_settings.cache_clear()
    get_core_settings.cache_clear()
    try:
        assert cli.main(["db", "roles", "--admin-url", url]) == 0
    finally:
        get_settings.cache_clear()
        get_core_settings.cache_clear()
    assert {k: v for k, v in _roles_of(url).items() if k in expected} == expected


def test_the_roles_file_refuses_a_superuser_as_either_role(
    scratch: tuple[str, Roles], database_server: DatabaseServer
) -> None:
    url, roles = scratch
    superuser = make_url(database_server.base_url).username
    assert superuser
    with pytest.raises(Exception, match="is a superuser"):
        install_roles(url, Roles(owner=superuser, service=roles.service))


def test_migrate_as_a_superuser_takes_over_a_database_of_before_the_roles(
    scratch: tuple[str, Roles], database_server: DatabaseServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An existing deployment: one superuser connection, tables of 0001–0004 owned by it. `thidua migrate`
    with that connection creates the roles, hands every table to the owner, and grants the service role."""
    from alembic import command
    from alembic.script import ScriptDirectory

    url, roles = scratch
    admin = create_engine(sqlalchemy_url(url), isolation_level="AUTOCOMMIT")
    superuser = make_url(database_server.base_url).username
    try:
        # Build the old state: migrate to 0004 through temporary roles, then give everything to the superuser.
        install_roles(url, roles)
        command.upgrade(alembic_config(url, roles), "0004")
        with admin.connect() as conn:
            conn.execute(text(f'REASSIGN OWNED BY "{roles.owner}" TO "{superuser}"'))
            conn.execute(text(f'DROP OWNED BY "{roles.service}"'))
            conn.execute(text(f'DROP OWNED BY "{roles.owner}"'))
            conn.execute(text(f'DROP ROLE "{roles.service}"'))
            conn.execute(text(f'DROP ROLE "{roles.owner}"'))
            owners = set(
                conn.execute(text("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'")).scalars()
            )
        assert owners == {superuser}

        # Migrating as the owner role is refused while the superuser owns the tables: nothing half-done.
        install_roles(url, roles, passwords={roles.owner: database_server.password})
        with admin.connect() as conn:  # (install_roles took the tables over; give them back for this check)
            conn.execute(text(f'REASSIGN OWNED BY "{roles.owner}" TO "{superuser}"'))
        with pytest.raises(RuntimeError, match="do not belong to the role running the migrations"):
            command.upgrade(alembic_config(url_as(url, roles.owner, database_server.password), roles), "head")

        monkeypatch.setenv("THIDUA_ENV", "test")
        monkeypatch.setenv("DATABASE_URL", url)
        monkeypatch.delenv("THIDUA_MIGRATION_DATABASE_URL", raising=False)
        monkeypatch.setenv("THIDUA_DB_OWNER_ROLE", roles.owner)
        monkeypatch.setenv("THIDUA_DB_SERVICE_ROLE", roles.service)
        get_settings.cache_clear()
        get_core_settings.cache_clear()
        try:
            assert cli.main(["migrate"]) == 0
        finally:
            get_settings.cache_clear()
            get_core_settings.cache_clear()
        with admin.connect() as conn:
            owners = set(
                conn.execute(text("SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'")).scalars()
            )
            audit = set(
                conn.execute(
                    text(
                        "SELECT privilege_type FROM information_schema.role_table_grants"
                        " WHERE grantee = :r AND table_name = 'audit_entries'"
                    ),
                    {"r": roles.service},
                ).scalars()
            )
            version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
        head = ScriptDirectory.from_config(alembic_config(url)).get_current_head()
        assert owners == {roles.owner} and audit == {"SELECT", "INSERT"} and version == head
    finally:
        admin.dispose()


def test_the_pods_wait_until_migrate_has_brought_this_release_schema(
    scratch: tuple[str, Roles], database_server: DatabaseServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`thidua db wait` (the init container of the API's and the workers' pods) signs in as the service
    role, which cannot read alembic_version: it reads the mark `thidua migrate` leaves when it is done."""
    url, roles = scratch
    password = database_server.password
    install_roles(url, roles, passwords={roles.owner: password, roles.service: password})
    service_url, owner_url = url_as(url, roles.service, password), url_as(url, roles.owner, password)
    monkeypatch.setenv("THIDUA_ENV", "test")
    monkeypatch.setenv("DATABASE_URL", service_url)
    monkeypatch.setenv("THIDUA_MIGRATION_DATABASE_URL", owner_url)
    monkeypatch.setenv("THIDUA_DB_OWNER_ROLE", roles.owner)
    monkeypatch.setenv("THIDUA_DB_SERVICE_ROLE", roles.service)

    def mark(revision: str) -> None:
        owner = create_engine(sqlalchemy_url(owner_url))
        try:
            with owner.begin() as conn:
                conn.execute(text(f"COMMENT ON TABLE alembic_version IS '{MIGRATED_MARK}{revision}'"))
        finally:
            owner.dispose()

    get_settings.cache_clear()
    get_core_settings.cache_clear()
    try:
        assert cli.main(["db", "wait", "--timeout", "0"]) == 1, "an empty database is not ready"
        assert cli.main(["migrate"]) == 0
        assert migrated_revision(service_url) == head_revision()
        assert cli.main(["db", "wait", "--timeout", "0"]) == 0
        # The mark of the previous release: its schema is not this one's, the pod waits.
        previous = ScriptDirectory.from_config(alembic_config(owner_url)).get_revision(head_revision()).down_revision
        assert isinstance(previous, str)
        mark(previous)
        assert cli.main(["db", "wait", "--timeout", "0"]) == 1
        # A later release migrated already: a pod of this one restarting during the roll-out starts.
        mark("9999_a_later_release")
        assert cli.main(["db", "wait", "--timeout", "0"]) == 0
    finally:
        get_settings.cache_clear()
        get_core_settings.cache_clear()
    service = create_engine(sqlalchemy_url(service_url))
    try:
        with service.connect() as conn, pytest.raises(DBAPIError, match="permission denied"):
            conn.execute(text("SELECT version_num FROM alembic_version"))
    finally:
        service.dispose()
