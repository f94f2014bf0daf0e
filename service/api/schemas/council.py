"""Request and response bodies of /api/v1 council."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from models.rules.text import nfc
from service.api.schemas.common import Text


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class BallotOpen(_Body):
    mode: Literal["electronic"] = "electronic"


class VoteBody(_Body):
    choice: Literal["for", "against"]
    # The ballot the member saw and votes in: a vote meant for a voided ballot never counts in the next.
    ballot: int = Field(strict=True, ge=1, le=1_000)


class TallyBody(_Body):
    # Left out: the council's membership as recorded in the organisation data. Given: an override
    # that is never below the recorded number and needs `members_reason`; it is audited.
    members: int | None = Field(default=None, strict=True, ge=1, le=500)
    members_reason: Text | None = Field(default=None, max_length=1_000)
    present: int = Field(strict=True, ge=0, le=500)
    votes_for: int = Field(strict=True, ge=0, le=500)
    votes_against: int = Field(strict=True, ge=0, le=500)
    written_for: int = Field(default=0, strict=True, ge=0, le=500)
    written_against: int = Field(default=0, strict=True, ge=0, le=500)
    minutes: Annotated[Text, Field(min_length=1, max_length=500)]
    comment: Text | None = Field(default=None, max_length=5_000)


class BallotOut(BaseModel):
    step: str
    number: int
    mode: str
    status: str
    members: int
    participants: int
    votes_for: int | None
    votes_against: int | None
    minutes: str | None
    reason: str | None
    opened_at: datetime
    closed_at: datetime | None


class OpenBallotOut(BaseModel):
    nomination_id: uuid.UUID
    nominee_name: str
    award_form: str
    step: str
    number: int
    members: int
    opened_at: datetime
    voted: bool = False  # the caller's seat has voted in it (never how)


class VoteReceipt(BaseModel):
    """A vote went into the secret ballot box: which ballot, and how many have voted so far."""

    nomination_id: uuid.UUID
    step: str
    ballot: int
    participants: int
    members: int


class CommentBody(_Body):
    text: Text = Field(min_length=1, max_length=5_000)

    @field_validator("text")
    @classmethod
    def _nfc(cls, v: str) -> str:
        return nfc(v)


class CommentOut(BaseModel):
    id: uuid.UUID
    author_name: str
    text: str
    created_at: datetime


class DisclosedOut(BaseModel):
    id: uuid.UUID
    nominee_name: str
    award_form: str
    proposing_unit_id: int
    disclosure_until: datetime


class SupplementRequestBody(_Body):
    items: list[Annotated[Text, Field(min_length=1, max_length=500)]] = Field(min_length=1, max_length=30)
    comment: Text | None = Field(default=None, max_length=5_000)


class SupplementAnswerBody(_Body):
    answers: dict[Annotated[Text, Field(max_length=500)], Annotated[Text, Field(max_length=5_000)]] = Field(
        min_length=1, max_length=30
    )
    comment: Text | None = Field(default=None, max_length=5_000)
