"""Bodies of /api/v1/saved-views: a user's named filters of the inbox or the nominations list."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, field_validator

from models.rules.text import nfc
from service.api.schemas.common import Line, _Strict

SavedViewTarget = Literal["tasks", "nominations"]
# A view holds a handful of filters; its JSON stays small.
MAX_FILTERS = 20


class SavedViewCreate(_Strict):
    target: SavedViewTarget
    name: Line = Field(min_length=1, max_length=100)
    # Checked against the target list's filters (names and types): see TaskView, NominationFilters.
    filters: dict[Annotated[Line, Field(max_length=64)], Any] = Field(default_factory=dict, max_length=MAX_FILTERS)

    @field_validator("name")
    @classmethod
    def _nfc(cls, v: str) -> str:
        return nfc(v)


class SavedViewUpdate(_Strict):
    """A new name and filters; a view keeps its target."""

    name: Line = Field(min_length=1, max_length=100)
    filters: dict[Annotated[Line, Field(max_length=64)], Any] = Field(default_factory=dict, max_length=MAX_FILTERS)

    @field_validator("name")
    @classmethod
    def _nfc(cls, v: str) -> str:
        return nfc(v)


class ViewCount(BaseModel):
    # How many rows the list shows with these filters, counted up to COUNT_CAP like the list's total.
    count: int
    count_capped: bool = False


class BuiltinViewOut(ViewCount):
    key: str
    name: str
    filters: dict[str, Any]


class SavedViewOut(ViewCount):
    id: int
    target: str
    name: str
    filters: dict[str, Any]
    created_at: datetime


class SavedViewList(BaseModel):
    target: str
    builtin: list[BuiltinViewOut]
    items: list[SavedViewOut]
