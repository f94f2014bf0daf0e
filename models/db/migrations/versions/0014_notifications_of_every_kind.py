"""notifications of every kind: a task opened, returned, supplement asked, ballot opened, decision signed (issue 12)

A notification of a task keeps its unique (task_id, kind). Those that are not one task's (a ballot
opened on a task that may hold several ballots, a decision signed for several nominations) have no
task: they are written once by their `event_key` instead, and a decision's carry its `decision_id`.

Revision ID: 0014
Revises: 0013
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # "supplement_requested" is longer than the 16 characters of reminder | escalation.
    op.alter_column(
        "notifications", "kind", type_=sa.String(length=32), existing_type=sa.String(length=16), existing_nullable=False
    )
    op.alter_column("notifications", "task_id", existing_type=sa.Uuid(), nullable=True)
    op.add_column(
        "notifications",
        sa.Column(
            "decision_id", sa.Uuid(), sa.ForeignKey("decisions.id", name="fk_notifications_decision"), nullable=True
        ),
    )
    op.add_column("notifications", sa.Column("event_key", sa.String(length=200), nullable=True))
    op.create_unique_constraint("uq_notifications_event_key", "notifications", ["event_key"])


def downgrade() -> None:
    # The kinds the earlier schema cannot hold go with it (their read and e-mail rows point to nothing).
    op.execute("DELETE FROM notifications WHERE task_id IS NULL OR length(kind) > 16")
    op.drop_constraint("uq_notifications_event_key", "notifications", type_="unique")
    op.drop_column("notifications", "event_key")
    op.drop_column("notifications", "decision_id")
    op.alter_column("notifications", "task_id", existing_type=sa.Uuid(), nullable=False)
    op.alter_column(
        "notifications", "kind", type_=sa.String(length=16), existing_type=sa.String(length=32), existing_nullable=False
    )
