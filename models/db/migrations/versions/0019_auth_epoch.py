"""auth epoch: one counter that every change to users, grants, delegations or units moves on (issue 13)

The API caches each signed-in user's principal (grants, subtree scopes, delegations in force) per
process and reads only this counter on each request: a change made through any process, or by hand
in the database, is seen by every process at its next request. Statement-level triggers keep it, so
a bulk change bumps it once. The service role may read and update the row (default privileges,
migration 0005): its own changes (a delegation, an OpenID Connect user's row) fire the triggers.

Revision ID: 0019
Revises: 0017
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0019"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BUMP_FUNCTION = """
CREATE OR REPLACE FUNCTION auth_epoch_bump() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE auth_epoch SET epoch = epoch + 1 WHERE id = 1;
    RETURN NULL;
END
$$
"""

# What a principal is built from. A user's password hash is not: a changed password does not
# change what a token already issued may do.
WATCHED = {
    "users": "INSERT OR DELETE OR TRUNCATE OR UPDATE OF username, full_name, unit_id, is_active",
    "role_assignments": "INSERT OR UPDATE OR DELETE OR TRUNCATE",
    "delegations": "INSERT OR UPDATE OR DELETE OR TRUNCATE",
    "units": "INSERT OR UPDATE OR DELETE OR TRUNCATE",
}


def upgrade() -> None:
    op.create_table(
        "auth_epoch",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("epoch", sa.Integer(), nullable=False),
        sa.CheckConstraint("id = 1", name="ck_auth_epoch_one_row"),
    )
    op.execute("INSERT INTO auth_epoch (id, epoch) VALUES (1, 0)")
    op.execute(BUMP_FUNCTION)
    for table, events in WATCHED.items():
        op.execute(
            f"CREATE TRIGGER {table}_auth_epoch AFTER {events} ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION auth_epoch_bump()"
        )


def downgrade() -> None:
    for table in WATCHED:
        op.execute(f"DROP TRIGGER IF EXISTS {table}_auth_epoch ON {table}")
    op.execute("DROP FUNCTION IF EXISTS auth_epoch_bump()")
    op.drop_table("auth_epoch")
