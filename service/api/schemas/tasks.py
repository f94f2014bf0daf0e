"""Request and response bodies of /api/v1/tasks (the inbox)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, field_validator

from models.rules.text import nfc
from service.api.schemas.common import MAX_TEXT, Outcome, Text, _Strict
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
    total: int
    total_capped: bool = False


class TaskComplete(_Strict):
    outcome: Outcome
    comment: Text | None = Field(default=None, max_length=MAX_TEXT)

    @field_validator("comment")
    @classmethod
    def _nfc(cls, v: str | None) -> str | None:
        return nfc(v) if v else v


class TaskCompleted(BaseModel):
    task_id: uuid.UUID
    outcome: str
    nomination: NominationStatus
    next_task_id: uuid.UUID | None
    # Approving a signing step makes a decision of one: its number and symbol.
    decision: DecisionRef | None = None
