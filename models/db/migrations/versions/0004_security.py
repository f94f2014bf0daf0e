"""authentication, audit protections and attachments (issue: security)

Revision ID: 0004
Revises: 0003
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# The audit trail is append-only for every database role that is not a superuser: the
# application's own connection can insert rows but never change or remove one.
APPEND_ONLY_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_entries_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_entries is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END
$$
"""


def upgrade() -> None:
    # Roles held for a unit and, where granted, its subtree.
    op.add_column(
        "role_assignments", sa.Column("subtree", sa.Boolean(), server_default=sa.text("false"), nullable=False)
    )
    # Administrators saw every dossier before scopes existed: keep that for existing grants.
    op.execute("UPDATE role_assignments SET subtree = true WHERE role = 'admin'")

    # Audit entries of administrative actions: on a subject other than a nomination.
    op.alter_column("audit_entries", "nomination_id", existing_type=sa.Uuid(), nullable=True)
    op.add_column(
        "audit_entries", sa.Column("subject_type", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True)
    )
    op.add_column("audit_entries", sa.Column("subject_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True))
    op.add_column("audit_entries", sa.Column("unit_id", sa.Integer(), nullable=True))
    op.add_column("audit_entries", sa.Column("details", postgresql.JSONB(astext_type=sa.Text()), nullable=True))
    op.create_foreign_key(None, "audit_entries", "units", ["unit_id"], ["id"])
    op.create_index("ix_audit_subject_at", "audit_entries", ["subject_type", "subject_id", "at"], unique=False)
    op.create_index("ix_audit_unit_at", "audit_entries", ["unit_id", "at"], unique=False)
    op.execute(APPEND_ONLY_FUNCTION)
    op.execute(
        "CREATE TRIGGER audit_entries_no_update_or_delete BEFORE UPDATE OR DELETE ON audit_entries "
        "FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only()"
    )
    op.execute(
        "CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries "
        "FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_append_only()"
    )

    op.create_table(
        "attachments",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("nomination_id", sa.Uuid(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("file_name", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("content_type", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("storage_key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("uploaded_by", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["nomination_id"], ["nominations.id"]),
        sa.ForeignKeyConstraint(["uploaded_by"], ["users.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("storage_key"),
    )
    op.create_index("ix_attachments_nomination_created", "attachments", ["nomination_id", "created_at"], unique=False)
    op.create_table(
        "oidc_identities",
        sa.Column("issuer", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False),
        sa.Column("subject", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("issuer", "subject"),
        sa.UniqueConstraint("user_id"),
    )


def downgrade() -> None:
    op.drop_table("oidc_identities")
    op.drop_index("ix_attachments_nomination_created", table_name="attachments")
    op.drop_table("attachments")
    op.execute("DROP TRIGGER IF EXISTS audit_entries_no_truncate ON audit_entries")
    op.execute("DROP TRIGGER IF EXISTS audit_entries_no_update_or_delete ON audit_entries")
    op.execute("DROP FUNCTION IF EXISTS audit_entries_append_only()")
    op.drop_index("ix_audit_unit_at", table_name="audit_entries")
    op.drop_index("ix_audit_subject_at", table_name="audit_entries")
    op.drop_constraint("audit_entries_unit_id_fkey", "audit_entries", type_="foreignkey")
    op.drop_column("audit_entries", "details")
    op.drop_column("audit_entries", "unit_id")
    op.drop_column("audit_entries", "subject_id")
    op.drop_column("audit_entries", "subject_type")
    # Rows of administrative actions have no nomination: the column stays nullable on the way down.
    op.drop_column("role_assignments", "subtree")
