"""Bodies of award decisions (quyết định khen thưởng) and the award register (sổ khen thưởng)."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from service.api.schemas.common import UnitRef, _Strict

MAX_AWARDEES = 500


class DecisionCreate(_Strict):
    nomination_ids: list[uuid.UUID] = Field(min_length=1, max_length=MAX_AWARDEES)


class DecisionRef(BaseModel):
    """What a nomination shows of the decision that awarded it."""

    id: uuid.UUID
    number: int
    symbol: str
    signed_at: datetime


class AwardeeOut(BaseModel):
    nomination_id: uuid.UUID
    position: int
    nominee_kind: str
    nominee_name: str
    proposing_unit: UnitRef
    achievements: str
    prize_coefficient: float
    prize_amount: int


class DocumentOut(BaseModel):
    kind: str
    sha256: str
    signed: bool
    url: str


class DecisionOut(BaseModel):
    id: uuid.UUID
    number: int
    # As printed: "12/QĐ-UBND" (numbers below 10 with a leading 0).
    number_symbol: str
    symbol: str
    year: int
    signed_at: datetime
    # As the signature block reads: "KT. CHỦ TỊCH – PHÓ CHỦ TỊCH Nguyễn Văn A", or the name.
    signer: str
    signer_name: str
    signer_title: str | None
    issuing_unit: UnitRef
    award_form: str
    award_form_name: str | None = None
    nomination_ids: list[uuid.UUID]
    awardees: list[AwardeeOut] = []
    prize_total: int = 0
    documents: list[DocumentOut] = []


class DecisionPage(BaseModel):
    items: list[DecisionOut]
    total: int


class AwardOut(BaseModel):
    """An entry of the award register: who was awarded what, by which decision."""

    nomination_id: uuid.UUID
    nominee_kind: str
    nominee_name: str
    proposing_unit: UnitRef
    award_form: str
    award_form_name: str | None = None
    period_kind: str
    period_year: int
    achievements: str
    decision: DecisionRef
    number_symbol: str
    issuing_unit: UnitRef


class AwardPage(BaseModel):
    items: list[AwardOut]
    total: int
    limit: int
    offset: int


class VerificationOut(BaseModel):
    decision_id: uuid.UUID
    # signed: a PAdES signature; unsigned_digital: issued without a certificate, to print and stamp.
    status: str
    ok: bool
    sha256: str
    signed: bool
    intact: bool
    valid: bool
    trusted: bool
    covers_whole_file: bool
    signer: str | None = None
    signed_at: datetime | None = None
    problem: str | None = None
    # Every signature: the person's, then the organisation's where configured.
    signers: list[str] = []
