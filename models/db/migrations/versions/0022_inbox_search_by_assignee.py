"""the open tasks' full-text index holds each task's (role, unit) too (issue 13)

Measured with bench/read_scale.py at 1,000,000 nominations: a council secretary's inbox searched for
"nguyen van" found the 5,343 open tasks of every inbox with those words in the index, then read each
from the table to keep the council's 1,042 (17–21 ms of SQL). Each open task's lexemes now carry
one more, "@role/unit", and the inbox's search asks for the caller's pairs with the words: the index
hands back the council's matches alone (11–13 ms). The index is rebuilt on the expression; no table
is rewritten.

Revision ID: 0022
Revises: 0021
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = sa.text("status = 'open'")


def upgrade() -> None:
    op.drop_index("ix_tasks_open_search", table_name="tasks")
    op.create_index(
        "ix_tasks_open_search", "tasks",
        [sa.text("(search_vector || array_to_tsvector(ARRAY['@' || role || '/' || unit_id::text]))")],
        postgresql_using="gin", postgresql_where=OPEN,
    )  # fmt: skip


def downgrade() -> None:
    op.drop_index("ix_tasks_open_search", table_name="tasks")
    op.create_index("ix_tasks_open_search", "tasks", ["search_vector"], postgresql_using="gin", postgresql_where=OPEN)
