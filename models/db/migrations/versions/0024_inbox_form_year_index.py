"""an open inbox's dossiers of one award form (and year), by due date: their own index (issue 13)

Measured with bench/read_scale.py at 1,000,000 nominations: a council's 120,000-task inbox filtered
to one form, one year and overdue (10,000 of them and more) read 70,000 entries of the due-date
index to count its first 10,001 (15 ms). This index leads with the form and the year, so the count
reads the entries it counts (5 ms), and the page is walked in due-date order as it is. No table is
rewritten: 2 s to build at a million.

Revision ID: 0024
Revises: 0023
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_tasks_open_form_year", "tasks", ["role", "unit_id", "award_form", "period_year", "due_at", "id"],
        postgresql_where=sa.text("status = 'open'"),
        postgresql_include=["proposing_unit_id", "period_kind", "submission_id"],
    )  # fmt: skip


def downgrade() -> None:
    op.drop_index("ix_tasks_open_form_year", table_name="tasks")
