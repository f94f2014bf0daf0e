"""read model at a million dossiers: inbox keys on tasks, list indexes read without the table (issue 13)

Measured with bench/read_scale.py at 1,000,000 nominations: a province-wide inbox or list filtered,
searched or counted joined a nomination (or an access row) for every row it looked at, and a page
of a broad scope took up to 1.6 s. Now:

- every task carries its dossier's filter and sort keys (form, proposing unit, period, list, nominee
  name, folded search text), copied by triggers: on insert from its nomination, and from the
  nomination when these change (a resubmission renames). Writers send nothing new, so the
  projection activity is unchanged. The open inbox has an index per order it offers, with the
  filters included, so that a page walks one index and its capped count reads no table rows;
- every nomination carries its route's (role, unit) pairs as numbers (`access_keys`, computed
  from the route by a trigger; models/rules/access.py), so that a step role's grant is tested on
  the list's own index instead of a lookup in `nomination_access` per row; the route's GIN index,
  read by no query since 0009, goes;
- the nominations list has an index per filter the list offers (status, form, year, proposing
  unit), each in the list's order (updated_at, id) and holding the other filters and the access
  keys, for the same reasons; they replace the single-column indexes of 0001.

Revision ID: 0017
Revises: 0016
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# models/rules/text.py MARKED_LETTERS and UNMARKED_LETTERS as they were when this index was made (as 0013).
MARKED = (
    "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ"
    "ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴĐ"
)
UNMARKED = (
    "aaaaaaaaaaaaaaaaaeeeeeeeeeeeiiiiiooooooooooooooooouuuuuuuuuuuyyyyyd"
    "aaaaaaaaaaaaaaaaaeeeeeeeeeeeiiiiiooooooooooooooooouuuuuuuuuuuyyyyyd"
)
NAME_KEY = f"lower(translate(nominee_name, '{MARKED}', '{UNMARKED}'))"

# The dossier's keys a task carries (models/tables/nominations.py Task).
KEYS = ("award_form", "proposing_unit_id", "period_kind", "period_year", "submission_id", "nominee_name", "search_text")
INBOX_FILTERS = ["award_form", "proposing_unit_id", "period_kind", "period_year", "submission_id"]

COPY_ON_INSERT = f"""
CREATE OR REPLACE FUNCTION tasks_copy_dossier() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- The task's nomination is written first (a foreign key): its keys are there to copy.
    SELECT {", ".join(f"n.{k}" for k in KEYS)}
    INTO {", ".join(f"NEW.{k}" for k in KEYS)}
    FROM nominations n WHERE n.id = NEW.nomination_id;
    RETURN NEW;
END
$$
"""

COPY_ON_CHANGE = f"""
CREATE OR REPLACE FUNCTION nominations_copy_to_tasks() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE tasks SET {", ".join(f"{k} = NEW.{k}" for k in KEYS)} WHERE nomination_id = NEW.id;
    RETURN NULL;
END
$$
"""

# The nominations list's filters; each leads an index in the list's order that holds the others.
LIST_FILTERS = {"status": "status", "form": "award_form", "year": "period_year", "unit": "proposing_unit_id"}
# Replaced by those: the same leading columns without the order's tiebreak or the other filters; the
# name order of 0013 served the inbox, which now sorts the tasks' copy of the name.
OLD_NOMINATION_INDEXES = {
    "ix_nominations_status_updated": ["status", "updated_at"],
    "ix_nominations_unit_updated": ["proposing_unit_id", "updated_at"],
    "ix_nominations_form_year": ["award_form", "period_year"],
    "ix_nominations_updated": ["updated_at"],
}


# models/rules/access.py ACCESS_KEY_CODES: each step's (role, unit), and a council's members.
ACCESS_KEYS_FUNCTION = """
CREATE OR REPLACE FUNCTION nomination_access_keys(route jsonb) RETURNS bigint[]
LANGUAGE sql IMMUTABLE AS $$
    SELECT coalesce(array_agg(DISTINCT k ORDER BY k), '{}') FROM (
        SELECT (s->>'unit_id')::bigint * 16 + CASE s->>'role'
            WHEN 'council_secretary' THEN 1 WHEN 'council_member' THEN 2
            WHEN 'appraiser' THEN 3 WHEN 'chairperson' THEN 4 END
        FROM jsonb_array_elements(route) s
        UNION ALL
        SELECT (s->>'unit_id')::bigint * 16 + 2 FROM jsonb_array_elements(route) s WHERE s->>'kind' = 'council'
    ) keys(k) WHERE k IS NOT NULL
$$
"""

ACCESS_KEYS_TRIGGER = """
CREATE OR REPLACE FUNCTION nominations_set_access_keys() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.access_keys := nomination_access_keys(NEW.route);
    RETURN NEW;
END
$$
"""


def upgrade() -> None:
    # The replaced indexes go first: the rows written below need not be added to them.
    for name in OLD_NOMINATION_INDEXES:
        op.drop_index(name, table_name="nominations")
    op.drop_index("ix_nominations_updated_id", table_name="nominations")
    op.drop_index("ix_nominations_name_key", table_name="nominations")
    # No query reads the route's containment since 0009 (the access rows, now the access keys).
    op.drop_index("ix_nominations_route", table_name="nominations")
    op.execute(ACCESS_KEYS_FUNCTION)
    op.execute(ACCESS_KEYS_TRIGGER)
    op.add_column("nominations", sa.Column("access_keys", sa.ARRAY(sa.BigInteger()), nullable=True))
    op.execute("UPDATE nominations SET access_keys = nomination_access_keys(route)")
    op.execute(
        "CREATE TRIGGER nominations_access_keys BEFORE INSERT OR UPDATE OF route, access_keys ON nominations "
        "FOR EACH ROW EXECUTE FUNCTION nominations_set_access_keys()"
    )
    op.create_index("ix_nominations_access_keys", "nominations", ["access_keys"], postgresql_using="gin")
    for key, column in (
        ("award_form", sa.String(length=64)),
        ("proposing_unit_id", sa.Integer()),
        ("period_kind", sa.String(length=32)),
        ("period_year", sa.Integer()),
        ("submission_id", sa.Uuid()),
        ("nominee_name", sa.String(length=300)),
        ("search_text", sa.String()),
    ):
        op.add_column("tasks", sa.Column(key, column, nullable=True))
    op.execute(
        f"UPDATE tasks t SET {', '.join(f'{k} = n.{k}' for k in KEYS)} FROM nominations n WHERE n.id = t.nomination_id"
    )
    op.execute(COPY_ON_INSERT)
    op.execute("CREATE TRIGGER tasks_dossier BEFORE INSERT ON tasks FOR EACH ROW EXECUTE FUNCTION tasks_copy_dossier()")
    op.execute(COPY_ON_CHANGE)
    # Only when a copied key really changed: a transition sets status and updated_at, not these.
    changed = " OR ".join(f"OLD.{k} IS DISTINCT FROM NEW.{k}" for k in KEYS)
    op.execute(
        f"CREATE TRIGGER nominations_tasks AFTER UPDATE OF {', '.join(KEYS)} ON nominations "
        f"FOR EACH ROW WHEN ({changed}) EXECUTE FUNCTION nominations_copy_to_tasks()"
    )

    op.drop_index("ix_tasks_role_unit_open", table_name="tasks")
    open_only = sa.text("status = 'open'")
    # Latest limit first still puts the tasks without one last: not the first order read backwards.
    for name, order, tiebreak in (
        ("due", "due_at", "id"),
        ("due_desc", "due_at DESC NULLS LAST", "id DESC"),
        ("created", "created_at", "id"),
        ("name", NAME_KEY, "id"),
    ):
        op.create_index(
            f"ix_tasks_open_{name}", "tasks", ["role", "unit_id", sa.text(order), sa.text(tiebreak)],
            postgresql_where=open_only, postgresql_include=INBOX_FILTERS,
        )  # fmt: skip
    op.create_index("ix_tasks_open_unit", "tasks", ["proposing_unit_id", "due_at"], postgresql_where=open_only)
    # The nominations list's `overdue`: a dossier's open task and its limit, read from a small index.
    op.create_index(
        "ix_tasks_open_nomination", "tasks", ["nomination_id"], postgresql_where=open_only,
        postgresql_include=["due_at"],
    )  # fmt: skip
    op.create_index(
        "ix_tasks_open_search", "tasks", [sa.text("to_tsvector('simple', search_text)")],
        postgresql_using="gin", postgresql_where=open_only,
    )  # fmt: skip

    order = [sa.text("updated_at DESC"), sa.text("id DESC")]
    held = [*LIST_FILTERS.values(), "access_keys"]
    op.create_index("ix_nominations_list", "nominations", order, postgresql_include=held)
    for name, column in LIST_FILTERS.items():
        # A proposing unit's list is short: its rows are read, not counted from the index.
        others = [c for c in held if c != column and (name != "unit" or c != "access_keys")]
        op.create_index(f"ix_nominations_list_{name}", "nominations", [column, *order], postgresql_include=others)


def downgrade() -> None:
    for name in LIST_FILTERS:
        op.drop_index(f"ix_nominations_list_{name}", table_name="nominations")
    op.drop_index("ix_nominations_list", table_name="nominations")
    op.create_index("ix_nominations_name_key", "nominations", [sa.text(NAME_KEY)])
    op.create_index("ix_nominations_updated_id", "nominations", [sa.text("updated_at DESC"), sa.text("id DESC")])
    for name, columns in OLD_NOMINATION_INDEXES.items():
        op.create_index(name, "nominations", columns)
    op.drop_index("ix_nominations_access_keys", table_name="nominations")
    op.create_index(
        "ix_nominations_route", "nominations", ["route"], postgresql_using="gin",
        postgresql_ops={"route": "jsonb_path_ops"},
    )  # fmt: skip
    op.execute("DROP TRIGGER IF EXISTS nominations_access_keys ON nominations")
    op.drop_column("nominations", "access_keys")
    op.execute("DROP FUNCTION IF EXISTS nominations_set_access_keys()")
    op.execute("DROP FUNCTION IF EXISTS nomination_access_keys(jsonb)")
    for name in ("due", "due_desc", "created", "name", "unit", "nomination", "search"):
        op.drop_index(f"ix_tasks_open_{name}", table_name="tasks")
    op.create_index(
        "ix_tasks_role_unit_open", "tasks", ["role", "unit_id", "due_at"], postgresql_where=sa.text("status = 'open'")
    )
    op.execute("DROP TRIGGER IF EXISTS nominations_tasks ON nominations")
    op.execute("DROP FUNCTION IF EXISTS nominations_copy_to_tasks()")
    op.execute("DROP TRIGGER IF EXISTS tasks_dossier ON tasks")
    op.execute("DROP FUNCTION IF EXISTS tasks_copy_dossier()")
    for key in reversed(KEYS):
        op.drop_column("tasks", key)
