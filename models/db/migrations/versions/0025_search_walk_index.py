"""a broad search's walk read from an index: the list's order with its filters and the lexemes (issue 13)

A search for common words ("nguyen van") walks the list's order from the newest row, testing each
row's lexemes, until its page is full (service/queries/search.py). Through ix_nominations_list the
lexemes were read from the table: at 1,000,000 nominations the province council's search fetched
6,000 rows for its fifty matches (13 ms of 18). This index holds what the walk and the list's
filters read, so the walk reads nothing else (4 ms). It is a second index rather than wider
entries in the list's own, which the lists and their capped counts read without the lexemes.
Built in about 4 s at a million (357 MB); writes to nominations wait for it, no table is rewritten.

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


def upgrade() -> None:
    op.create_index(
        "ix_nominations_search_walk", "nominations", [sa.text("updated_at DESC"), sa.text("id DESC")],
        postgresql_include=[
            "status", "award_form", "period_year", "proposing_unit_id", "access_keys", "open_due_at",
            "submission_id", "search_vector",
        ],
    )  # fmt: skip


def downgrade() -> None:
    op.drop_index("ix_nominations_search_walk", table_name="nominations")
