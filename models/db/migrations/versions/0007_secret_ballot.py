"""secret ballot box: who voted (no choice) and where a ballot's votes are counted (issue: trust)

Revision ID: 0007
Revises: 0006
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

from models.db.roles import Roles

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("ballots", sa.Column("box", sa.String(length=16), server_default="workflow", nullable=False))
    op.create_table(
        "ballot_voters",
        sa.Column("nomination_id", sa.Uuid(), nullable=False),
        sa.Column("step", sa.String(length=64), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("seat_user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["nomination_id", "step", "number"], ["ballots.nomination_id", "ballots.step", "ballots.number"]
        ),
        sa.ForeignKeyConstraint(["seat_user_id"], ["users.id"]),
        sa.PrimaryKeyConstraint("nomination_id", "step", "number", "seat_user_id"),
    )
    # The register of who voted: entered, read, and taken out again when a v2 workflow refuses the
    # vote; never changed.
    service = _service_role()
    op.execute(f"REVOKE UPDATE ON ballot_voters FROM {service}")


def downgrade() -> None:
    op.drop_table("ballot_voters")
    op.drop_column("ballots", "box")


def _service_role() -> str:
    given = context.config.attributes.get("roles")
    roles = given if isinstance(given, Roles) else Roles.from_environment()
    return op.get_bind().dialect.identifier_preparer.quote(roles.service)
