"""Plans, their milestone windows, yearly-report tasks and reports, and the plan timeline.

The plan rows are reference data (deploy/plans/*.yaml, or an administrator's amendment written
by the plan workflow's activity); report tasks, notifications and timeline events are written
by the plan workflow's activities as upserts keyed so that a retried activity changes nothing twice.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Column, Date, DateTime, ForeignKey, Index, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel


class Plan(SQLModel, table=True):
    __tablename__ = "plans"
    __table_args__ = (Index("ix_plans_scope_code", "scope_code"),)

    id: str = Field(primary_key=True, max_length=80)
    issuer_code: str = Field(max_length=64)
    scope_code: str = Field(max_length=64)
    number: str | None = Field(default=None, max_length=64)
    issued_on: date | None = Field(default=None, sa_column=Column(Date, nullable=True))
    title: str = Field(max_length=500)
    source_file: str = Field(max_length=200)
    period_start: int
    period_end: int
    definition: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONB, nullable=False))
    definition_hash: str = Field(max_length=64)
    version: int = 1
    updated_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class PlanMilestone(SQLModel, table=True):
    """A milestone's nomination window, read by the nomination API to refuse out-of-window proposals."""

    __tablename__ = "plan_milestones"
    __table_args__ = (Index("ix_plan_milestones_kind_year", "period_kind", "year"),)

    plan_id: str = Field(foreign_key="plans.id", primary_key=True, max_length=80)
    key: str = Field(primary_key=True, max_length=32)
    period_kind: str = Field(max_length=32)
    year: int
    name: str = Field(max_length=300)
    opens_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    closes_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    award_forms: list[str] = Field(default_factory=list, sa_column=Column(JSONB, nullable=False))


class PlanReport(SQLModel, table=True):
    """A unit's yearly report for one report stream of a plan: the task while open, the report once sent."""

    __tablename__ = "plan_reports"
    __table_args__ = (
        UniqueConstraint("plan_id", "year", "stream", "unit_id"),
        Index("ix_plan_reports_unit_status", "unit_id", "status"),
        Index("ix_plan_reports_plan_year_status", "plan_id", "year", "stream", "status"),
    )

    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True, autoincrement=True))
    plan_id: str = Field(foreign_key="plans.id", max_length=80)
    year: int
    stream: str = Field(max_length=32)
    unit_id: int = Field(foreign_key="units.id")
    status: str = Field(max_length=16)  # open | overdue | submitted
    opened_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    due_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    overdue_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))
    submitted_at: datetime | None = Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=True))
    late: bool = False
    text: str | None = None
    key_figures: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONB, nullable=False))
    # Names the report cited before files could be uploaded; the files themselves are PlanReportFile.
    attachments: list[str] = Field(default_factory=list, sa_column=Column(JSONB, nullable=False))
    submitted_by: int | None = Field(default=None, foreign_key="users.id")


class PlanReportFile(SQLModel, table=True):
    """A file of a unit's report (the signed report, its figures as a spreadsheet), uploaded by the
    unit's reporter while the report is not yet sent. The same bytes are stored once per report."""

    __tablename__ = "plan_report_files"
    __table_args__ = (UniqueConstraint("report_id", "sha256"), UniqueConstraint("storage_key"))

    id: uuid.UUID = Field(primary_key=True)
    report_id: int = Field(sa_column=Column(BigInteger, ForeignKey("plan_reports.id"), nullable=False))
    file_name: str = Field(max_length=255)  # sanitised; shown to users, never used as a path
    content_type: str = Field(max_length=100)  # from the content, not from the name or the client
    size_bytes: int
    sha256: str = Field(max_length=64)
    # Path relative to the attachment directory, made of ids only: plan-reports/<report id>/<file id>.
    storage_key: str = Field(max_length=200)
    uploaded_by: int = Field(foreign_key="users.id")
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class PlanEvent(SQLModel, table=True):
    """The plan's timeline: one row per scheduled event the workflow ran, keyed by the event key."""

    __tablename__ = "plan_events"
    __table_args__ = (Index("ix_plan_events_plan_at", "plan_id", "scheduled_at"),)

    plan_id: str = Field(foreign_key="plans.id", primary_key=True, max_length=80)
    key: str = Field(primary_key=True, max_length=120)
    kind: str = Field(max_length=16)
    subject: str = Field(max_length=32)
    year: int
    scheduled_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    fired_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    # How many times the event's activity ran to completion; more than 1 means it was repeated.
    runs: int = 1
    summary: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONB, nullable=False))


class PlanNotification(SQLModel, table=True):
    """Reminders to reporting units and escalations to the recipients of a report."""

    __tablename__ = "plan_notifications"
    __table_args__ = (
        UniqueConstraint("plan_id", "event_key", "unit_id", "role"),
        Index("ix_plan_notifications_recipient", "role", "unit_id", "created_at"),
    )

    id: int | None = Field(default=None, sa_column=Column(BigInteger, primary_key=True, autoincrement=True))
    plan_id: str = Field(foreign_key="plans.id", max_length=80)
    event_key: str = Field(max_length=120)
    kind: str = Field(max_length=16)  # reminder | overdue | escalation | window
    role: str = Field(max_length=32)
    unit_id: int = Field(foreign_key="units.id")
    message: str
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
