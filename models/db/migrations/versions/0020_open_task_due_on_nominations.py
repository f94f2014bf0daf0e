"""the open task's due date on its nomination, for the list's "overdue" filter (issue 13)

Measured with bench/read_scale.py at 1,000,000 nominations: the nominations list filtered on
"overdue" probed the tasks table once per row it walked (about 160 ms). The projection now writes
the due date of the task a transition leaves open (`open_due_at`, null when none is open) with the
rest of the nomination's row, and the list's main index holds it, so the filter is read from the
index. Backfilled from the open tasks.

Revision ID: 0020
Revises: 0019
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# As 0017 made it, plus open_due_at.
HELD = ["status", "award_form", "period_year", "proposing_unit_id", "access_keys"]
ORDER = [sa.text("updated_at DESC"), sa.text("id DESC")]


def upgrade() -> None:
    op.add_column("nominations", sa.Column("open_due_at", sa.DateTime(timezone=True), nullable=True))
    op.execute(
        "UPDATE nominations n SET open_due_at = t.due_at FROM tasks t "
        "WHERE t.nomination_id = n.id AND t.status = 'open' AND t.due_at IS NOT NULL"
    )
    op.drop_index("ix_nominations_list", table_name="nominations")
    op.create_index("ix_nominations_list", "nominations", ORDER, postgresql_include=[*HELD, "open_due_at"])


def downgrade() -> None:
    op.drop_index("ix_nominations_list", table_name="nominations")
    op.create_index("ix_nominations_list", "nominations", ORDER, postgresql_include=HELD)
    op.drop_column("nominations", "open_due_at")
