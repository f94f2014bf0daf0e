"""the overdue list's count read from the dossiers with an open task, by its due date (issue 13)

A list filtered to the overdue counts up to 10,001 matches (the cap). Through the list's own index,
in the order of the last change, a province council's count read 22,000 entries at 1,000,000
nominations to find 10,001 overdue ones (13 ms). This partial index holds only the dossiers with an
open task, by its due date, with the list's filters and access keys, so that the count reads
overdue entries only (6 ms). Built in about 3 s at a million (91 MB); writes to nominations wait
for it, no table is rewritten.

Revision ID: 0026
Revises: 0025
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_nominations_open_due", "nominations", ["open_due_at"],
        postgresql_include=["status", "award_form", "period_year", "proposing_unit_id", "access_keys"],
        postgresql_where=sa.text("open_due_at IS NOT NULL"),
    )  # fmt: skip


def downgrade() -> None:
    op.drop_index("ix_nominations_open_due", table_name="nominations")
