"""The nomination read model: dossiers, their tasks and reminders, and create-request keys.

Written only by activities, as upserts keyed so that a retried activity changes nothing twice
(idempotency keys are written by the API when a nomination is created).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ARRAY, BigInteger, Column, Computed, DateTime, Index, Text, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR
from sqlmodel import Field, SQLModel

from models.rules.text import name_key_sql
from models.tables._columns import timestamp

# The dossier's filters of the inbox, copied onto each task (see Task), and every key copied.
INBOX_FILTER_COLUMNS = ("award_form", "proposing_unit_id", "period_kind", "period_year", "submission_id")
# The nominations list's filters, each leading an index of the list's order (name: column).
LIST_FILTER_COLUMNS = {"status": "status", "form": "award_form", "year": "period_year", "unit": "proposing_unit_id"}
TASK_DOSSIER_KEYS = frozenset((*INBOX_FILTER_COLUMNS, "nominee_name", "search_text"))


class Nomination(SQLModel, table=True):
    __tablename__ = "nominations"
    __table_args__ = (
        # Lists: newest change first, the id as a stable tiebreak for keyset paging; one index for
        # the list and one per filter it offers, each holding the other filters (INCLUDE) so that the
        # capped count reads the index alone (migration 0017). The list's own also holds each row's
        # lexemes (`search_vector`, migration 0025): a broad search walks it (service/queries/
        # search.py) testing rows from the index, where it fetched each from the table (6,000 rows
        # for fifty "nguyen van" at a million, 13 ms of its 18).
        Index(
            "ix_nominations_list", text("updated_at DESC"), text("id DESC"),
            postgresql_include=[
                *LIST_FILTER_COLUMNS.values(), "access_keys", "open_due_at", "submission_id", "search_vector",
            ],
        ),
        *(
            Index(
                f"ix_nominations_list_{name}", column, text("updated_at DESC"), text("id DESC"),
                postgresql_include=[
                    *(c for c in LIST_FILTER_COLUMNS.values() if c != column),
                    # A proposing unit's list is short: its rows are read, not counted from the index.
                    *(["access_keys"] if name != "unit" else []),
                ],
            )
            for name, column in LIST_FILTER_COLUMNS.items()
        ),
        # The overdue list's count (migration 0026): the dossiers with an open task, by its due date,
        # so that counting the overdue reads overdue entries only. Through ix_nominations_list a
        # province council's count read 22,000 entries, most of them not overdue, to count 10,001.
        Index(
            "ix_nominations_open_due", "open_due_at",
            postgresql_include=[*LIST_FILTER_COLUMNS.values(), "access_keys"],
            postgresql_where=text("open_due_at IS NOT NULL"),
        ),
        # A narrow step role's list (a commune's council): its few dossiers found by their key.
        Index("ix_nominations_access_keys", "access_keys", postgresql_using="gin"),
        # The workers look every few seconds for dossiers whose workflow has not started (version 0).
        Index("ix_nominations_unstarted", "created_at", postgresql_where=text("version = 0")),
    )  # fmt: skip

    id: uuid.UUID = Field(primary_key=True)
    workflow_id: str = Field(max_length=100, unique=True)
    award_form: str = Field(foreign_key="award_forms.code", max_length=64)
    proposing_unit_id: int = Field(foreign_key="units.id")
    nominee_kind: str = Field(max_length=32)
    nominee_name: str = Field(max_length=300)
    nominee: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONB, nullable=False))
    period_kind: str = Field(max_length=32)
    period_year: int
    achievements: str
    criteria: list[Any] = Field(default_factory=list, sa_column=Column(JSONB, nullable=False))
    route: list[Any] = Field(default_factory=list, sa_column=Column(JSONB, nullable=False))
    status: str = Field(max_length=32)
    current_step: str | None = Field(default=None, max_length=64)
    current_step_index: int | None = None
    # Nominee name and achievements folded to lower-case ASCII for the `q` filter (full-text index),
    # so that "nguyen van an" finds "Nguyễn Văn An".
    search_text: str = ""
    created_by: int = Field(foreign_key="users.id")
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    updated_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    decided_at: datetime | None = timestamp()
    decision_number: str | None = Field(default=None, max_length=64)
    # How the decision was signed, e.g. "KT. CHỦ TỊCH – PHÓ CHỦ TỊCH Nguyễn Văn A".
    signed_by: str | None = Field(default=None, max_length=300)
    disclosure_until: datetime | None = timestamp()
    # Why it ended when it did not end awarded (the tally that failed the threshold, the reason given).
    result: str | None = None
    # The unit's list (tờ trình) it was proposed in, if any.
    submission_id: uuid.UUID | None = Field(default=None, foreign_key="submissions.id", index=True)
    # Monotonic projection version: a late or repeated activity never overwrites a newer state.
    version: int = 0
    # The route's (role, unit) pairs as numbers (models/rules/access.py access_key), computed by the
    # database from `route` on every write (migration 0017): whatever a writer sends is replaced.
    access_keys: list[int] | None = Field(default=None, sa_column=Column(ARRAY(BigInteger), nullable=True))
    # When the task the last transition left open falls due (null when none is open), written by
    # the projection with the row: the list's "overdue" filter reads it from ix_nominations_list.
    open_due_at: datetime | None = timestamp()


class Task(SQLModel, table=True):
    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_inbox", "status", "role", "unit_id", "due_at"),
        Index("ix_tasks_nomination", "nomination_id", "created_at"),
        # Open inboxes, one index per order the inbox offers, walked from the first row of the caller's
        # (role, unit); the dossier's filters are read from the index (INCLUDE), so that counting up to
        # the cap reads no table rows (bench/read_scale.py).
        Index(
            "ix_tasks_open_due", "role", "unit_id", "due_at", "id", postgresql_where=text("status = 'open'"),
            postgresql_include=list(INBOX_FILTER_COLUMNS),
        ),
        # Latest limit first still puts the tasks without one last: not the first order read backwards.
        Index(
            "ix_tasks_open_due_desc", "role", "unit_id", text("due_at DESC NULLS LAST"), text("id DESC"),
            postgresql_where=text("status = 'open'"), postgresql_include=list(INBOX_FILTER_COLUMNS),
        ),
        Index(
            "ix_tasks_open_created", "role", "unit_id", "created_at", "id", postgresql_where=text("status = 'open'"),
            postgresql_include=list(INBOX_FILTER_COLUMNS),
        ),
        # A broad inbox filtered to one award form (and year), overdue or not (migration 0024):
        # counted and walked from the entries it holds, not filtered out of the whole inbox's.
        Index(
            "ix_tasks_open_form_year", "role", "unit_id", "award_form", "period_year", "due_at", "id",
            postgresql_where=text("status = 'open'"),
            postgresql_include=[c for c in INBOX_FILTER_COLUMNS if c not in ("award_form", "period_year")],
        ),
        # A proposing unit's dossiers in a broad inbox (the filter `unit_id`).
        Index("ix_tasks_open_unit", "proposing_unit_id", "due_at", postgresql_where=text("status = 'open'")),
        # The nominations list's `overdue`: a dossier's open task and its limit, read from a small index.
        Index(
            "ix_tasks_open_nomination", "nomination_id", postgresql_where=text("status = 'open'"),
            postgresql_include=["due_at"],
        ),
    )  # fmt: skip

    id: uuid.UUID = Field(primary_key=True)
    nomination_id: uuid.UUID = Field(foreign_key="nominations.id")
    step: str = Field(max_length=64)
    step_index: int
    step_name: str = Field(max_length=300)
    role: str = Field(max_length=32)
    unit_id: int = Field(foreign_key="units.id")
    status: str = Field(max_length=16)  # open | done | cancelled
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    due_at: datetime | None = timestamp()
    remind_at: datetime | None = timestamp()
    reminded_at: datetime | None = timestamp()
    escalated_at: datetime | None = timestamp()
    completed_at: datetime | None = timestamp()
    outcome: str | None = Field(default=None, max_length=16)
    decided_by: int | None = Field(default=None, foreign_key="users.id")
    comment: str | None = None
    # What the task asks for beyond its step (the items of a supplement request).
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONB, nullable=False, server_default="{}"))
    # The dossier's keys the inbox filters and sorts by, copied from the nomination by the database
    # (triggers of migration 0017: on insert of the task, and when the nomination's change), so that
    # an inbox of a hundred thousand tasks is walked in one index without joining its nominations.
    # Whatever a writer sends here is replaced.
    award_form: str | None = Field(default=None, max_length=64)
    proposing_unit_id: int | None = None
    period_kind: str | None = Field(default=None, max_length=32)
    period_year: int | None = None
    submission_id: uuid.UUID | None = None
    nominee_name: str | None = Field(default=None, max_length=300)
    search_text: str | None = None


# The lexemes of `search_text`, kept by PostgreSQL itself (a stored generated column, migration
# 0021), under the full-text index of the `q` filter. Stored rather than an index on the expression
# so that a list walked in its order tests a row's match on the row (2–3 µs a row read) instead of
# parsing its text again (about 15 µs): a broad search reads the newest matches in the list's
# order, where the index would have to find every match first (service/queries/search.py).
# Not mapped on the classes: nothing reads it but the condition, and no writer may send it.
SEARCH_VECTOR_SQL = "to_tsvector('simple'::regconfig, search_text)"
for _table in ("nominations", "tasks"):
    SQLModel.metadata.tables[_table].append_column(
        Column("search_vector", TSVECTOR, Computed(SEARCH_VECTOR_SQL, persisted=True))
    )
Index("ix_nominations_search", SQLModel.metadata.tables["nominations"].c.search_vector, postgresql_using="gin")

# The nominee's name as the inbox sorts it (models/rules/text.py name_key_sql), kept by PostgreSQL
# on every write of the name (a stored generated column, migration 0023; the name is copied from
# the nomination by a trigger before it is computed). Stored so that an inbox's search sorts its
# thousand matches by name without computing each key again (about 8 µs a name), and under the
# name order's index. Not mapped, for the same reasons as `search_vector`.
SQLModel.metadata.tables["tasks"].append_column(
    Column("name_key", Text, Computed(name_key_sql("nominee_name"), persisted=True))
)
Index(
    "ix_tasks_open_name", "role", "unit_id", "name_key", "id", postgresql_where=text("status = 'open'"),
    postgresql_include=list(INBOX_FILTER_COLUMNS), _table=SQLModel.metadata.tables["tasks"],
)  # fmt: skip


def task_inbox_lexemes(qualifier: str = "") -> str:
    """The SQL of an open task's inbox lexemes; `qualifier` ("tasks.") where a query joins another
    table. Written as the index's expression reads back from PostgreSQL, which the migrations'
    check compares with."""
    q = qualifier
    return f"({q}search_vector || inbox_words({q}search_vector, (('@'::text || {q}role::text) || '/'::text) || {q}unit_id::text))"


# An open task's lexemes, and each of its words once more, prefixed with its (role, unit):
# "@council_secretary/3:nguyen" (migration 0027, function inbox_words). The inbox's search asks for
# the caller's own prefixed words (inbox_words_query), so the index intersects the posting lists of
# the caller's tasks only: a council's 8,600 and 15,000 entries for "nguyen van" at a million, not
# every open task's 43,000 and 75,000 and the council's 120,000 (11–15 ms → 2.5–3 ms). No word of a
# search becomes a lexeme that starts with "@" (the parser splits there). The plain words serve a
# subtree grant, whose tasks are of units below it.
Index(
    "ix_tasks_open_search", text(task_inbox_lexemes()), postgresql_using="gin",
    postgresql_where=text("status = 'open'"), _table=SQLModel.metadata.tables["tasks"],
)  # fmt: skip


def inbox_token(role: str, unit_id: int) -> str:
    """The prefix an open task's (role, unit) gives its words in its inbox lexemes."""
    return f"@{role}/{unit_id}"


def task_name_key() -> Any:
    """The stored sort key of a task's nominee name."""
    return SQLModel.metadata.tables["tasks"].c.name_key


def search_vector(table: type[Nomination] | type[Task]) -> Any:
    """The stored lexemes of a nomination's or task's search text, for `@@`."""
    return SQLModel.metadata.tables[str(table.__tablename__)].c.search_vector


class Notification(SQLModel, table=True):
    """What a (role, unit) is told about a nomination (kinds in models/rules/labels.py NOTIFICATION_KINDS).

    Written with what it tells, and never twice: a task's notifications (a task opened, returned or
    asked to supplement, its reminder and escalation) by (task_id, kind); the others (a ballot opened,
    a decision signed) by their `event_key`.
    """

    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("task_id", "kind"),
        UniqueConstraint("event_key", name="uq_notifications_event_key"),
        Index("ix_notifications_recipient", "role", "unit_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    task_id: uuid.UUID | None = Field(default=None, foreign_key="tasks.id")
    nomination_id: uuid.UUID = Field(foreign_key="nominations.id")
    kind: str = Field(max_length=32)
    role: str = Field(max_length=32)
    unit_id: int = Field(foreign_key="units.id")
    message: str
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    # The decision a "decision_signed" notification is about.
    decision_id: uuid.UUID | None = Field(default=None, foreign_key="decisions.id")
    event_key: str | None = Field(default=None, max_length=200)


class IdempotencyKey(SQLModel, table=True):
    __tablename__ = "idempotency_keys"

    user_id: int = Field(foreign_key="users.id", primary_key=True)
    key: str = Field(primary_key=True, max_length=200)
    request_hash: str = Field(max_length=64)
    nomination_id: uuid.UUID = Field(foreign_key="nominations.id")
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class NominationAccess(SQLModel, table=True):
    """The (role, unit) pairs that may see a nomination, written with it (models/rules/access.py)."""

    __tablename__ = "nomination_access"
    __table_args__ = (Index("ix_nomination_access_role_unit", "role", "unit_id", "nomination_id"),)

    nomination_id: uuid.UUID = Field(foreign_key="nominations.id", primary_key=True)
    role: str = Field(max_length=32, primary_key=True)
    unit_id: int = Field(primary_key=True)
