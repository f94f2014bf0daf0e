"""Response bodies of /api/v1/dashboard: figures for leaders, the administrators' "stuck and late" view."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel


class CountItem(BaseModel):
    key: str
    label: str
    count: int


class StepDuration(BaseModel):
    step: str
    tasks: int
    median: float | None
    p90: float | None


class QuotaReview(BaseModel):
    plan_id: str
    plan_title: str
    milestone: str
    milestone_name: str
    year: int
    units: int
    met: int
    rows: list[dict[str, Any]]


class DashboardOut(BaseModel):
    generated_at: datetime
    by_status: list[CountItem]
    by_award_form: list[CountItem]
    by_unit: list[CountItem]
    by_year: list[CountItem]
    durations: list[StepDuration]
    overdue_by_step: list[CountItem]
    quotas: list[QuotaReview]


class OverdueGroup(BaseModel):
    unit_id: int
    unit_name: str
    step_name: str
    count: int
    oldest_due_at: datetime | None


class Escalation(BaseModel):
    task_id: uuid.UUID
    nomination_id: uuid.UUID
    nominee_name: str
    step_name: str
    unit_id: int
    unit_name: str
    due_at: datetime | None
    escalated_at: datetime | None


class NotRunning(BaseModel):
    nomination_id: uuid.UUID
    workflow_id: str
    nominee_name: str
    status: str
    unit_name: str
    updated_at: datetime
    # "not_started" (version 0: the workflow never recorded the dossier) or the workflow's own
    # status as Temporal reports it ("completed", "terminated", "failed", "not_found"...).
    workflow_status: str


class StuckOut(BaseModel):
    generated_at: datetime
    overdue: list[OverdueGroup]
    escalations: list[Escalation]
    not_running: list[NotRunning]
    # Open dossiers checked against Temporal (the oldest-updated first, at most 1000).
    checked: int
