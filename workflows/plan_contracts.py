"""Inputs, updates and activity contracts of the plan workflow.

Pure dataclasses only: this module is imported inside the workflow sandbox.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# Grant is imported for the payload converter: it resolves Actor's annotations from this module too.
from workflows.contracts import Actor, Grant  # noqa: F401

# Activity names: the workflow calls them by name so that it imports no database code.
PLAN_SCHEDULE = "plan_schedule"
PLAN_EVENT = "plan_event"
RECORD_PLAN_VERSION = "record_plan_version"


def plan_workflow_id(plan_id: str) -> str:
    return f"plan-{plan_id}"


@dataclass
class PlannedEvent:
    """One instant of a plan's year, as computed by the schedule activity (models.plans.year_schedule)."""

    key: str
    kind: str  # open_tasks | reminder | due | window_open | window_close
    subject: str  # report stream or milestone key
    at: datetime
    catch_up_until: datetime | None = None


@dataclass
class PlanInput:
    """A plan's input and also its state: continue-as-new passes it on whole to the next run.

    Runs started from a history hold this shape: add fields with defaults only.
    """

    plan_id: str
    # The plan's validated definition (models.plans.PlanDef as JSON) and its version.
    definition: dict[str, Any]
    version: int
    # The year being run; None on the first run: the year of the start instant.
    year: int | None = None
    # Events of the running year that have been handled (carried over by continue-as-new).
    done: list[str] = field(default_factory=list)
    # Events before this instant are not run (a plan started in 2026 sends no reminder for 2025),
    # unless they can still catch up (a report task whose due day is ahead still opens).
    skip_before: datetime | None = None
    # Previews only: the plan runs as if the clock were shifted by this many seconds, so that a
    # simulation can start in 2024 on the time-skipping server. Always 0 in production.
    clock_shift_seconds: float = 0.0
    # Previews only: stop before the first event at or after this instant.
    until: datetime | None = None
    # Continue-as-new past this many history events, besides once every year.
    history_limit: int = 2_000


@dataclass
class PlanAmendment:
    """An administrator's change to a running plan: the whole new definition and its version."""

    definition: dict[str, Any]
    version: int
    actor: Actor
    reason: str | None = None


@dataclass
class PlanView:
    plan_id: str
    version: int
    year: int
    next_event: str | None
    next_at: datetime | None
    done: int


# ---- activity contracts -------------------------------------------------------------------------


@dataclass
class ScheduleInput:
    definition: dict[str, Any]
    year: int


@dataclass
class PlanEventInput:
    plan_id: str
    definition: dict[str, Any]
    version: int
    event: PlannedEvent
    fired_at: datetime


@dataclass
class PlanEventResult:
    key: str
    kind: str
    summary: dict[str, Any] = field(default_factory=dict)


@dataclass
class PlanVersionInput:
    plan_id: str
    definition: dict[str, Any]
    version: int
    actor: Actor
    at: datetime
    reason: str | None = None
