"""Run Alembic migrations from code (used by `thidua migrate`, the dev stack and the tests), and wait
for them (`thidua db wait`)."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool

from models.db.engine import sqlalchemy_url
from models.db.roles import Roles, become_owner

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(database_url: str, roles: Roles | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", sqlalchemy_url(database_url).replace("%", "%%"))
    # The migrations grant the service role its rights and run as the owner role (see env.py).
    cfg.attributes["roles"] = roles or Roles.from_environment()
    return cfg


def migrate(database_url: str, roles: Roles | None = None) -> None:
    """Upgrade to the newest revision, connected with `database_url`: the owner role, or a superuser
    (who then acts as the owner role, so that the owner owns what the migrations create).

    A migration that rewrites a table (a stored generated column) names it in `REWRITES`. A table
    rewritten has no page marked all-visible, so every index-only scan of the lists reads the table
    too (a capped count of an inbox went from 3 to 18 ms at a million), and nothing makes
    autovacuum come soon: such tables are vacuumed once the upgrade is in."""
    roles = roles or Roles.from_environment()
    before = current_revision(database_url)
    command.upgrade(alembic_config(database_url, roles), "head")
    if before is not None:
        vacuum(database_url, roles, tables_rewritten_since(before))


def current_revision(database_url: str) -> str | None:
    """The revision the database is at; None for an empty database."""
    engine = create_engine(sqlalchemy_url(database_url), poolclass=NullPool)
    try:
        with engine.connect() as conn:
            if conn.execute(text("SELECT to_regclass('alembic_version')")).scalar_one() is None:
                return None
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one_or_none()
    finally:
        engine.dispose()


def tables_rewritten_since(revision: str) -> list[str]:
    """The tables that the migrations after `revision` rewrite (their `REWRITES`)."""
    tables: set[str] = set()
    for script in _scripts().iterate_revisions("head", revision):
        tables.update(getattr(script.module, "REWRITES", ()))
    return sorted(tables)


def vacuum(database_url: str, roles: Roles, tables: list[str]) -> None:
    """VACUUM (ANALYZE) these tables as their owner (outside a transaction, as VACUUM must be)."""
    if not tables:
        return
    engine = create_engine(sqlalchemy_url(database_url), poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            become_owner(conn, roles)
            for table in tables:
                if not re.fullmatch(r"[a-z_]+", table):
                    raise RuntimeError(f"unexpected table name {table!r} in a migration's REWRITES")
                conn.execute(text(f"VACUUM (ANALYZE) {table}"))
    finally:
        engine.dispose()


# ---- the release's schema is in: what the service's pods wait for ------------------------------
#
# `thidua migrate` ends by writing the revision it reached into the comment of `alembic_version`.
# The service role has no right on that table (migration 0005), but comments (pg_description) are
# readable by every role: so the API's and the workers' pods can wait, as the service role, until
# the release's migration Job has run (`thidua db wait`, their init container on Kubernetes).
MIGRATED_MARK = "thidua migrate reached "


def _scripts() -> ScriptDirectory:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return ScriptDirectory.from_config(cfg)


def head_revision() -> str:
    head = _scripts().get_current_head()
    assert head is not None
    return head


def mark_migrated(database_url: str, roles: Roles | None = None) -> str:
    """After the migrations and the reference data: record the revision reached; returns it."""
    engine = create_engine(sqlalchemy_url(database_url), poolclass=NullPool)
    try:
        with engine.begin() as conn:
            become_owner(conn, roles or Roles.from_environment())
            revision = str(conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one())
            if not re.fullmatch(r"[A-Za-z0-9_]+", revision):
                raise RuntimeError(f"unexpected revision id {revision!r} in alembic_version")
            # COMMENT takes no parameter: the revision is checked above.
            conn.execute(text(f"COMMENT ON TABLE alembic_version IS '{MIGRATED_MARK}{revision}'"))
    finally:
        engine.dispose()
    return revision


def migrated_revision(database_url: str) -> str | None:
    """The revision `thidua migrate` last reached, read by any role; None before it first ran."""
    engine = create_engine(sqlalchemy_url(database_url), poolclass=NullPool)
    try:
        with engine.connect() as conn:
            comment = conn.execute(text("SELECT obj_description(to_regclass('alembic_version'), 'pg_class')")).scalar()
    finally:
        engine.dispose()
    if not isinstance(comment, str) or not comment.startswith(MIGRATED_MARK):
        return None
    return comment.removeprefix(MIGRATED_MARK)


def is_recent_enough(revision: str | None) -> bool:
    """This release's head, or a revision this release does not know: a later release migrated
    already (a pod of the previous release restarting during a roll-out must not wait for ever)."""
    if revision is None:
        return False
    scripts = _scripts()
    known = {script.revision for script in scripts.walk_revisions()}
    return revision == scripts.get_current_head() or revision not in known


def wait_for_schema(
    database_url: str, timeout: float, *, interval: float = 2.0, say: Callable[[str], None] = print
) -> bool:
    """Wait until the database holds this release's schema (or a later one); False past `timeout`.
    A database not reachable yet counts as not ready."""
    deadline = time.monotonic() + timeout
    head = head_revision()
    last = ""
    while True:
        try:
            revision = migrated_revision(database_url)
            state = f"schema at {revision or 'no release yet'}, this release needs {head}"
        except OperationalError as exc:
            revision, state = None, f"database not reachable: {str(exc.orig).strip().splitlines()[0]}"
        if is_recent_enough(revision):
            say(f"schema ready ({revision}; this release needs {head})")
            return True
        if state != last:
            say(f"waiting for `thidua migrate`: {state}")
            last = state
        if time.monotonic() >= deadline:
            say(f"gave up after {timeout:.0f} s: {state}")
            return False
        time.sleep(interval)
