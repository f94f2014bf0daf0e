"""Bodies of /api/v1/submissions: a unit's list of nominees in one submission letter (tờ trình)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from models.rules.submission_sheet import MAX_ROWS
from service.api.schemas.common import Id, Line, PeriodKind, UnitRef, Year, _Strict
from service.api.schemas.nominations import NomineeEntry, Period

# The largest list a request may carry, as JSON or as an Excel file (2,000 rows with long achievements).
MAX_LIST_BYTES = 10 * 1024 * 1024


class SubmissionCreate(_Strict):
    """The list as JSON. Each entry of `nominees` is checked on its own, as POST /api/v1/nominations
    checks one; a bad entry is reported by its 1-based position (`row`) and field."""

    award_form: Line = Field(min_length=1, max_length=64)
    proposing_unit_id: Id
    period: Period
    nominees: list[NomineeEntry] = Field(min_length=1, max_length=MAX_ROWS)
    # True: create the valid entries and report the others; false (default): any bad entry, nothing created.
    only_valid: bool = False


class SubmissionHead(_Strict):
    """What is read of a list before its entries: the entries stay raw here, to be checked one by one."""

    award_form: Line = Field(min_length=1, max_length=64)
    proposing_unit_id: Id
    period: Period
    nominees: list[Any] = Field(min_length=1, max_length=MAX_ROWS)
    only_valid: bool = False


class SubmissionUpload(BaseModel):
    """The list as an Excel file (the template of GET /api/v1/submissions/template.xlsx), sent as
    multipart/form-data with the list's other fields (documentation of the form)."""

    file: bytes = Field(description="Tệp .xlsx theo mẫu")
    award_form: str = Field(max_length=64)
    proposing_unit_id: Id
    period_kind: PeriodKind
    period_year: Year
    only_valid: bool = False


class RowError(BaseModel):
    # The Excel row number, or the entry's 1-based position in a JSON list.
    row: int
    field: str
    detail: str
    # The sheet's column header, for a row of an Excel file.
    column: str | None = None


class SubmissionCreated(BaseModel):
    id: uuid.UUID
    number: int
    symbol: str
    # As printed: "12/TTr-UBND" (numbers below 10 with a leading 0).
    number_symbol: str
    nomination_ids: list[uuid.UUID]
    total: int
    # With only_valid: the entries left out and why.
    rejected: list[RowError] = []


class SubmissionNominationOut(BaseModel):
    id: uuid.UUID
    nominee_name: str
    nominee_kind: str
    status: str
    current_step: str | None
    current_step_name: str | None = None
    # Its workflow has started and projected its first state (version > 0).
    started: bool


class SubmissionDocumentOut(BaseModel):
    kind: str
    sha256: str
    url: str


class SubmissionSummary(BaseModel):
    id: uuid.UUID
    number: int
    symbol: str
    number_symbol: str
    year: int
    award_form: str
    award_form_name: str | None = None
    proposing_unit: UnitRef
    period: Period
    total: int
    # How many of its nominations' workflows have started (projected, version > 0).
    started: int
    source: str
    created_at: datetime
    created_by: str


class SubmissionOut(SubmissionSummary):
    nominations: list[SubmissionNominationOut]
    documents: list[SubmissionDocumentOut] = []


class SubmissionPage(BaseModel):
    items: list[SubmissionSummary]
    total: int
    total_capped: bool = False
    limit: int
    offset: int
    next_cursor: str | None = None
