"""Request and response bodies of /api/v1/nominations."""

from __future__ import annotations

import math
import uuid
from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from models.rules.text import has_control_characters, nfc, nfc_deep
from service.api.schemas.common import (
    CONTROL_CHARACTER,
    INT4_MAX,
    MAX_NOMINEE_EXTRAS,
    MAX_TEXT,
    Id,
    Line,
    NomineeKind,
    PeriodKind,
    Text,
    UnitRef,
    Year,
    _Strict,
)
from service.api.schemas.decisions import AwardOut, DecisionRef


class Nominee(BaseModel):
    # Extra details (position, birth year, address...) are kept as given.
    model_config = ConfigDict(extra="allow", str_strip_whitespace=True)
    kind: NomineeKind
    name: Line = Field(min_length=1, max_length=300)

    @field_validator("name")
    @classmethod
    def _nfc(cls, v: str) -> str:
        return nfc(v)

    @model_validator(mode="after")
    def _bounded_extras(self) -> Nominee:
        extras = self.model_extra or {}
        if len(extras) > MAX_NOMINEE_EXTRAS:
            raise ValueError(f"at most {MAX_NOMINEE_EXTRAS} extra details")
        for key, value in extras.items():
            if len(key) > 64:
                raise ValueError("detail names are at most 64 characters")
            if not isinstance(value, str | int | float | bool | None):
                raise ValueError(f"detail {key!r} must be text, a number or true/false")
            if isinstance(value, str) and len(value) > 2_000:
                raise ValueError(f"detail {key!r} is longer than 2000 characters")
            if has_control_characters(key) or (
                isinstance(value, str) and has_control_characters(value, multiline=True)
            ):
                raise PydanticCustomError(CONTROL_CHARACTER, "detail {key} holds a control character", {"key": key})
            if isinstance(value, float) and not math.isfinite(value):
                raise ValueError(f"detail {key!r} must be a finite number")
        return self


class Period(_Strict):
    kind: PeriodKind
    year: Year


class Criterion(_Strict):
    code: Line | None = Field(default=None, max_length=64)
    text: Text = Field(min_length=1, max_length=2_000)
    met: bool = True
    evidence: Text | None = Field(default=None, max_length=2_000)


class NomineeEntry(_Strict):
    """Who is proposed, for what and by which criteria: one nomination's own part, the same in a single
    create and in each row of a unit's list (POST /api/v1/submissions), so both keep the same limits."""

    nominee: Nominee
    achievements: Text = Field(min_length=1, max_length=MAX_TEXT)
    criteria: list[Criterion] = Field(default_factory=list, max_length=100)

    def normalised(self) -> dict[str, Any]:
        data: dict[str, Any] = nfc_deep(self.model_dump(mode="json"))
        return data


class NominationCreate(NomineeEntry):
    award_form: Line = Field(min_length=1, max_length=64)
    proposing_unit_id: Id
    period: Period


class NominationStatus(BaseModel):
    """Where a nomination stands after an action (withdraw, resubmit, a council's or a signer's step)."""

    id: uuid.UUID
    status: str
    current_step: str | None
    workflow_id: str
    # After an action: the task now open, so the next actor's client need not search the inbox.
    next_task_id: uuid.UUID | None = None


class NominationCreated(NominationStatus):
    """The answer to creating a nomination: the same fields, its workflow already started."""


class SubmissionRef(BaseModel):
    """What a nomination shows of the submission letter (tờ trình) that proposed it."""

    id: uuid.UUID
    number: int
    symbol: str


class StepOut(BaseModel):
    index: int
    key: str
    kind: str
    name: str
    role: str
    unit_id: int
    unit_name: str | None = None
    working_days: int
    # The step's rule (absent from routes of nominations started before the rules existed).
    quorum: float | None = None
    threshold: float | None = None
    threshold_basis: str | None = None
    disclosure_working_days: int = 0
    max_supplement_requests: int = 0
    pause_clock_on_supplement: bool = False
    reminder_working_days: int | None = None


class AwardCheckOut(BaseModel):
    """A criterion of the catalogue that is an earlier award (`requires_award`), and what the award
    register shows for the nominee: the most recent matching award, or none."""

    criterion_code: str
    criterion_text: str
    award_forms: list[str]
    award_form_names: list[str]
    within_years: int | None = None
    at_least_years: int | None = None
    found: bool
    award: AwardOut | None = None
    # The day the matching award's decision was signed (Asia/Ho_Chi_Minh).
    signed_on: date | None = None


class NominationOut(BaseModel):
    id: uuid.UUID
    workflow_id: str
    award_form: str
    award_form_name: str | None = None
    proposing_unit: UnitRef
    nominee: dict[str, Any]
    period: Period
    achievements: str
    criteria: list[dict[str, Any]]
    status: str
    current_step: str | None
    current_step_name: str | None = None
    route: list[StepOut]
    created_at: datetime
    updated_at: datetime
    decided_at: datetime | None
    signed_by: str | None = None
    disclosure_until: datetime | None = None
    result: str | None = None
    # The decision that awarded it, once awarded by one.
    decision: DecisionRef | None = None
    # The unit's list (tờ trình) it was proposed in, if it came in one.
    submission: SubmissionRef | None = None
    # The nominee's earlier awards from the register (on one dossier, not in lists), for councils and
    # appraisers judging criteria such as "already holds a provincial Bằng khen".
    earlier_awards: list[AwardOut] | None = None
    # The catalogue's criteria of this form and nominee kind that are earlier awards, each judged
    # against the register (on one dossier, not in lists).
    award_checks: list[AwardCheckOut] | None = None


class NominationPage(BaseModel):
    items: list[NominationOut]
    # Counted up to COUNT_CAP; past it `total_capped` is true and the UI says "more than".
    total: int
    total_capped: bool = False
    # A search with many matches is not counted: `total` is then an estimate (two significant
    # digits) from the rows read to fill the page, and the UI says "about" (service/queries/search.py).
    total_estimated: bool = False
    limit: int
    offset: int
    # Keyset paging: pass it as `cursor` for the next page (stable under new arrivals, fast at any depth).
    next_cursor: str | None = None


class NominationFilters(BaseModel):
    """The list's filters: the query parameters of GET /api/v1/nominations, and what a saved view of
    the list may hold."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    status: Line | None = Field(default=None, max_length=32)
    unit_id: int | None = Field(default=None, ge=1, le=INT4_MAX)
    award_form: Line | None = Field(default=None, max_length=64)
    year: int | None = Field(default=None, ge=2000, le=2100)
    q: Line | None = Field(default=None, max_length=200)
    overdue: bool | None = None
    # The unit's list (tờ trình) the nominations came in.
    submission_id: uuid.UUID | None = None


class WithdrawBody(_Strict):
    reason: Text | None = Field(default=None, max_length=MAX_TEXT)


class ResubmitBody(_Strict):
    nominee: Nominee | None = None
    achievements: Text | None = Field(default=None, min_length=1, max_length=MAX_TEXT)
    criteria: list[Criterion] | None = Field(default=None, max_length=100)
    comment: Text | None = Field(default=None, max_length=MAX_TEXT)


class HistoryItem(BaseModel):
    at: datetime
    actor: str | None
    action: str
    step: str | None
    comment: str | None = None
    source: Literal["audit", "workflow", "notification"]


class HistoryOut(BaseModel):
    nomination_id: uuid.UUID
    workflow_id: str
    items: list[HistoryItem]
