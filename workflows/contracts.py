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
SUPPLEMENT_STEP = "supplement"
DISCLOSURE_STEP = "disclosure"
# The patch that introduced ballots, disclosure and supplement requests (version 2 of the workflow).
ROUTE_RULES_PATCH = "route-rules-v2"
# Version 3: the electronic ballot box lives in PostgreSQL (the workflow sees only the closing count),
# a council step ends by its vote or a reasoned return, and decisions record the dossier's files.
SECRET_BALLOT_PATCH = "secret-ballot-v3"
# Version 4: the workflow keeps its search attributes (unit, award form, status) up to date, so that
# the Temporal UI can filter nominations (workflows/search_attributes.py).
SEARCH_ATTRIBUTES_PATCH = "search-attributes-v4"
# Version 5: a transition's projection runs as a local activity, in the worker that applies the
# transition: one database transaction, without the activity's round trip through the Temporal
# server (three history events and one more workflow task per step). The projection is a
# versioned, idempotent upsert, so the retry of a local activity (after a worker crash, before the
# workflow task completed) writes nothing twice.
LOCAL_PROJECTION_PATCH = "local-projection-v5"

# Activity names: the workflow calls them by name so that it imports no database code.
RECORD_TRANSITION = "record_transition"
RECORD_TRANSITION_V2 = "record_transition_v2"
RECORD_NOTIFICATION = "record_notification"
COUNT_BALLOT = "count_ballot"


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
    # Version 2 of the route (absent from nominations started before it: defaults keep v1 behaviour).
    quorum: float | None = None
    threshold: float | None = None
    threshold_basis: str | None = None  # "all" | "present"
    disclosure_working_days: int = 0
    max_supplement_requests: int = 0
    pause_clock_on_supplement: bool = True
    reminder_working_days: int | None = None

    @property
    def decided_by_ballot(self) -> bool:
        return self.kind == "council" and self.threshold is not None


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
    # How the caller signs or acts when it holds the role through a delegation or as a substitute,
    # e.g. "KT. CHỦ TỊCH – PHÓ CHỦ TỊCH Nguyễn Văn A".
    acting_as: str | None = None

    def holds(self, role: str, unit_id: int) -> bool:
        return self.grants is None or any(g.role == role and g.unit_id == unit_id for g in self.grants)


@dataclass
class OpenedTask:
    task_id: str
    due_at: datetime
    remind_at: datetime | None


@dataclass
class Tally:
    members: int
    participants: int = 0
    votes_for: int = 0
    votes_against: int = 0


@dataclass
class BallotState:
    number: int
    mode: str  # "electronic" | "meeting"
    members: int
    voters: list[str] = field(default_factory=list)  # opaque voter tokens, never user ids
    votes_for: int = 0
    votes_against: int = 0


@dataclass
class NominationState:
    """A nomination's state in its workflow, carried over whole by continue-as-new.

    Runs started from a history hold this shape in their input: add fields with defaults only,
    never rename or remove one (v1 carried over only the fields up to `open_task`).
    """

    status: str
    step_index: int
    returned_from: int | None
    version: int  # of the read model's projection
    # The task waited on, with its deadlines; None until the first transition opens one.
    # Always set in a carried-over state.
    open_task: OpenedTask | None = None
    phase: str = "step"  # step | revision | supplement | disclosure
    v2: bool = False
    ballot: BallotState | None = None  # the electronic ballot open on the current step
    ballots_held: dict[str, int] = field(default_factory=dict)  # per council step
    supplements: dict[str, int] = field(default_factory=dict)  # requests made per appraisal step
    # A step paused by a supplement request resumes with the working days it had left, or with
    # its original limit when its clock does not pause.
    resume_working_days: int | None = None
    resume_due_at: datetime | None = None
    disclosure_until: datetime | None = None
    disclosed: list[str] = field(default_factory=list)  # steps whose disclosure period has ended
    v3: bool = False
    v4: bool = False
    v5: bool = False


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
    # The award form's code, for the search attribute (inputs of workflows started before v4 lack it).
    award_form: str | None = None


@dataclass
class DecisionInput:
    task_id: str
    outcome: str
    actor: Actor
    comment: str | None = None
    # The dossier's files as they stood when the decision was taken ("<name> sha256:<hex>").
    attachments: list[str] = field(default_factory=list)


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
    phase: str = "step"
    ballot_open: bool = False
    votes_cast: int = 0
    result: str | None = None  # why it ended, e.g. the tally that failed the threshold


@dataclass
class OpenBallotInput:
    actor: Actor
    members: int  # the council's membership, from the organisation data
    step: str | None = None  # the step the secretary acts on; a step that moved on refuses (409)


@dataclass
class VoteInput:
    # HMAC of (nomination, step, ballot, user) made by the API: lets the workflow refuse a second
    # vote without ever holding who voted how.
    voter_token: str
    choice: str  # "for" | "against"


@dataclass
class CloseBallotInput:
    actor: Actor
    step: str | None = None
    attachments: list[str] = field(default_factory=list)


@dataclass
class TallyInput:
    """A council meeting's result, recorded by its secretary with the minutes."""

    actor: Actor
    members: int
    present: int
    votes_for: int
    votes_against: int
    written_for: int = 0
    written_against: int = 0
    minutes: str = ""
    comment: str | None = None
    step: str | None = None
    attachments: list[str] = field(default_factory=list)


@dataclass
class SupplementRequestInput:
    task_id: str
    actor: Actor
    items: list[str]
    comment: str | None = None


@dataclass
class SupplementAnswerInput:
    actor: Actor
    answers: dict[str, str]
    comment: str | None = None


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
    # A resumed step keeps its original limit when its clock does not pause.
    due_at: datetime | None = None


@dataclass
class BallotRecord:
    step: str
    number: int
    mode: str
    status: str  # open | passed | failed | void
    members: int
    participants: int = 0
    votes_for: int = 0
    votes_against: int = 0
    minutes: str | None = None
    reason: str | None = None
    # Where the electronic votes are counted: "workflow" (v2: votes were Updates) or "database" (v3:
    # a secret ballot box in PostgreSQL, see activities/projection.py count_ballot).
    box: str = "workflow"


@dataclass
class BallotCountInput:
    nomination_id: str
    step: str
    number: int


@dataclass
class BallotCount:
    """The closing count of a secret ballot box: how many voted and the totals, never who chose what."""

    participants: int
    votes_for: int
    votes_against: int


@dataclass
class AuditSpec:
    audit_id: str
    action: str
    actor: Actor | None
    step: str | None
    comment: str | None = None
    details: dict[str, Any] | None = None


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
    # Version 2: a change that leaves the open task open (a ballot opened or void).
    keep_task: bool = False
    ballot: BallotRecord | None = None
    disclosure_working_days: int = 0
    # Remaining working days of the task being closed, for a clock that pauses.
    measure_remaining: bool = False
    supplement_items: list[str] = field(default_factory=list)
    result: str | None = None


@dataclass
class TransitionResult:
    opened: OpenedTask | None = None
    disclosure_until: datetime | None = None
    remaining_working_days: int | None = None
    closed_due_at: datetime | None = None
    # The audit rows the transition wrote. A local activity's marker (v5) keeps its result but not
    # its input: this is how the workflow-events page links a timeline entry to its events.
    audit_ids: list[str] = field(default_factory=list)


@dataclass
class NotificationInput:
    task_id: str
    nomination_id: str
    kind: str  # reminder | escalation
    at: datetime


# Errors of the code itself, not of the world: retrying cannot help, so an activity that raises one
# fails at once and the workflow task shows it, instead of retrying for ever with a stack trace.
PROGRAMMING_ERRORS = [
    "AssertionError",
    "AttributeError",
    "KeyError",
    "IndexError",
    "NameError",
    "NotImplementedError",
    "TypeError",
    "ValidationError",
]
