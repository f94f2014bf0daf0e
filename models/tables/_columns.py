"""Column helpers shared by the tables."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Column, DateTime
from sqlmodel import Field


def timestamp(nullable: bool = True, index: bool = False) -> Any:
    """An optional timestamp with time zone."""
    return Field(default=None, sa_column=Column(DateTime(timezone=True), nullable=nullable, index=index))
