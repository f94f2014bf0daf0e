"""database roles: the service role gets only what the code needs (issue: trust roles)

The owner role (that runs these migrations) owns every table; the service role (the API and the
worker, DATABASE_URL) owns nothing and gets, table by table, the rights below. On audit_entries it
may only add and read rows: it cannot change or remove one, truncate the table, or touch its
triggers (only an owner can alter or drop a trigger, and only a superuser can set
session_replication_role). Tables created later by the owner give the service role SELECT,
INSERT, UPDATE and DELETE by default; a migration that wants less for its table revokes it there.

The roles themselves are created by deploy/sql/roles.sql (`thidua db roles`).

Revision ID: 0005
Revises: 0004
"""

import logging
from collections.abc import Sequence

from alembic import context, op
from sqlalchemy import text

from models.db.roles import Roles

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None
log = logging.getLogger("alembic.runtime.migration")

# What the API and the worker do to each table (grep the code for the writes: routers, activities,
# service/security). Reference data is loaded by the seed, as the owner.
SERVICE_GRANTS: dict[str, tuple[str, ...]] = {
    # Reference data: read only.
    "award_forms": ("SELECT",),
    "units": ("SELECT",),
    "role_assignments": ("SELECT",),
    # Users signing in through OpenID Connect are created and kept up to date by the API.
    "users": ("SELECT", "INSERT", "UPDATE"),
    "oidc_identities": ("SELECT", "INSERT"),
    # The read model of nominations (API creates, projection activity updates).
    "nominations": ("SELECT", "INSERT", "UPDATE"),
    "tasks": ("SELECT", "INSERT", "UPDATE"),
    "ballots": ("SELECT", "INSERT", "UPDATE"),
    "notifications": ("SELECT", "INSERT"),
    "idempotency_keys": ("SELECT", "INSERT"),
    "disclosure_comments": ("SELECT", "INSERT"),
    "attachments": ("SELECT", "INSERT"),
    "delegations": ("SELECT", "INSERT", "UPDATE"),
    # Append-only: never UPDATE, DELETE or TRUNCATE.
    "audit_entries": ("SELECT", "INSERT"),
    # Plans: amendments rewrite the plan row and replace its milestones; events and reports are upserts.
    "plans": ("SELECT", "INSERT", "UPDATE"),
    "plan_milestones": ("SELECT", "INSERT", "DELETE"),
    "plan_events": ("SELECT", "INSERT", "UPDATE"),
    "plan_reports": ("SELECT", "INSERT", "UPDATE"),
    "plan_notifications": ("SELECT", "INSERT"),
}
# Only the owner reads or writes these.
OWNER_ONLY = ("alembic_version",)
DEFAULT_TABLE_RIGHTS = "SELECT, INSERT, UPDATE, DELETE"


def _roles() -> Roles:
    given = context.config.attributes.get("roles")
    return given if isinstance(given, Roles) else Roles.from_environment()


def _quote(name: str) -> str:
    return op.get_bind().dialect.identifier_preparer.quote(name)


def upgrade() -> None:
    roles = _roles()
    bind = op.get_bind()
    if not bind.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": roles.service}).first():
        raise RuntimeError(
            f"the database role {roles.service!r} does not exist: run `thidua db roles` "
            "(or deploy/sql/roles.sql with psql) as a superuser, then migrate again"
        )
    # (env.py has checked that the role running the migrations owns every table of the application.)
    tables = {r[0] for r in bind.execute(text("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")).all()}
    unknown = sorted(tables - set(SERVICE_GRANTS) - set(OWNER_ONLY))
    if unknown:
        # Not thidua's tables: the service role gets nothing on them.
        log.warning("no rights for the service role on tables thidua does not know: %s", ", ".join(unknown))

    service = _quote(roles.service)
    op.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {service}")
    op.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {service}")
    for table, rights in SERVICE_GRANTS.items():
        if table in tables:
            op.execute(f"GRANT {', '.join(rights)} ON TABLE {_quote(table)} TO {service}")
    # nextval() of the serial keys (units, users, plan reports...).
    op.execute(f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {service}")
    # Tables and sequences the owner creates from now on.
    op.execute(
        f"ALTER DEFAULT PRIVILEGES FOR ROLE CURRENT_USER IN SCHEMA public"
        f" GRANT {DEFAULT_TABLE_RIGHTS} ON TABLES TO {service}"
    )
    op.execute(
        f"ALTER DEFAULT PRIVILEGES FOR ROLE CURRENT_USER IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {service}"
    )


def downgrade() -> None:
    service = _quote(_roles().service)
    op.execute(
        f"ALTER DEFAULT PRIVILEGES FOR ROLE CURRENT_USER IN SCHEMA public"
        f" REVOKE {DEFAULT_TABLE_RIGHTS} ON TABLES FROM {service}"
    )
    op.execute(
        f"ALTER DEFAULT PRIVILEGES FOR ROLE CURRENT_USER IN SCHEMA public REVOKE USAGE, SELECT ON SEQUENCES FROM {service}"
    )
    op.execute(f"REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {service}")
    op.execute(f"REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM {service}")
