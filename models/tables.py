"""PostgreSQL schema: organisation, people, award catalogue and the nomination read model.

The read model (nominations, tasks, audit entries, notifications) is written only by
activities, as upserts keyed so that a retried activity changes nothing twice.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Column, DateTime, Index, UniqueConstraint, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


def _ts(nullable: bool = True, index: bool = False) -> Any:
    return Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=nullable, index=index))


class UnitBase(SQLModel):
    code: str = Field(max_length=64)
    name: str = Field(max_length=300)
    # province | district | commune | department | council | school | enterprise | village | ...
    kind: str = Field(max_length=32)
    # Administrative level the unit belongs to: central | province | district | commune | grassroots
    level: str = Field(max_length=32)


class Unit(UnitBase, table=True):
    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("code"),)

    id: int | None = Field(default=None, primary_key=True)
    parent_id: int | None = Field(default=None, foreign_key="units.id", index=True)


class UnitPublic(UnitBase):
    id: int
    parent_id: int | None


class User(SQLModel, table=True):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("username"),)

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=100)
    full_name: str = Field(max_length=200)
    password_hash: str
    unit_id: int = Field(foreign_key="units.id", index=True)
    is_active: bool = True


class RoleAssignment(SQLModel, table=True):
    """A role held by a user for a unit (the council secretary of a council, the appraiser of Sở Nội vụ)."""

    __tablename__ = "role_assignments"
    __table_args__ = (
        UniqueConstraint("user_id", "role", "unit_id"),
        Index("ix_role_assignments_role_unit", "role", "unit_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    role: str = Field(max_length=32)
    unit_id: int = Field(foreign_key="units.id")
    # The role also covers every unit below unit_id in the organisation tree.
    subtree: bool = Field(default=False, sa_column_kwargs={"server_default": text("false")})


class AwardForm(SQLModel, table=True):
    __tablename__ = "award_forms"

    code: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=300)
    decider_level: str = Field(max_length=32)
    definition: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONB, nullable=False))


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
    decided_at: datetime | None = _ts()
    decision_number: str | None = Field(default=None, max_length=64)
    # How the decision was signed, e.g. "KT. CHỦ TỊCH – PHÓ CHỦ TỊCH Nguyễn Văn A".
    signed_by: str | None = Field(default=None, max_length=300)
    disclosure_until: datetime | None = _ts()
    # Why it ended when it did not end awarded (the tally that failed the threshold, the reason given).
    result: str | None = None
    # Monotonic projection version: a late or repeated activity never overwrites a newer state.
    version: int = 0


class Task(SQLModel, table=True):
    __tablename__ = "tasks"
    __table_args__ = (
        Index("ix_tasks_inbox", "status", "role", "unit_id", "due_at"),
        Index("ix_tasks_nomination", "nomination_id", "created_at"),
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
    due_at: datetime | None = _ts()
    remind_at: datetime | None = _ts()
    reminded_at: datetime | None = _ts()
    escalated_at: datetime | None = _ts()
    completed_at: datetime | None = _ts()
    outcome: str | None = Field(default=None, max_length=16)
    decided_by: int | None = Field(default=None, foreign_key="users.id")
    comment: str | None = None
    # What the task asks for beyond its step (the items of a supplement request).
    details: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONB, nullable=False, server_default="{}"))


class AuditEntry(SQLModel, table=True):
    __tablename__ = "audit_entries"
    __table_args__ = (
        Index("ix_audit_nomination_at", "nomination_id", "at"),
        Index("ix_audit_subject_at", "subject_type", "subject_id", "at"),
        Index("ix_audit_unit_at", "unit_id", "at"),
    )

    # Deterministic id from the workflow (workflow.uuid4) so a retried activity inserts once.
    # Append-only: a trigger refuses UPDATE and DELETE (migration 0004).
    id: uuid.UUID = Field(primary_key=True)
    # Null for administrative actions that concern no nomination (a plan, a user, a unit).
    nomination_id: uuid.UUID | None = Field(default=None, foreign_key="nominations.id")
    at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    actor_id: int | None = Field(default=None, foreign_key="users.id")
    actor_name: str = Field(max_length=200)
    action: str = Field(max_length=32)
    step: str | None = Field(default=None, max_length=64)
    comment: str | None = None
    source_address: str | None = Field(default=None, max_length=64)
    # What an administrative action was about ("plan", "user", "attachment"...) and its id.
    subject_type: str | None = Field(default=None, max_length=32)
    subject_id: str | None = Field(default=None, max_length=100)
    # The unit whose administrators may read the entry.
    unit_id: int | None = Field(default=None, foreign_key="units.id")
    details: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB, nullable=True))


class Notification(SQLModel, table=True):
    __tablename__ = "notifications"
    __table_args__ = (
        UniqueConstraint("task_id", "kind"),
        Index("ix_notifications_recipient", "role", "unit_id", "created_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    task_id: uuid.UUID = Field(foreign_key="tasks.id")
    nomination_id: uuid.UUID = Field(foreign_key="nominations.id")
    kind: str = Field(max_length=16)  # reminder | escalation
    role: str = Field(max_length=32)
    unit_id: int = Field(foreign_key="units.id")
    message: str
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class IdempotencyKey(SQLModel, table=True):
    __tablename__ = "idempotency_keys"

    user_id: int = Field(foreign_key="users.id", primary_key=True)
    key: str = Field(primary_key=True, max_length=200)
    request_hash: str = Field(max_length=64)
    nomination_id: uuid.UUID = Field(foreign_key="nominations.id")
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class Ballot(SQLModel, table=True):
    """A council's ballot on a nomination: only the tally, never who voted how."""

    __tablename__ = "ballots"
    __table_args__ = (Index("ix_ballots_open", "status", "nomination_id"),)

    nomination_id: uuid.UUID = Field(foreign_key="nominations.id", primary_key=True)
    step: str = Field(max_length=64, primary_key=True)
    number: int = Field(primary_key=True)
    mode: str = Field(max_length=16)  # electronic | meeting
    status: str = Field(max_length=16)  # open | passed | failed | void
    members: int
    participants: int = 0
    votes_for: int = 0
    votes_against: int = 0
    minutes: str | None = Field(default=None, max_length=500)
    reason: str | None = None
    opened_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    closed_at: datetime | None = _ts()


class DisclosureComment(SQLModel, table=True):
    """A comment received while a nomination list is publicly disclosed; shown to the council."""

    __tablename__ = "disclosure_comments"
    __table_args__ = (Index("ix_disclosure_comments_nomination", "nomination_id", "created_at"),)

    id: uuid.UUID = Field(primary_key=True)
    nomination_id: uuid.UUID = Field(foreign_key="nominations.id")
    author_id: int = Field(foreign_key="users.id")
    author_name: str = Field(max_length=200)
    text: str
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class Delegation(SQLModel, table=True):
    """Signing on behalf (a chairperson to a deputy) or a substitute for an absent approver, for a period."""

    __tablename__ = "delegations"
    __table_args__ = (
        Index("ix_delegations_to_user", "to_user_id", "ends_on"),
        Index("ix_delegations_from_user", "from_user_id", "ends_on"),
    )

    id: uuid.UUID = Field(primary_key=True)
    kind: str = Field(max_length=16)  # sign_on_behalf | substitute
    from_user_id: int = Field(foreign_key="users.id")
    to_user_id: int = Field(foreign_key="users.id")
    role: str = Field(max_length=32)
    unit_id: int = Field(foreign_key="units.id")
    starts_on: date
    ends_on: date
    reason: str | None = None
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    revoked_at: datetime | None = _ts()
