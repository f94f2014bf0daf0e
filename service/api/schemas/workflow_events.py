"""Response bodies of the administrators' view of a workflow: its readable timeline and its raw events."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

EventKind = Literal["workflow", "workflow_task", "activity", "timer", "update", "signal", "marker", "other"]


class WorkflowEventOut(BaseModel):
    """One event of the workflow's history, as Temporal recorded it."""

    # Temporal numbers the events of each run from 1: an event is its run and its id.
    run_id: str
    event_id: int
    at: datetime  # in Asia/Ho_Chi_Minh (+07:00)
    # Temporal's own name of the event type, as its UI shows it: "ActivityTaskScheduled".
    type: str
    kind: EventKind
    # A short readable line: the activity, the Update, the timer, the signal (Vietnamese).
    summary: str
    # The Update's id, for an Update's events.
    update_id: str | None = None
    # The event's payload (input, result), decoded where it is JSON.
    details: Any = None


class TimelineEntry(BaseModel):
    """A step of the readable timeline, with the raw events it came from (where they could be matched)."""

    at: datetime
    actor: str | None
    action: str
    step: str | None
    comment: str | None = None
    source: Literal["audit", "workflow", "notification", "plan"]
    # The events it came from: their run, and their ids in that run.
    run_id: str | None = None
    event_ids: list[int] = Field(default_factory=list)


class WorkflowEventsOut(BaseModel):
    workflow_id: str
    timezone: str = "Asia/Ho_Chi_Minh"
    # The runs whose events are listed, oldest first (a workflow that continued as new has several;
    # the oldest beyond the last dozen, or past retention, are not listed).
    runs: list[str] = Field(default_factory=list)
    timeline: list[TimelineEntry]
    events: list[WorkflowEventOut]
