"""the list's index holds each row's lexemes (and list), so that a broad search walks the index alone (issue 13)

A search for common words ("nguyen van") walks the list's order from the newest row, testing each
row's lexemes, until its page is full (service/queries/search.py). Through ix_nominations_list the
lexemes were read from the table: at 1,000,000 nominations the province council's search fetched
6,000 rows for its fifty matches (13 ms of 18). The list's index now also holds `search_vector` and
`submission_id` (every column the list's filters read), so the walk reads nothing else (4 ms).

The same index rather than a second one: every change of a dossier writes an entry in each of its
indexes, and a second index of the list's order cost the step-by-step throughput about 3%. The
lists' own walks read the wider entries at little cost (an overdue page: 2.9 to 3.6 ms); their
counts read the narrower per-filter indexes. Rebuilt in about 4 s at a million (357 MB); writes to
nominations wait for it, and lists walk without it meanwhile. No table is rewritten.

Revision ID: 0025
Revises: 0024
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ORDER = [sa.text("updated_at DESC"), sa.text("id DESC")]
FILTERS = ["status", "award_form", "period_year", "proposing_unit_id", "access_keys", "open_due_at"]


def upgrade() -> None:
    op.drop_index("ix_nominations_list", table_name="nominations")
    op.create_index(
        "ix_nominations_list", "nominations", ORDER, postgresql_include=[*FILTERS, "submission_id", "search_vector"]
    )


def downgrade() -> None:
    op.drop_index("ix_nominations_list", table_name="nominations")
    op.create_index("ix_nominations_list", "nominations", ORDER, postgresql_include=FILTERS)
