"""The statements of a nomination's transition (activities/projection.py), as plain SQL.

They run on the driver's (psycopg's) connection inside SQLAlchemy's transaction: a transition runs
for every human step of every dossier, and building and compiling ORM statements for it cost more
CPU than PostgreSQL spent executing them. psycopg prepares each of these on the server after a few
uses. The tables are those of models/tables (and their migrations); every statement here runs in
the workflow tests of each kind of transition.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from psycopg import sql

# The nomination row, locked: the projection version guards against an older transition, the lock
# against a concurrent one. The award form's name is for the notice of a new task.
LOCK_NOMINATION = """
SELECT n.version, n.nominee_name, n.achievements, n.award_form, f.name
FROM nominations n LEFT JOIN award_forms f ON f.code = n.award_form
WHERE n.id = %s
FOR UPDATE OF n
"""

ROUTE = "SELECT route FROM nominations WHERE id = %s"
TASK_DUE = "SELECT due_at FROM tasks WHERE id = %s"
TASK_STEP = "SELECT step, step_name FROM tasks WHERE id = %s"

# Only an open task is closed: a retried transition finds it closed and changes nothing.
CLOSE_TASK = """
UPDATE tasks
SET status = %(status)s, outcome = %(outcome)s, decided_by = %(decided_by)s, comment = %(comment)s,
    completed_at = %(at)s
WHERE id = %(id)s AND status = 'open'
RETURNING step, step_name
"""

INSERT_AUDIT = """
INSERT INTO audit_entries (id, nomination_id, at, actor_id, actor_name, action, step, comment, source_address, details)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (id) DO NOTHING
"""

INSERT_TASK = """
INSERT INTO tasks (id, nomination_id, step, step_index, step_name, role, unit_id, status, created_at, due_at,
                   remind_at, details)
VALUES (%s, %s, %s, %s, %s, %s, %s, 'open', %s, %s, %s, %s)
ON CONFLICT (id) DO NOTHING
"""

UPSERT_BALLOT = """
INSERT INTO ballots (nomination_id, step, number, opened_at, mode, status, members, participants, votes_for,
                     votes_against, minutes, reason, closed_at, box)
VALUES (%(nomination_id)s, %(step)s, %(number)s, %(opened_at)s, %(mode)s, %(status)s, %(members)s,
        %(participants)s, %(votes_for)s, %(votes_against)s, %(minutes)s, %(reason)s, %(closed_at)s, %(box)s)
ON CONFLICT (nomination_id, step, number) DO UPDATE
SET mode = EXCLUDED.mode, status = EXCLUDED.status, members = EXCLUDED.members,
    participants = EXCLUDED.participants, votes_for = EXCLUDED.votes_for, votes_against = EXCLUDED.votes_against,
    minutes = EXCLUDED.minutes, reason = EXCLUDED.reason, closed_at = EXCLUDED.closed_at, box = EXCLUDED.box
"""

# Either unique key (a task's kind, or the event key): whichever a retry meets, it writes nothing.
INSERT_NOTIFICATION = """
INSERT INTO notifications (task_id, nomination_id, decision_id, event_key, kind, role, unit_id, message, created_at)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT DO NOTHING
"""

# Columns of `nominations` a transition writes whose values are JSON.
JSON_COLUMNS = frozenset({"nominee", "criteria"})


@lru_cache(maxsize=64)
def update_nomination(columns: tuple[str, ...]) -> sql.Composed:
    """UPDATE of the given columns (placeholders named as the columns), never back to an older version."""
    assignments = sql.SQL(", ").join(sql.SQL("{} = {}").format(sql.Identifier(c), sql.Placeholder(c)) for c in columns)
    return sql.SQL("UPDATE nominations SET {} WHERE id = %(_id)s AND version < %(version)s").format(assignments)


@dataclass(frozen=True)
class LockedDossier:
    version: int
    nominee_name: str
    achievements: str
    award_form: str
    award_form_name: str | None
