"""Councils: ballots (the tally only, never who voted how) and comments received during public disclosure."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Column, DateTime, ForeignKeyConstraint, Index, LargeBinary
from sqlalchemy.dialects.postgresql import JSONB
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


class CouncilSession(SQLModel, table=True):
    """A council's meeting (phiên họp) that decides a list of nominations at once.

    The secretary opens it for the nominations waiting at the council, records attendance and the
    result per nominee once; a `CouncilSessionWorkflow` then applies each result to its nomination
    (status `applying`, `applied` of `total`) and the session is `closed`.
    """

    __tablename__ = "council_sessions"
    __table_args__ = (Index("ix_council_sessions_council", "council_unit_id", "opened_at"),)

    id: uuid.UUID = Field(primary_key=True)
    council_unit_id: int = Field(foreign_key="units.id")
    mode: str = Field(max_length=16)  # meeting | electronic
    status: str = Field(max_length=16)  # open | applying | closed
    opened_by: int = Field(foreign_key="users.id")
    opened_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    # Attendance, recorded once for the whole session.
    members: int | None = None
    present: int | None = None
    minutes: str | None = None
    # Who recorded the results, as the workflows receive it (the secretary acting for the council).
    actor: dict[str, Any] | None = Field(default=None, sa_column=Column(JSONB, nullable=True))
    results_at: datetime | None = timestamp()
    closed_at: datetime | None = timestamp()
    total: int
    applied: int = 0
    workflow_id: str | None = Field(default=None, max_length=100)


class CouncilSessionItem(SQLModel, table=True):
    """One nominee of a session: its result as recorded, and what applying it did."""

    __tablename__ = "council_session_items"
    __table_args__ = (Index("ix_council_session_items_nomination", "nomination_id"),)

    session_id: uuid.UUID = Field(foreign_key="council_sessions.id", primary_key=True)
    nomination_id: uuid.UUID = Field(foreign_key="nominations.id", primary_key=True)
    position: int
    step: str = Field(max_length=64)
    votes_for: int | None = None
    votes_against: int | None = None
    written_for: int = 0
    written_against: int = 0
    # After applying: "passed", "failed" (the tally did not reach the threshold) or "refused" (the
    # nomination had moved on, e.g. withdrawn), with the reason.
    outcome: str | None = Field(default=None, max_length=16)
    detail: str | None = None
    applied_at: datetime | None = timestamp()


class CouncilSessionDocument(SQLModel, table=True):
    """A session's minutes (biên bản), generated once and kept with its SHA-256."""

    __tablename__ = "council_session_documents"

    session_id: uuid.UUID = Field(foreign_key="council_sessions.id", primary_key=True)
    kind: str = Field(max_length=8, primary_key=True)  # pdf | docx
    sha256: str = Field(max_length=64)
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
