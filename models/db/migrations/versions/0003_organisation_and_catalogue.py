"""Council ballots, public disclosure, supplement requests and delegations (issue: every award route as data)

Revision ID: 0003
Revises: 0002
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("nominations", sa.Column("signed_by", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=True))
    op.add_column("nominations", sa.Column("disclosure_until", sa.DateTime(timezone=True), nullable=True))
    op.add_column("nominations", sa.Column("result", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    op.add_column(
        "tasks",
        sa.Column("details", postgresql.JSONB(astext_type=sa.Text()), nullable=False, server_default="{}"),
    )
    op.create_table(
        "ballots",
        sa.Column("nomination_id", sa.Uuid(), nullable=False),
        sa.Column("step", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("mode", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("members", sa.Integer(), nullable=False),
        sa.Column("participants", sa.Integer(), nullable=False),
        sa.Column("votes_for", sa.Integer(), nullable=False),
        sa.Column("votes_against", sa.Integer(), nullable=False),
        sa.Column("minutes", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["nomination_id"], ["nominations.id"]),
        sa.PrimaryKeyConstraint("nomination_id", "step", "number"),
    )
    op.create_index("ix_ballots_open", "ballots", ["status", "nomination_id"], unique=False)
    op.create_table(
        "disclosure_comments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("nomination_id", sa.Uuid(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("author_name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["nomination_id"], ["nominations.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_disclosure_comments_nomination", "disclosure_comments", ["nomination_id", "created_at"], unique=False
    )
    op.create_table(
        "delegations",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("from_user_id", sa.Integer(), nullable=False),
        sa.Column("to_user_id", sa.Integer(), nullable=False),
        sa.Column("role", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["from_user_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["to_user_id"], ["users.id"]),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_delegations_to_user", "delegations", ["to_user_id", "ends_on"], unique=False)
    op.create_index("ix_delegations_from_user", "delegations", ["from_user_id", "ends_on"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_delegations_from_user", table_name="delegations")
    op.drop_index("ix_delegations_to_user", table_name="delegations")
    op.drop_table("delegations")
    op.drop_index("ix_disclosure_comments_nomination", table_name="disclosure_comments")
    op.drop_table("disclosure_comments")
    op.drop_index("ix_ballots_open", table_name="ballots")
    op.drop_table("ballots")
    op.drop_column("tasks", "details")
    op.drop_column("nominations", "result")
    op.drop_column("nominations", "disclosure_until")
    op.drop_column("nominations", "signed_by")
