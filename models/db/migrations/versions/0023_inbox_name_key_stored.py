"""the open tasks' name order on a stored key (issue 13)

Measured with bench/read_scale.py at 1,000,000 nominations: a council secretary's inbox searched
for "nguyen van" and sorted by name computed the sort key of each of its 1,042 matches again
(`lower(translate(…))` with the 134 marked letters, about 8 µs a name), and that was a third of the
statement. The key is now a stored generated column, kept by PostgreSQL on every write of the name
(the name itself is copied from the nomination by the triggers of migration 0017, before the column
is computed), and the name order's index is built on it.

Adding a stored generated column rewrites the tasks table once (a lock on it for the time of the
rewrite: 25 s for the 600,000 tasks of a million nominations on a 2-core server), and the table is
vacuumed after it (REWRITES).

Revision ID: 0023
Revises: 0022
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# models/rules/text.py MARKED_LETTERS and UNMARKED_LETTERS as they were when this column was made.
MARKED = (
    "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ"
    "ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴĐ"
)
UNMARKED = (
    "aaaaaaaaaaaaaaaaaeeeeeeeeeeeiiiiiooooooooooooooooouuuuuuuuuuuyyyyyd"
    "aaaaaaaaaaaaaaaaaeeeeeeeeeeeiiiiiooooooooooooooooouuuuuuuuuuuyyyyyd"
)
NAME_KEY = f"lower(translate(nominee_name, '{MARKED}', '{UNMARKED}'))"
INCLUDE = ["award_form", "proposing_unit_id", "period_kind", "period_year", "submission_id"]
OPEN = sa.text("status = 'open'")
# Rewritten by adding the column: vacuumed after the upgrade (models/db/migrate.py).
REWRITES = ("tasks",)


def upgrade() -> None:
    op.drop_index("ix_tasks_open_name", table_name="tasks")
    op.add_column("tasks", sa.Column("name_key", sa.Text(), sa.Computed(NAME_KEY, persisted=True)))
    op.create_index(
        "ix_tasks_open_name", "tasks", ["role", "unit_id", "name_key", "id"],
        postgresql_where=OPEN, postgresql_include=INCLUDE,
    )  # fmt: skip


def downgrade() -> None:
    op.drop_index("ix_tasks_open_name", table_name="tasks")
    op.drop_column("tasks", "name_key")
    op.create_index(
        "ix_tasks_open_name", "tasks", ["role", "unit_id", sa.text(NAME_KEY), "id"],
        postgresql_where=OPEN, postgresql_include=INCLUDE,
    )  # fmt: skip
