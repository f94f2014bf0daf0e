"""Inputs and results shared by the nomination workflow, its activities and its callers.

Pure dataclasses only: this module is imported inside the workflow sandbox.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

IN_PROGRESS = "in_progress"
RETURNED = "returned"
AWARDED = "awarded"
REJECTED = "rejected"
WITHDRAWN = "withdrawn"
OPEN_STATUSES = (IN_PROGRESS, RETURNED)

APPROVE, REJECT, RETURN = "approve", "reject", "return"
OUTCOMES = (APPROVE, REJECT, RETURN)

REVISION_STEP = "revision"

# Activity names: the workflow calls them by name so that it imports no database code.
RECORD_TRANSITION = "record_transition"
RECORD_NOTIFICATION = "record_notification"


def nomination_workflow_id(nomination_id: str) -> str:
    return f"nomination-{nomination_id}"


@dataclass
class RouteStep:
    key: str
    kind: str
    name: str
    role: str
    unit_id: int
    working_days: int


@dataclass
class Grant:
    role: str
    unit_id: int


@dataclass
class Actor:
    user_id: int
    name: str
    address: str | None = None
    # The roles the caller holds; the workflow checks them again (the API checks first).
    grants: list[Grant] | None = None

    def holds(self, role: str, unit_id: int) -> bool:
        return self.grants is None or any(g.role == role and g.unit_id == unit_id for g in self.grants)


@dataclass
class OpenedTask:
    task_id: str
    due_at: datetime
    remind_at: datetime | None


@dataclass
class NominationState:
    """What continue-as-new carries over."""

    status: str
    step_index: int
    returned_from: int | None
    version: int
    open_task: OpenedTask


@dataclass
class NominationInput:
    nomination_id: str
    proposing_unit_id: int
    route: list[RouteStep]
    reminder_working_days: int
    revision_working_days: int
    submitted_by: Actor
    state: NominationState | None = None
    # Continue-as-new past this many history events, well below Temporal's 10,000.
    history_limit: int = 2_000


@dataclass
class DecisionInput:
    task_id: str
    outcome: str
    actor: Actor
    comment: str | None = None


@dataclass
class WithdrawInput:
    actor: Actor
    reason: str | None = None


@dataclass
class ResubmitInput:
    actor: Actor
    comment: str | None = None
    # Changed dossier fields (nominee, achievements, criteria); applied to the read model.
    changes: dict[str, Any] = field(default_factory=dict)


@dataclass
class NominationView:
    nomination_id: str
    status: str
    current_step: str | None
    step_index: int
    open_task_id: str | None
    version: int


# ---- activity contracts -------------------------------------------------------------------


@dataclass
class TaskSpec:
    task_id: str
    step: str
    step_index: int
    name: str
    role: str
    unit_id: int
    working_days: int
    reminder_working_days: int


@dataclass
class AuditSpec:
    audit_id: str
    action: str
    actor: Actor | None
    step: str | None
    comment: str | None = None


@dataclass
class TransitionInput:
    """One state change of a nomination, projected in one database transaction."""

    nomination_id: str
    version: int
    at: datetime
    status: str
    current_step: str | None
    current_step_index: int | None
    close_task_id: str | None = None
    close_task_status: str = "done"
    close_outcome: str | None = None
    close_actor: Actor | None = None
    close_comment: str | None = None
    open_task: TaskSpec | None = None
    audit: list[AuditSpec] = field(default_factory=list)
    changes: dict[str, Any] = field(default_factory=dict)
    decided: bool = False


@dataclass
class NotificationInput:
    task_id: str
    nomination_id: str
    kind: str  # reminder | escalation
    at: datetime
