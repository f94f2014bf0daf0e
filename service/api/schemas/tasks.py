"""Request and response bodies of /api/v1/tasks (the inbox)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from models.rules.text import nfc
from service.api.schemas.common import INT4_MAX, MAX_TEXT, Line, Outcome, PeriodKind, Text, _Strict
from service.api.schemas.decisions import DecisionRef
from service.api.schemas.nominations import NominationStatus


class NotificationOut(BaseModel):
    kind: str
    message: str
    created_at: datetime


class TaskOut(BaseModel):
    id: uuid.UUID
    nomination_id: uuid.UUID
    step: str
    step_name: str
    role: str
    unit_id: int
    status: str
    created_at: datetime
    due_at: datetime | None
    remind_at: datetime | None
    reminded_at: datetime | None
    escalated_at: datetime | None
    overdue: bool
    nominee_name: str | None = None
    award_form: str | None = None
    outcome: str | None = None
    completed_at: datetime | None = None
    notifications: list[NotificationOut] = Field(default_factory=list)
    # What the task asks for beyond its step (the items of a supplement request).
    details: dict[str, Any] = Field(default_factory=dict)
    # Council steps decided by a ballot: record the meeting's tally or run an electronic ballot.
    decided_by_ballot: bool = False
    council_members: int | None = None
    ballot_open: bool = False
    # The clerk's revision task: why the dossier was returned, and by which step.
    return_reason: str | None = None
    returned_by_step: str | None = None


class TaskPage(BaseModel):
    items: list[TaskOut]
    # Counted up to COUNT_CAP; past it `total_capped` is true and the UI says "more than".
    total: int
    total_capped: bool = False
    limit: int | None = None
    offset: int | None = None
    # Keyset paging: pass it as `cursor` for the next page (same sort and filters).
    next_cursor: str | None = None


# The inbox's orders; each ends with the task id, so that pages neither repeat nor skip a task.
TaskSort = Literal["due_at", "-due_at", "created_at", "-created_at", "nominee_name"]
TASK_SORTS: tuple[str, ...] = TaskSort.__args__  # type: ignore[attr-defined]


class TaskFilters(BaseModel):
    """The inbox's filters: the query parameters of GET /api/v1/tasks, and what a saved view of the
    inbox may hold (the same names and types, so that a view's count is the list's total)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    status: Literal["open", "done", "cancelled"] = "open"
    award_form: Line | None = Field(default=None, max_length=64)
    # The proposing unit of the dossier.
    unit_id: int | None = Field(default=None, ge=1, le=INT4_MAX)
    # The year of the period the dossier is proposed for.
    year: int | None = Field(default=None, ge=2000, le=2100)
    period_kind: PeriodKind | None = None
    # The step's key, e.g. "appraisal:GL-SNV".
    step: Line | None = Field(default=None, max_length=64)
    overdue: bool | None = None
    # Due before this day begins (Asia/Ho_Chi_Minh).
    due_before: date | None = None
    # The unit's list (tờ trình) the dossier was proposed in.
    submission_id: uuid.UUID | None = None
    # Accent-insensitive search in the nominee's name and achievements.
    q: Line | None = Field(default=None, max_length=200)


class TaskView(TaskFilters):
    """A saved view of the inbox: its filters and, optionally, its order."""

    sort: TaskSort | None = None


# At most this many tasks in one bulk action: the Updates run a few at a time within the request.
MAX_BULK_TASKS = 200


class TaskComplete(_Strict):
    outcome: Outcome
    comment: Text | None = Field(default=None, max_length=MAX_TEXT)

    @field_validator("comment")
    @classmethod
    def _nfc(cls, v: str | None) -> str | None:
        return nfc(v) if v else v


class BulkComplete(_Strict):
    """The same outcome on several tasks of the inbox; each goes through its own checks and Update."""

    task_ids: list[uuid.UUID] = Field(min_length=1, max_length=MAX_BULK_TASKS)
    outcome: Outcome
    # Required to return or reject: one reason for all of them.
    comment: Text | None = Field(default=None, max_length=MAX_TEXT)

    @field_validator("comment")
    @classmethod
    def _nfc(cls, v: str | None) -> str | None:
        return nfc(v) if v else v


class BulkDone(BaseModel):
    task_id: uuid.UUID
    nomination_id: uuid.UUID
    nominee_name: str
    # The nomination's status after the action, or "accepted": the workflow accepted it and is still
    # recording it (it will take effect; look at the nomination again in a moment).
    status: str
    current_step: str | None
    next_task_id: uuid.UUID | None


class BulkRefused(BaseModel):
    task_id: uuid.UUID
    # Known when the caller may see the dossier.
    nomination_id: uuid.UUID | None = None
    nominee_name: str | None = None
    code: str
    detail: str


class BulkCompleted(BaseModel):
    outcome: str
    done: list[BulkDone]
    refused: list[BulkRefused]


class TaskCompleted(BaseModel):
    task_id: uuid.UUID
    outcome: str
    nomination: NominationStatus
    next_task_id: uuid.UUID | None
    # Approving a signing step makes a decision of one: its number and symbol.
    decision: DecisionRef | None = None
