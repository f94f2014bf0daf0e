"""The two database roles: an owner that runs the migrations and owns every table, and a service role
(the API and the worker) that owns nothing and holds only the rights the code needs.

The roles are created by `deploy/sql/roles.sql` (the production schema job runs it with psql;
`thidua db roles`, `thidua migrate` as a superuser, the dev stack and the tests run the same file
through `install_roles`). The service role's rights on each table are granted by the migrations.
"""

from __future__ import annotations

import logging
import os
import re
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import NullPool

from models.db.engine import sqlalchemy_url

log = logging.getLogger(__name__)
ROLES_SQL = Path(__file__).resolve().parents[2] / "deploy" / "sql" / "roles.sql"
DEFAULT_OWNER_ROLE = "thidua_owner"
DEFAULT_SERVICE_ROLE = "thidua_app"
ROLE_NAME = re.compile(r"^[a-z_][a-z0-9_]{0,62}$")


@dataclass(frozen=True)
class Roles:
    owner: str = DEFAULT_OWNER_ROLE
    service: str = DEFAULT_SERVICE_ROLE

    def __post_init__(self) -> None:
        for what, name in (("owner", self.owner), ("service", self.service)):
            if not ROLE_NAME.match(name):
                raise ValueError(f"the {what} role name {name!r} must be lower-case letters, digits and _")
        if self.owner == self.service:
            raise ValueError(f"the owner and the service role must be two roles, not both {self.owner!r}")

    @classmethod
    def from_environment(cls) -> Roles:
        """The names in THIDUA_DB_OWNER_ROLE / THIDUA_DB_SERVICE_ROLE (Alembic run by hand reads these)."""
        return cls(
            owner=os.environ.get("THIDUA_DB_OWNER_ROLE") or DEFAULT_OWNER_ROLE,
            service=os.environ.get("THIDUA_DB_SERVICE_ROLE") or DEFAULT_SERVICE_ROLE,
        )


def libpq_url(url: str) -> str:
    """A postgresql:// URL for psycopg itself (no SQLAlchemy driver name)."""
    return make_url(sqlalchemy_url(url)).set(drivername="postgresql").render_as_string(hide_password=False)


def url_as(url: str, role: str, password: str | None = None) -> str:
    """The same server and database, signed in as `role` (with `password`, when the server asks for one)."""
    return make_url(url).set(username=role, password=password).render_as_string(hide_password=False)


def roles_script(roles: Roles, path: Path = ROLES_SQL) -> str:
    """deploy/sql/roles.sql with its two psql variables replaced by the role names."""
    script = path.read_text(encoding="utf-8")
    for variable, value in (("owner_role", roles.owner), ("service_role", roles.service)):
        placeholder = f":'{variable}'"
        if placeholder not in script:
            raise ValueError(f"{path} no longer uses the psql variable {placeholder}")
        script = script.replace(placeholder, "'" + value + "'")  # the names match ROLE_NAME: nothing to escape
    return script


def install_roles(
    admin_url: str, roles: Roles, *, passwords: dict[str, str] | None = None, path: Path = ROLES_SQL
) -> None:
    """Create (or bring in line) both roles in the database of `admin_url`, a superuser's connection.

    `passwords` maps a role name to the password it signs in with; a role left out keeps its own.
    """
    with psycopg.connect(libpq_url(admin_url), autocommit=True) as conn:
        # No parameters: psycopg sends the whole file at once (simple query protocol), as psql would.
        conn.execute(roles_script(roles, path).encode())
        for role, password in (passwords or {}).items():
            if role in (roles.owner, roles.service):
                conn.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(sql.Identifier(role), sql.Literal(password)))


@dataclass(frozen=True)
class Connected:
    """Who a connection signs in as, and what it could do to the schema."""

    user: str
    superuser: bool
    owned_tables: int

    @property
    def privileged(self) -> bool:
        return self.superuser or self.owned_tables > 0


WHO_AM_I = text(
    "SELECT current_user, r.rolsuper,"
    " (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
    "   WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND pg_has_role(c.relowner, 'USAGE'))"
    " FROM pg_roles r WHERE r.rolname = current_user"
)


def connected(conn: Connection) -> Connected:
    row = conn.execute(WHO_AM_I).one()
    return Connected(user=str(row[0]), superuser=bool(row[1]), owned_tables=int(row[2]))


def become_owner(conn: Connection, roles: Roles) -> str:
    """Before migrating: a superuser (or a member of the owner role) acts as the owner role, so that every
    object it creates belongs to the owner. Returns the role the migrations run as."""
    me = connected(conn)
    if me.user == roles.owner:
        return me.user
    exists = conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": roles.owner}).first()
    member = exists and conn.execute(text("SELECT pg_has_role(:r, 'MEMBER')"), {"r": roles.owner}).scalar_one()
    if me.superuser and not exists:
        raise RuntimeError(
            f"the database role {roles.owner!r} does not exist: run `thidua db roles` "
            "(or deploy/sql/roles.sql with psql) as a superuser first"
        )
    if member:
        conn.execute(text(f'SET ROLE "{roles.owner}"'))
        return roles.owner
    return me.user


def check_ownership(conn: Connection, tables: set[str], roles: Roles) -> None:
    """Refuse to migrate when the role running the migrations does not own the application's tables: what
    it created would belong to it while the rest belongs to someone else, and it could not grant rights."""
    rows = conn.execute(
        text(
            "SELECT c.relname, pg_get_userbyid(c.relowner) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')"
            " AND c.relowner <> (SELECT oid FROM pg_roles WHERE rolname = current_user) ORDER BY 1"
        )
    ).all()
    foreign = [(name, owner) for name, owner in rows if name in tables]
    if foreign:
        me = conn.execute(text("SELECT current_user")).scalar_one()
        listed = ", ".join(f"{name} ({owner})" for name, owner in foreign)
        raise RuntimeError(
            f"these tables do not belong to the role running the migrations ({me}): {listed}. Run `thidua db roles` "
            f"(or deploy/sql/roles.sql) as a superuser so that {roles.owner} owns them, then migrate as {roles.owner} "
            "(THIDUA_MIGRATION_DATABASE_URL) or as a superuser"
        )


def inspect(url: str) -> Connected:
    """Who `url` signs in as."""
    engine = create_engine(sqlalchemy_url(url), poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return connected(conn)
    finally:
        engine.dispose()


async def inspect_engine(engine: AsyncEngine) -> Connected:
    async with engine.connect() as conn:
        return await conn.run_sync(connected)


async def warn_if_privileged(engine: AsyncEngine, who: str) -> None:
    """Log loudly when the API or the worker signs in as a role that could rewrite the audit trail."""
    try:
        me = await inspect_engine(engine)
    except Exception as exc:  # the database may come up later: the readiness probe reports it
        log.info("%s: could not check the database role yet: %s", who, type(exc).__name__)
        return
    if me.privileged:
        log.warning(
            "%s: DATABASE_URL signs in as %s, which %s: it could change or delete audit rows. Give the API and "
            "the worker the service role (deploy/sql/roles.sql, `thidua db roles`) and migrate with "
            "THIDUA_MIGRATION_DATABASE_URL",
            who,
            me.user,
            "is a superuser" if me.superuser else f"owns {me.owned_tables} tables",
        )


def prepare(admin_url: str, roles: Roles, *, password: str | None = None) -> tuple[str, str]:
    """A superuser's database made ready as in production: both roles, migrated as the owner.

    Returns the owner's URL (migrations, seed) and the service role's URL (API, worker). Used by the
    dev stack, the plan simulator and the tests; `password` is set on both roles when given.
    """
    from models.db.migrate import migrate

    install_roles(admin_url, roles, passwords={roles.owner: password, roles.service: password} if password else None)
    owner_url = url_as(admin_url, roles.owner, password)
    migrate(owner_url, roles)
    return owner_url, url_as(admin_url, roles.service, password)
