"""Request and response bodies of /api/v1 delegations."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from service.api.schemas.common import Id, Line, Text

# A delegation lasts at most a year (a deputy signs on behalf for a term, not for ever).
MAX_PERIOD = timedelta(days=366)


class DelegationCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    kind: Literal["sign_on_behalf", "substitute"]
    to_username: Line = Field(min_length=2, max_length=100)
    role: Line = Field(min_length=1, max_length=32)
    unit_id: Id
    starts_on: date
    ends_on: date
    reason: Text | None = Field(default=None, max_length=2_000)

    @model_validator(mode="after")
    def _period(self) -> DelegationCreate:
        if self.ends_on < self.starts_on:
            raise ValueError("ends_on must not be before starts_on")
        if self.ends_on - self.starts_on > MAX_PERIOD:
            raise ValueError("a delegation lasts at most one year")
        return self


class DelegationOut(BaseModel):
    id: uuid.UUID
    kind: str
    from_user_id: int
    from_name: str
    to_user_id: int
    to_name: str
    role: str
    unit_id: int
    starts_on: date
    ends_on: date
    reason: str | None
    created_at: datetime
    revoked_at: datetime | None
    active: bool
