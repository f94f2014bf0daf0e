"""sign-in attempts counted in PostgreSQL, shared by every API process (issue: trust roles)

Revision ID: 0006
Revises: 0005
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import context, op

from models.db.roles import Roles

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _service_role() -> str:
    given = context.config.attributes.get("roles")
    roles = given if isinstance(given, Roles) else Roles.from_environment()
    return op.get_bind().dialect.identifier_preparer.quote(roles.service)


def upgrade() -> None:
    op.create_table(
        "login_attempts",
        sa.Column("scope", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("account", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("address", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("window_seconds", sa.Integer(), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("scope", "account", "address", "window_seconds"),
    )
    op.create_index("ix_login_attempts_expires_at", "login_attempts", ["expires_at"], unique=False)
    # The API counts, blocks, resets and forgets (the owner's default privileges say the same; said here too).
    op.execute(f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE login_attempts TO {_service_role()}")


def downgrade() -> None:
    op.drop_index("ix_login_attempts_expires_at", table_name="login_attempts")
    op.drop_table("login_attempts")
