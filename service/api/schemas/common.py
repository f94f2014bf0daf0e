"""Bodies and limits shared by several resources of API v1."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

NomineeKind = Literal["individual", "collective", "household", "clan"]
PeriodKind = Literal["annual", "preliminary_review", "final_review"]
Outcome = Literal["approve", "reject", "return"]

MAX_TEXT = 20_000
MAX_NOMINEE_EXTRAS = 20


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class UnitRef(BaseModel):
    id: int
    code: str
    name: str
    level: str
    kind: str


class UnitOut(UnitRef):
    parent_id: int | None
