"""the inbox sorted by the nominee's name: an index on the name as lists sort it (issue: inbox at volume)

Measured with bench/read_scale.py and EXPLAIN ANALYZE: at 150,000 nominations the provincial
council's 18,000 open tasks sorted by name took 223 ms in PostgreSQL (every nomination joined, then
sorted); walking this index it takes 13 ms. Through the API at 300,000 nominations
(bench/read_scale.py --sizes 300000), the first page of that council's 36,000 tasks by name went
from 856 to 189 ms (p50). Small inboxes keep their plan (a sort of a few rows).

Revision ID: 0013
Revises: 0011
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# models/rules/text.py MARKED_LETTERS and UNMARKED_LETTERS as they were when this index was made.
MARKED = (
    "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ"
    "ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴĐ"
)
UNMARKED = (
    "aaaaaaaaaaaaaaaaaeeeeeeeeeeeiiiiiooooooooooooooooouuuuuuuuuuuyyyyyd"
    "aaaaaaaaaaaaaaaaaeeeeeeeeeeeiiiiiooooooooooooooooouuuuuuuuuuuyyyyyd"
)


def upgrade() -> None:
    op.create_index(
        "ix_nominations_name_key", "nominations", [sa.text(f"lower(translate(nominee_name, '{MARKED}', '{UNMARKED}'))")]
    )


def downgrade() -> None:
    op.drop_index("ix_nominations_name_key", table_name="nominations")
