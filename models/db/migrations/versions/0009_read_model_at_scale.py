"""read model at a province's scale: unit ancestry and nomination access rows (issue: performance)

Visibility used to be one OR-ed condition per (role, unit) a user's grants cover, so a
province-wide grant sent thousands of conditions with every list. Now:

- `unit_ancestors` holds (unit, ancestor) for every unit and each unit above it (itself included),
  kept by a trigger on `units`, so "below this unit" is one indexed join;
- `nomination_access` holds, per nomination, the (role, unit) pairs that may see it (its proposing
  unit's clerk and administrator, and every step's actor; the council's members), written with the
  nomination. A list is then "an access row matches one of my grants", whatever the grant's reach.

Revision ID: 0009
Revises: 0008
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import context, op

from models.db.roles import Roles

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ANCESTRY_FUNCTION = """
CREATE OR REPLACE FUNCTION units_maintain_ancestors() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND NEW.parent_id IS NOT DISTINCT FROM OLD.parent_id THEN
        RETURN NEW;
    END IF;
    -- The unit and everything below it get their ancestry again (a move re-parents a subtree).
    WITH RECURSIVE subtree(id) AS (
        SELECT NEW.id
        UNION ALL
        SELECT u.id FROM units u JOIN subtree s ON u.parent_id = s.id
    )
    DELETE FROM unit_ancestors WHERE unit_id IN (SELECT id FROM subtree);
    WITH RECURSIVE subtree(id) AS (
        SELECT NEW.id
        UNION ALL
        SELECT u.id FROM units u JOIN subtree s ON u.parent_id = s.id
    ), chain(unit_id, ancestor_id, depth) AS (
        SELECT s.id, s.id, 0 FROM subtree s
        UNION ALL
        SELECT c.unit_id, u.parent_id, c.depth + 1
        FROM chain c JOIN units u ON u.id = c.ancestor_id
        WHERE u.parent_id IS NOT NULL AND c.depth < 64
    )
    INSERT INTO unit_ancestors (unit_id, ancestor_id, depth)
    SELECT unit_id, ancestor_id, depth FROM chain
    ON CONFLICT DO NOTHING;
    RETURN NEW;
END
$$
"""

BACKFILL_ANCESTORS = """
WITH RECURSIVE chain(unit_id, ancestor_id, depth) AS (
    SELECT id, id, 0 FROM units
    UNION ALL
    SELECT c.unit_id, u.parent_id, c.depth + 1
    FROM chain c JOIN units u ON u.id = c.ancestor_id
    WHERE u.parent_id IS NOT NULL AND c.depth < 64
)
INSERT INTO unit_ancestors (unit_id, ancestor_id, depth) SELECT unit_id, ancestor_id, depth FROM chain
ON CONFLICT DO NOTHING
"""

# The same pairs as service.queries.visibility.access_rows, for the nominations that exist.
BACKFILL_ACCESS = """
INSERT INTO nomination_access (nomination_id, role, unit_id)
SELECT id, 'clerk', proposing_unit_id FROM nominations
UNION
SELECT id, 'admin', proposing_unit_id FROM nominations
UNION
SELECT n.id, s->>'role', (s->>'unit_id')::int FROM nominations n, jsonb_array_elements(n.route) s
UNION
SELECT n.id, 'council_member', (s->>'unit_id')::int
FROM nominations n, jsonb_array_elements(n.route) s WHERE s->>'kind' = 'council'
ON CONFLICT DO NOTHING
"""


def upgrade() -> None:
    op.create_table(
        "unit_ancestors",
        sa.Column("unit_id", sa.Integer(), sa.ForeignKey("units.id", ondelete="CASCADE"), nullable=False),
        sa.Column("ancestor_id", sa.Integer(), sa.ForeignKey("units.id", ondelete="CASCADE"), nullable=False),
        sa.Column("depth", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("unit_id", "ancestor_id"),
    )
    op.create_index("ix_unit_ancestors_ancestor", "unit_ancestors", ["ancestor_id", "unit_id"])
    op.execute(ANCESTRY_FUNCTION)
    op.execute(
        "CREATE TRIGGER units_ancestors AFTER INSERT OR UPDATE OF parent_id ON units "
        "FOR EACH ROW EXECUTE FUNCTION units_maintain_ancestors()"
    )
    op.execute(BACKFILL_ANCESTORS)

    op.create_table(
        "nomination_access",
        sa.Column("nomination_id", sa.Uuid(), sa.ForeignKey("nominations.id"), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("nomination_id", "role", "unit_id"),
    )
    op.create_index("ix_nomination_access_role_unit", "nomination_access", ["role", "unit_id", "nomination_id"])
    op.execute(BACKFILL_ACCESS)
    # Lists are ordered by the last change, newest first, with the id as a stable tiebreak.
    op.create_index("ix_nominations_updated_id", "nominations", [sa.text("updated_at DESC"), sa.text("id DESC")])
    # Every worker looks for dossiers left unstarted every few seconds: a tiny index, not a table scan.
    op.create_index("ix_nominations_unstarted", "nominations", ["created_at"], postgresql_where=sa.text("version = 0"))
    op.create_index(
        "ix_tasks_role_unit_open", "tasks", ["role", "unit_id", "due_at"], postgresql_where=sa.text("status = 'open'")
    )
    # Least privilege for the service role: the trigger keeps the ancestry (it runs for the owner,
    # who loads units); access rows are written once with their nomination.
    service = _service_role()
    op.execute(f"REVOKE INSERT, UPDATE, DELETE ON unit_ancestors FROM {service}")
    op.execute(f"REVOKE UPDATE, DELETE ON nomination_access FROM {service}")


def downgrade() -> None:
    op.drop_index("ix_tasks_role_unit_open", table_name="tasks")
    op.drop_index("ix_nominations_unstarted", table_name="nominations")
    op.drop_index("ix_nominations_updated_id", table_name="nominations")
    op.drop_table("nomination_access")
    op.execute("DROP TRIGGER IF EXISTS units_ancestors ON units")
    op.execute("DROP FUNCTION IF EXISTS units_maintain_ancestors()")
    op.drop_table("unit_ancestors")


def _service_role() -> str:
    given = context.config.attributes.get("roles")
    roles = given if isinstance(given, Roles) else Roles.from_environment()
    return op.get_bind().dialect.identifier_preparer.quote(roles.service)
