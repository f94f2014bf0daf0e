"""award decisions: number registers per issuing unit and year, decisions, their awardees (the award
register) and documents (issue: decisions)

Revision ID: 0008
Revises: 0007
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "decision_counters",
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("units.id"), primary_key=True),
        sa.Column("year", sa.Integer(), primary_key=True),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.CheckConstraint("last_number > 0", name="ck_decision_counters_positive"),
    )
    op.create_table(
        "decisions",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("issuing_unit_id", sa.Integer(), sa.ForeignKey("units.id"), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("symbol", sa.String(length=32), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("signer_user_id", sa.Integer(), sa.ForeignKey("users.id"), nullable=False),
        sa.Column("signer_name", sa.String(length=200), nullable=False),
        sa.Column("signer_title", sa.String(length=300), nullable=True),
        sa.Column("award_form", sa.String(length=64), sa.ForeignKey("award_forms.code"), nullable=False),
        sa.UniqueConstraint("issuing_unit_id", "year", "number"),
    )
    op.create_index("ix_decisions_year_unit", "decisions", ["year", "issuing_unit_id"])
    op.create_table(
        "decision_nominations",
        sa.Column("decision_id", sa.Uuid(), sa.ForeignKey("decisions.id"), primary_key=True),
        sa.Column("nomination_id", sa.Uuid(), sa.ForeignKey("nominations.id"), primary_key=True),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("nominee_kind", sa.String(length=32), nullable=False),
        sa.Column("nominee_name", sa.String(length=300), nullable=False),
        sa.Column("proposing_unit_id", sa.Integer(), sa.ForeignKey("units.id"), nullable=False),
        sa.Column("award_form", sa.String(length=64), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("period_kind", sa.String(length=32), nullable=False),
        sa.Column("period_year", sa.Integer(), nullable=False),
        sa.Column("achievements", sa.Text(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("prize_coefficient", sa.Float(), nullable=False, server_default="0"),
        sa.Column("prize_amount", sa.BigInteger(), nullable=False, server_default="0"),
        sa.UniqueConstraint("nomination_id"),
    )
    op.create_index("ix_decision_nominations_unit", "decision_nominations", ["proposing_unit_id"])
    op.create_index("ix_decision_nominations_form_year", "decision_nominations", ["award_form", "year"])
    op.create_table(
        "decision_documents",
        sa.Column("decision_id", sa.Uuid(), sa.ForeignKey("decisions.id"), primary_key=True),
        sa.Column("kind", sa.String(length=8), primary_key=True),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("signed", sa.Boolean(), nullable=False, server_default=sa.text("false")),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("decision_documents")
    op.drop_index("ix_decision_nominations_form_year", table_name="decision_nominations")
    op.drop_index("ix_decision_nominations_unit", table_name="decision_nominations")
    op.drop_table("decision_nominations")
    op.drop_index("ix_decisions_year_unit", table_name="decisions")
    op.drop_table("decisions")
    op.drop_table("decision_counters")
