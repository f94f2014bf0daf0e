"""Request and response bodies of /api/v1/council-sessions: a council's meeting on a list."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, Field, model_validator

from service.api.schemas.common import Id, Text, _Strict

Count = Annotated[int, Field(strict=True, ge=0, le=500)]
MAX_SESSION = 1_000


class SessionOpen(_Strict):
    council_unit_id: Id
    nomination_ids: list[uuid.UUID] = Field(min_length=1, max_length=MAX_SESSION)
    # meeting: the secretary records the tallies; electronic: each member fills one ballot paper.
    mode: Literal["meeting", "electronic"] = "meeting"

    @model_validator(mode="after")
    def _unique(self) -> SessionOpen:
        if len(set(self.nomination_ids)) != len(self.nomination_ids):
            raise ValueError("a nomination is listed twice")
        return self


class SessionResult(_Strict):
    nomination_id: uuid.UUID
    votes_for: Count
    votes_against: Count
    # Members absent from the meeting who sent their vote in writing.
    written_for: Count = 0
    written_against: Count = 0


class SessionResults(_Strict):
    # Left out: the council's membership as the organisation data records it. Given: an override that
    # is never below it and needs `members_reason`; it is audited (as for a single meeting tally).
    members: int | None = Field(default=None, strict=True, ge=1, le=500)
    members_reason: Text | None = Field(default=None, max_length=1_000)
    present: Count
    minutes: Text = Field(min_length=1, max_length=20_000)
    results: list[SessionResult] = Field(min_length=1, max_length=MAX_SESSION)


class BallotChoice(_Strict):
    nomination_id: uuid.UUID
    choice: Literal["for", "against"]


class BallotPaper(_Strict):
    """One member's ballot paper in an electronic session: a choice for every nominee."""

    choices: list[BallotChoice] = Field(min_length=1, max_length=MAX_SESSION)


class SessionItemOut(BaseModel):
    nomination_id: uuid.UUID
    position: int
    nominee_name: str
    nominee_kind: str
    award_form: str
    award_form_name: str | None = None
    proposing_unit_id: int
    proposing_unit_name: str | None = None
    step: str
    votes_for: int | None
    votes_against: int | None
    written_for: int
    written_against: int
    # After applying: passed | failed | void | refused (with the reason); None until applied.
    outcome: str | None
    detail: str | None
    applied_at: datetime | None
    # Where the nomination stands now.
    status: str
    current_step: str | None


class SessionSummary(BaseModel):
    id: uuid.UUID
    council_unit_id: int
    council_name: str | None = None
    mode: str
    # open | applying | closed | cancelled
    status: str
    opened_at: datetime
    opened_by: str | None = None
    applied: int
    total: int


class SessionOut(SessionSummary):
    members: int | None
    present: int | None
    minutes: str | None
    results_at: datetime | None
    closed_at: datetime | None
    # Electronic sessions: how many members have handed in their paper (never how they voted).
    papers: int | None = None
    results: list[SessionItemOut]


class SessionApplying(BaseModel):
    id: uuid.UUID
    status: str
    applied: int
    total: int


class WaitingOut(BaseModel):
    """A nomination waiting at a council's step, with the open session it is already listed in."""

    nomination_id: uuid.UUID
    nominee_name: str
    nominee_kind: str
    award_form: str
    award_form_name: str | None = None
    proposing_unit_id: int
    proposing_unit_name: str | None = None
    period_year: int
    step: str
    step_name: str
    in_session: uuid.UUID | None = None
    ballot_open: bool = False


class PaperReceipt(BaseModel):
    session_id: uuid.UUID
    votes: int
