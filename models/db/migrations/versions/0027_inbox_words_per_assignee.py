"""the open tasks' full-text index holds each word once more, prefixed with the task's (role, unit)
(issue 13)

Measured at 1,000,000 nominations (bench/read_scale.py): a council secretary's inbox searched for
"nguyen van" asked the index for "nguyen" & "van" & "@council_secretary/3" (migration 0022). The
index then intersected the posting lists of every open task with either word and of every task of
the council: 43,000 + 75,000 + 120,000 entries, 11–15 ms, for 1,042 matches. Each open task's
lexemes now also hold its words as "@role/unit:word", and a caller whose step grants are all
direct asks for "@council_secretary/3:nguyen" & "@council_secretary/3:van": posting lists of the
council's own tasks only (8,600 + 15,000 entries), 2.5–3 ms. The plain words stay in the index for
a subtree grant, whose tasks are of units below it (service/queries/visibility.py
assigned_matches). The index is rebuilt on the expression (three times the size: 34 MB at a
million); no table is rewritten.

Revision ID: 0027
Revises: 0026
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN = sa.text("status = 'open'")

# A tsvector's words, each prefixed with `owner` and a colon ("@council_secretary/3:nguyen").
INBOX_WORDS = r"""
CREATE OR REPLACE FUNCTION inbox_words(words tsvector, owner text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT array_to_tsvector(ARRAY(SELECT owner || ':' || w FROM unnest(tsvector_to_array(words)) AS w))
$$
"""

# The query for `words` (a search's text, parsed as plainto_tsquery('simple', …) parses it) in any of
# the `owners`' inboxes: (o1:w1 & o1:w2) | (o2:w1 & o2:w2). Each lexeme quoted as tsquery's input
# reads it (a quote doubled, a backslash escaped). No word: an empty query, which matches nothing.
INBOX_QUERY = r"""
CREATE OR REPLACE FUNCTION inbox_words_query(words text, owners text[]) RETURNS tsquery
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT AS $$
    SELECT coalesce(string_agg(conjunction, ' | '), '')::tsquery FROM (
        SELECT '(' || string_agg(
            '''' || replace(replace(o || ':' || w, '\', '\\'), '''', '''''') || '''', ' & '
        ) || ')' AS conjunction
        FROM unnest(owners) AS o, unnest(tsvector_to_array(to_tsvector('simple', words))) AS w
        GROUP BY o
    ) AS per_owner
$$
"""


def _index_on(expression: str) -> None:
    op.drop_index("ix_tasks_open_search", table_name="tasks")
    op.create_index(
        "ix_tasks_open_search", "tasks", [sa.text(expression)], postgresql_using="gin", postgresql_where=OPEN
    )


def upgrade() -> None:
    op.execute(INBOX_WORDS)
    op.execute(INBOX_QUERY)
    _index_on("(search_vector || inbox_words(search_vector, '@' || role || '/' || unit_id::text))")


def downgrade() -> None:
    # Migration 0022's index: the words and one "@role/unit" lexeme.
    _index_on("(search_vector || array_to_tsvector(ARRAY['@' || role || '/' || unit_id::text]))")
    op.execute("DROP FUNCTION inbox_words_query(text, text[])")
    op.execute("DROP FUNCTION inbox_words(tsvector, text)")
