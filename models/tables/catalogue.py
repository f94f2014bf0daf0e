"""The award catalogue as loaded from deploy/award_forms.yaml (the definition is kept whole)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel


class AwardForm(SQLModel, table=True):
    __tablename__ = "award_forms"

    code: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=300)
    decider_level: str = Field(max_length=32)
    definition: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSONB, nullable=False))
