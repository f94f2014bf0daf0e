"""Councils: ballots (the tally only, never who voted how) and comments received during public disclosure."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Column, DateTime, ForeignKeyConstraint, Index
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
    status: str = Field(max_length=16)  # open | counting | passed | failed | void
    members: int
    participants: int = 0
    votes_for: int = 0
    votes_against: int = 0
    minutes: str | None = Field(default=None, max_length=500)
    reason: str | None = None
    opened_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    closed_at: datetime | None = timestamp()
    # Where electronic votes are counted: "workflow" (version 2, votes were workflow Updates) or
    # "database" (version 3: this row's counters and `ballot_voters`, the secret ballot box).
    box: str = Field(default="workflow", max_length=16, sa_column_kwargs={"server_default": "workflow"})


class BallotVoter(SQLModel, table=True):
    """The register of who took part in a secret ballot: one row per seat that voted, never its choice.

    No time, no order: a row cannot be matched to a change of the counters it was written with.
    """

    __tablename__ = "ballot_voters"
    __table_args__ = (
        ForeignKeyConstraint(
            ["nomination_id", "step", "number"], ["ballots.nomination_id", "ballots.step", "ballots.number"]
        ),
    )

    nomination_id: uuid.UUID = Field(primary_key=True)
    step: str = Field(max_length=64, primary_key=True)
    number: int = Field(primary_key=True)
    # The council seat: the member's user id (a council member's vote is never delegated).
    seat_user_id: int = Field(foreign_key="users.id", primary_key=True)


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
