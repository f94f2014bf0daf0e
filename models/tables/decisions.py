"""Award decisions (quyết định khen thưởng): the number register of each issuing unit and year, the
decisions, the nominations each awards (the award register, sổ khen thưởng) and their documents.

Written by the API in one transaction per decision (`models/store/decisions.py`): the number is
taken in the transaction that records the decision, keyed by the decision id the caller chose, so
that a retried request never numbers a decision twice.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import BigInteger, Column, DateTime, Index, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel


class DecisionCounter(SQLModel, table=True):
    """The last number given in an issuing unit's register for a calendar year (Asia/Ho_Chi_Minh)."""

    __tablename__ = "decision_counters"

    unit_id: int = Field(foreign_key="units.id", primary_key=True)
    year: int = Field(primary_key=True)
    last_number: int


class Decision(SQLModel, table=True):
    __tablename__ = "decisions"
    __table_args__ = (
        UniqueConstraint("issuing_unit_id", "year", "number"),
        Index("ix_decisions_year_unit", "year", "issuing_unit_id"),
    )

    id: uuid.UUID = Field(primary_key=True)
    issuing_unit_id: int = Field(foreign_key="units.id")
    year: int
    number: int
    symbol: str = Field(max_length=32)
    signed_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
    signer_user_id: int = Field(foreign_key="users.id")
    signer_name: str = Field(max_length=200)
    # "KT. CHỦ TỊCH – PHÓ CHỦ TỊCH" when a deputy signs on behalf of the head; else none.
    signer_title: str | None = Field(default=None, max_length=300)
    award_form: str = Field(foreign_key="award_forms.code", max_length=64)


class DecisionNomination(SQLModel, table=True):
    """One awardee of a decision: an entry of the award register, with what it was awarded for."""

    __tablename__ = "decision_nominations"
    __table_args__ = (
        UniqueConstraint("nomination_id"),
        Index("ix_decision_nominations_unit", "proposing_unit_id"),
        Index("ix_decision_nominations_form_year", "award_form", "year"),
    )

    decision_id: uuid.UUID = Field(foreign_key="decisions.id", primary_key=True)
    nomination_id: uuid.UUID = Field(foreign_key="nominations.id", primary_key=True)
    position: int
    nominee_kind: str = Field(max_length=32)
    nominee_name: str = Field(max_length=300)
    proposing_unit_id: int = Field(foreign_key="units.id")
    award_form: str = Field(max_length=64)
    year: int
    period_kind: str = Field(max_length=32)
    period_year: int
    achievements: str = Field(sa_column=Column(Text, nullable=False))
    # Folded to lower-case ASCII (models.rules.text.fold) for the register's accent-insensitive search.
    search_text: str = Field(sa_column=Column(Text, nullable=False))
    prize_coefficient: float = Field(default=0.0, sa_column_kwargs={"server_default": "0"})
    prize_amount: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, server_default="0"))


class DecisionDocument(SQLModel, table=True):
    """A decision's document (pdf, docx), generated once and kept with its SHA-256."""

    __tablename__ = "decision_documents"

    decision_id: uuid.UUID = Field(foreign_key="decisions.id", primary_key=True)
    kind: str = Field(max_length=8, primary_key=True)  # pdf | docx
    sha256: str = Field(max_length=64)
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    signed: bool = False
    created_at: datetime = Field(sa_column=Column(DateTime(timezone=True), nullable=False))
