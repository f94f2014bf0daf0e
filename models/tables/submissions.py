"""A unit's list (tờ trình kèm danh sách): many nominees proposed in one submission.

Each nominee is still its own nomination with its own workflow; the submission groups them under
one number of the proposing unit's register of submission letters for the year, and keeps the
letter's documents. Written by the API in one transaction with the nominations it creates.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Column, DateTime, Index, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel


class SubmissionCounter(SQLModel, table=True):
    """The last number of a unit's submission letters (tờ trình) in a calendar year (Asia/Ho_Chi_Minh)."""

    __tablename__ = "submission_counters"

    unit_id: int = Field(foreign_key="units.id", primary_key=True)
    year: int = Field(primary_key=True)
    last_number: int


class Submission(SQLModel, table=True):
    __tablename__ = "submissions"
    __table_args__ = (
        UniqueConstraint("proposing_unit_id", "year", "number"),
        Index("ix_submissions_unit_created", "proposing_unit_id", "created_at"),
    )

    id: uuid.UUID = Field(primary_key=True)
    proposing_unit_id: int = Field(foreign_key="units.id")
    award_form: str = Field(foreign_key="award_forms.code", max_length=64)
    period_kind: str = Field(max_length=32)
    period_year: int
    # The register year (of created_at in Asia/Ho_Chi_Minh), the number in it and the symbol, e.g. 12/TTr-UBND.
    year: int
    number: int
    symbol: str = Field(max_length=32)
    total: int
    # "xlsx" when the list came from an Excel file, "json" when typed or sent by a program.
    source: str = Field(max_length=8)
    created_by: int = Field(foreign_key="users.id")
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class SubmissionKey(SQLModel, table=True):
    """The Idempotency-Key of a submission: the same key and body give the same submission."""

    __tablename__ = "submission_keys"

    user_id: int = Field(foreign_key="users.id", primary_key=True)
    key: str = Field(primary_key=True, max_length=200)
    request_hash: str = Field(max_length=64)
    submission_id: uuid.UUID = Field(foreign_key="submissions.id")
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))


class SubmissionDocument(SQLModel, table=True):
    """A submission letter's document (pdf, docx), generated once and kept with its SHA-256."""

    __tablename__ = "submission_documents"

    submission_id: uuid.UUID = Field(foreign_key="submissions.id", primary_key=True)
    kind: str = Field(max_length=8, primary_key=True)  # pdf | docx
    sha256: str = Field(max_length=64)
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
