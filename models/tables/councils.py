"""Councils: ballots (the tally only, never who voted how) and comments received during public disclosure."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Column, DateTime, Index
from sqlmodel import Field, SQLModel

from models.tables._columns import timestamp


class Ballot(SQLModel, table=True):
    """A council's ballot on a nomination: only the tally, never who voted how."""

    __tablename__ = "ballots"
    __table_args__ = (Index("ix_ballots_open", "status", "nomination_id"),)

    nomination_id: uuid.UUID = Field(foreign_key="nominations.id", primary_key=True)
    step: str = Field(max_length=64, primary_key=True)
    number: int = Field(primary_key=True)
    mode: str = Field(max_length=16)  # electronic | meeting
    status: str = Field(max_length=16)  # open | passed | failed | void
    members: int
    participants: int = 0
    votes_for: int = 0
    votes_against: int = 0
    minutes: str | None = Field(default=None, max_length=500)
    reason: str | None = None
    opened_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    closed_at: datetime | None = timestamp()


class DisclosureComment(SQLModel, table=True):
    """A comment received while a nomination list is publicly disclosed; shown to the council."""

    __tablename__ = "disclosure_comments"
    __table_args__ = (Index("ix_disclosure_comments_nomination", "nomination_id", "created_at"),)

    id: uuid.UUID = Field(primary_key=True)
    nomination_id: uuid.UUID = Field(foreign_key="nominations.id")
    author_id: int = Field(foreign_key="users.id")
    author_name: str = Field(max_length=200)
    text: str
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
