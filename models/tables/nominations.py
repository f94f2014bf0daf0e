"""The nomination read model: dossiers, their tasks and reminders, and create-request keys.

Written only by activities, as upserts keyed so that a retried activity changes nothing twice
(idempotency keys are written by the API when a nomination is created).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Column, DateTime, Index, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel

from models.rules.text import name_key_sql
from models.tables._columns import timestamp


class Nomination(SQLModel, table=True):
    __tablename__ = "nominations"
    __table_args__ = (
        Index("ix_nominations_status_updated", "status", "updated_at"),
        Index("ix_nominations_unit_updated", "proposing_unit_id", "updated_at"),
        Index("ix_nominations_form_year", "award_form", "period_year"),
        Index("ix_nominations_updated", "updated_at"),
        Index("ix_nominations_search", text("to_tsvector('simple', search_text)"), postgresql_using="gin"),
        # Visibility: "nominations whose route passes through one of my (role, unit)".
        Index("ix_nominations_route", "route", postgresql_using="gin", postgresql_ops={"route": "jsonb_path_ops"}),
        # Lists: newest change first, the id as a stable tiebreak for keyset paging.
        Index("ix_nominations_updated_id", text("updated_at DESC"), text("id DESC")),
        # The inbox sorted by the nominee's name: walked in this order, the first page of a large
        # inbox is found without sorting all of it (bench/read_scale.py).
        Index("ix_nominations_name_key", text(name_key_sql("nominee_name"))),
        # The workers look every few seconds for dossiers whose workflow has not started (version 0).
        Index("ix_nominations_unstarted", "created_at", postgresql_where=text("version = 0")),
    )

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


class Task(SQLModel, table=True):
    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_inbox", "status", "role", "unit_id", "due_at"),
        Index("ix_tasks_nomination", "nomination_id", "created_at"),
        # Inboxes: the open tasks of a (role, unit), soonest due first.
        Index("ix_tasks_role_unit_open", "role", "unit_id", "due_at", postgresql_where=text("status = 'open'")),
    )

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
