"""Request and response bodies of /api/v1 plans."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from service.api.schemas.common import Id, Line, Number, Text, Year


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PlanSummary(BaseModel):
    id: str
    issuer_code: str
    scope_code: str
    number: str | None
    issued_on: date | None
    title: str
    source_file: str
    period_start: int
    period_end: int
    version: int
    workflow_id: str


class MilestoneOut(BaseModel):
    key: str
    period_kind: str
    year: int
    name: str
    opens_at: datetime
    closes_at: datetime
    award_forms: list[str]
    open_now: bool


class PlanDetail(PlanSummary):
    definition: dict[str, Any]
    milestones: list[MilestoneOut]


class CalendarItem(BaseModel):
    key: str
    kind: str
    subject: str
    at: datetime
    label: str


class CalendarOut(BaseModel):
    plan_id: str
    timezone: str = "Asia/Ho_Chi_Minh"
    items: list[CalendarItem]


class ReportIn(_Strict):
    unit_id: Id
    year: Year
    stream: Line | None = Field(default=None, max_length=32)
    text: Text = Field(min_length=1, max_length=50_000)
    key_figures: dict[
        Annotated[Line, Field(max_length=200)], Number | int | Annotated[Text, Field(max_length=2_000)]
    ] = Field(default_factory=dict, max_length=100)
    attachments: list[Annotated[Line, Field(min_length=1, max_length=300)]] = Field(default_factory=list, max_length=50)


class ReportFileOut(BaseModel):
    id: uuid.UUID
    report_id: int
    file_name: str
    content_type: str
    size_bytes: int
    sha256: str
    uploaded_by: int
    created_at: datetime


class ReportFilePage(BaseModel):
    items: list[ReportFileOut]
    total: int
    # Whether the caller may add (or remove) a file now, and why not (Vietnamese) when not; the limits
    # the API checks, so that the page checks them before sending.
    may_add: bool = False
    may_remove: bool = False
    locked_reason: str | None = None
    max_bytes: int
    max_files: int
    accepted_types: list[str]


class ReportOut(BaseModel):
    # The report's id: its files are at /plans/{plan}/reports/{id}/files.
    id: int
    unit_id: int
    unit_code: str | None
    unit_name: str | None
    stream: str
    year: int
    status: str
    late: bool
    due_at: datetime
    opened_at: datetime
    overdue_at: datetime | None
    submitted_at: datetime | None
    text: str | None
    key_figures: dict[str, Any]
    attachments: list[str]
    files: list[ReportFileOut] = Field(default_factory=list)


class StreamView(BaseModel):
    stream: str
    name: str
    due_at: datetime
    recipients: list[str]
    total: int
    submitted: int
    submitted_late: int
    overdue: int
    open: int
    key_figures: dict[str, Any]


class ReportsOut(BaseModel):
    plan_id: str
    year: int
    streams: list[StreamView]
    items: list[ReportOut]


class StreamChange(_Strict):
    key: Line = Field(max_length=32)
    due_day: int | None = Field(default=None, strict=True, ge=1, le=31)
    due_month: int | None = Field(default=None, strict=True, ge=1, le=12)
    add_units: list[Annotated[Line, Field(max_length=64)]] = Field(default_factory=list, max_length=1000)
    remove_units: list[Annotated[Line, Field(max_length=64)]] = Field(default_factory=list, max_length=1000)


class AmendIn(_Strict):
    reports: list[StreamChange] = Field(min_length=1, max_length=20)
    reason: Text | None = Field(default=None, max_length=2_000)
    # The version the administrator read; another one means someone changed the plan meanwhile (409).
    expected_version: int | None = Field(default=None, strict=True, ge=1)
