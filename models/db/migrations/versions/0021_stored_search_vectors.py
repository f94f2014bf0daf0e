"""the search text's lexemes stored on nominations and tasks, under the full-text indexes (issue 13)

Measured with bench/read_scale.py at 1,000,000 nominations: a broad search ("nguyen van", about
nine thousand matches) cost 30–37 ms of SQL, every match read from the table to find the newest
fifty, and walking the list's order instead cost 80–110 ms because each row's text was parsed again
(`to_tsvector`, about 15 µs a row). With the lexemes stored, a row's match is tested on the row in
2–3 µs a row read (15 ms for the 6,000 rows of "nguyen van"), and a broad search reads the list's
order until its page is full (service/queries/search.py). The full-text indexes move from the expression to the column; what
they find is unchanged.

Adding a stored generated column rewrites both tables once (a lock on each for the time of the
rewrite: 59 s for a million nominations and their tasks on a 2-core server).

Revision ID: 0021
Revises: 0020
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import TSVECTOR

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VECTOR = "to_tsvector('simple'::regconfig, search_text)"
# Rewritten by adding the column: vacuumed after the upgrade (models/db/migrate.py).
REWRITES = ("nominations", "tasks")
INDEXES = {"nominations": ("ix_nominations_search", None), "tasks": ("ix_tasks_open_search", "status = 'open'")}


def upgrade() -> None:
    for table, (index, where) in INDEXES.items():
        op.drop_index(index, table_name=table)
        op.add_column(table, sa.Column("search_vector", TSVECTOR(), sa.Computed(VECTOR, persisted=True)))
        op.create_index(
            index, table, ["search_vector"], postgresql_using="gin",
            postgresql_where=sa.text(where) if where else None,
        )  # fmt: skip


def downgrade() -> None:
    for table, (index, where) in INDEXES.items():
        op.drop_index(index, table_name=table)
        op.drop_column(table, "search_vector")
        op.create_index(
            index, table, [sa.text("to_tsvector('simple', search_text)")], postgresql_using="gin",
            postgresql_where=sa.text(where) if where else None,
        )  # fmt: skip
