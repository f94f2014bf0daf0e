"""award rounds at volume: a unit's list in one submission, council sessions, saved views (issue: rounds)

Revision ID: 0011
Revises: 0010
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _created_at() -> sa.Column:  # type: ignore[type-arg]
    return sa.Column("created_at", sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "submission_counters",
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("units.id"), primary_key=True),
        sa.Column("year", sa.Integer(), primary_key=True),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.CheckConstraint("last_number > 0", name="ck_submission_counters_positive"),
    )
    op.create_table(
        "submissions",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("proposing_unit_id", sa.Integer(), sa.ForeignKey("units.id"), nullable=False),
        sa.Column("award_form", sa.String(length=64), sa.ForeignKey("award_forms.code"), nullable=False),
        sa.Column("period_kind", sa.String(length=32), nullable=False),
        sa.Column("period_year", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=8), nullable=False),
        sa.Column("created_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        _created_at(),
        sa.UniqueConstraint("proposing_unit_id", "year", "number"),
    )
    op.create_index("ix_submissions_unit_created", "submissions", ["proposing_unit_id", "created_at"])
    op.create_table(
        "submission_keys",
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), primary_key=True),
        sa.Column("key", sa.String(length=200), primary_key=True),
        sa.Column("request_hash", sa.String(length=64), nullable=False),
        sa.Column("submission_id", sa.Uuid(), sa.ForeignKey("submissions.id"), nullable=False),
        _created_at(),
    )
    op.create_table(
        "submission_documents",
        sa.Column("submission_id", sa.Uuid(), sa.ForeignKey("submissions.id"), primary_key=True),
        sa.Column("kind", sa.String(length=8), primary_key=True),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        _created_at(),
    )
    op.add_column("nominations", sa.Column("submission_id", sa.Uuid(), sa.ForeignKey("submissions.id"), nullable=True))
    op.create_index("ix_nominations_submission_id", "nominations", ["submission_id"])

    op.create_table(
        "council_sessions",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("council_unit_id", sa.Integer(), sa.ForeignKey("units.id"), nullable=False),
        sa.Column("mode", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("opened_by", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("members", sa.Integer(), nullable=True),
        sa.Column("present", sa.Integer(), nullable=True),
        sa.Column("minutes", sa.String(), nullable=True),
        sa.Column("actor", JSONB(), nullable=True),
        sa.Column("results_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("applied", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("workflow_id", sa.String(length=100), nullable=True),
        sa.CheckConstraint("applied >= 0 AND applied <= total", name="ck_council_sessions_applied"),
    )
    op.create_index("ix_council_sessions_council", "council_sessions", ["council_unit_id", "opened_at"])
    op.create_table(
        "council_session_items",
        sa.Column("session_id", sa.Uuid(), sa.ForeignKey("council_sessions.id"), primary_key=True),
        sa.Column("nomination_id", sa.Uuid(), sa.ForeignKey("nominations.id"), primary_key=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("step", sa.String(length=64), nullable=False),
        sa.Column("votes_for", sa.Integer(), nullable=True),
        sa.Column("votes_against", sa.Integer(), nullable=True),
        sa.Column("written_for", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("written_against", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("detail", sa.String(), nullable=True),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_council_session_items_nomination", "council_session_items", ["nomination_id"])
    op.create_table(
        "council_session_documents",
        sa.Column("session_id", sa.Uuid(), sa.ForeignKey("council_sessions.id"), primary_key=True),
        sa.Column("kind", sa.String(length=8), primary_key=True),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        _created_at(),
    )

    op.create_table(
        "saved_views",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("target", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("filters", JSONB(), nullable=False),
        _created_at(),
        sa.UniqueConstraint("user_id", "name"),
    )
    op.create_index("ix_saved_views_user_id", "saved_views", ["user_id"])


def downgrade() -> None:
    op.drop_table("saved_views")
    op.drop_table("council_session_documents")
    op.drop_index("ix_council_session_items_nomination", table_name="council_session_items")
    op.drop_table("council_session_items")
    op.drop_index("ix_council_sessions_council", table_name="council_sessions")
    op.drop_table("council_sessions")
    op.drop_index("ix_nominations_submission_id", table_name="nominations")
    op.drop_column("nominations", "submission_id")
    op.drop_table("submission_documents")
    op.drop_table("submission_keys")
    op.drop_index("ix_submissions_unit_created", table_name="submissions")
    op.drop_table("submissions")
    op.drop_table("submission_counters")
