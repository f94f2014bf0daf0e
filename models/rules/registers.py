"""Decision registers and prizes: the symbol and place of an issuer's decisions and submission letters
(tờ trình), the year of a number register, and the prize of an award, from `deploy/registers.yaml` and
`deploy/prizes.yaml`.

Pure: no database. Errors on load name the file and the field.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date, datetime
from decimal import ROUND_CEILING, Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from models.rules.text import nfc_deep

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
NOMINEE_KINDS = ("individual", "collective", "household", "clan")


class RegisterError(ValueError):
    """A register or prize file that cannot be loaded; the message names the file and the field."""


def _symbol(value: str) -> str:
    if not value.startswith("QĐ-") or len(value) < 4 or any(c.isspace() for c in value):
        raise ValueError(f"{value!r} is not a decision symbol like QĐ-UBND")
    return value


# A submission letter's symbol: "TTr" (tờ trình, Decree 30/2020/NĐ-CP Appendix III) and the issuer's
# abbreviation; stored in submissions.symbol (32 characters).
LETTER_PREFIX = "TTr-"
MAX_SYMBOL = 32


def _letter_symbol(value: str) -> str:
    if not value.startswith(LETTER_PREFIX) or len(value) <= len(LETTER_PREFIX) or any(c.isspace() for c in value):
        raise ValueError(f"{value!r} is not a submission letter symbol like TTr-UBND")
    if len(value) > MAX_SYMBOL:
        raise ValueError(f"{value!r} is longer than {MAX_SYMBOL} characters")
    return value


class Registers(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    symbols_by_kind: dict[str, str] = Field(min_length=1)
    symbols_by_unit: dict[str, str] = Field(default_factory=dict)
    places: dict[str, str] = Field(default_factory=dict)
    default_place: str = Field(min_length=2)
    # Submission letters (tờ trình): by the proposing unit's kind, and by unit code over its kind's.
    letter_symbols_by_kind: dict[str, str] = Field(default_factory=dict)
    letter_symbols_by_unit: dict[str, str] = Field(default_factory=dict)

    @field_validator("symbols_by_kind", "symbols_by_unit")
    @classmethod
    def _symbols(cls, value: dict[str, str]) -> dict[str, str]:
        for key, symbol in value.items():
            try:
                _symbol(symbol)
            except ValueError as exc:
                raise ValueError(f"{key}: {exc}") from None
        return value

    @field_validator("letter_symbols_by_kind", "letter_symbols_by_unit")
    @classmethod
    def _letter_symbols(cls, value: dict[str, str]) -> dict[str, str]:
        for key, symbol in value.items():
            try:
                _letter_symbol(symbol)
            except ValueError as exc:
                raise ValueError(f"{key}: {exc}") from None
        return value

    def symbol(self, unit_code: str, unit_kind: str) -> str:
        found = self.symbols_by_unit.get(unit_code) or self.symbols_by_kind.get(unit_kind)
        return found or "QĐ"

    def letter_symbol(self, unit_code: str, unit_kind: str) -> str:
        """The symbol of the unit's submission letters: configured, else the abbreviation of its
        decisions' symbol (QĐ-UBND -> TTr-UBND), else "TTr" alone."""
        found = self.letter_symbols_by_unit.get(unit_code) or self.letter_symbols_by_kind.get(unit_kind)
        if found:
            return found
        decision = self.symbols_by_unit.get(unit_code) or self.symbols_by_kind.get(unit_kind)
        if decision:
            return (LETTER_PREFIX + decision.removeprefix("QĐ-"))[:MAX_SYMBOL]
        return "TTr"

    def place(self, codes_up_to_root: Iterable[str]) -> str:
        """The place of the date line: the first unit (itself, then its ancestors) that names one."""
        for code in codes_up_to_root:
            if code in self.places:
                return self.places[code]
        return self.default_place


class BaseSalary(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    since: date
    amount: int = Field(gt=0)


class Prizes(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    base_salary: list[BaseSalary] = Field(min_length=1)
    coefficients: dict[str, dict[str, float]] = Field(default_factory=dict)

    @field_validator("coefficients")
    @classmethod
    def _kinds(cls, value: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
        for form, kinds in value.items():
            for kind, coefficient in kinds.items():
                if kind not in NOMINEE_KINDS:
                    raise ValueError(f"{form}: unknown nominee kind {kind!r}; use one of {', '.join(NOMINEE_KINDS)}")
                if not (0 < coefficient <= 100) or math.isnan(coefficient):
                    raise ValueError(f"{form}.{kind}: coefficient {coefficient} is not between 0 and 100")
        return value

    def base_salary_on(self, day: date) -> int:
        in_force = [b for b in self.base_salary if b.since <= day]
        if not in_force:
            raise ValueError(f"no base salary in force on {day.isoformat()}")
        return max(in_force, key=lambda b: b.since).amount

    def prize(self, award_form: str, nominee_kind: str, day: date) -> tuple[float, int]:
        """(coefficient, amount in đồng rounded up to the thousand) of one award; (0, 0) without a prize."""
        coefficient = self.coefficients.get(award_form, {}).get(nominee_kind)
        if not coefficient:
            return 0.0, 0
        raw = Decimal(str(coefficient)) * self.base_salary_on(day) / 1000
        return coefficient, int(raw.to_integral_value(rounding=ROUND_CEILING)) * 1000


def register_year(at: datetime) -> int:
    """The calendar year of a number register: numbers restart at 1 on 1 January, Vietnam time."""
    if at.tzinfo is None:
        raise ValueError("a naive datetime has no register year")
    return at.astimezone(VIETNAM).year


def date_line(place: str, at: datetime) -> str:
    """ "Gia Lai, ngày 05 tháng 12 năm 2026" (Decree 30/2020: day and month below 10 with a leading 0
    for days 1–9 and months 1–2)."""
    local = at.astimezone(VIETNAM)
    month = f"{local.month:02d}" if local.month < 3 else str(local.month)
    return f"{place}, ngày {local.day:02d} tháng {month} năm {local.year}"


def number_text(number: int) -> str:
    """Numbers below 10 are written with a leading 0 (Decree 30/2020, Appendix I)."""
    return f"{number:02d}"


def _describe(exc: ValidationError) -> str:
    parts = []
    for e in exc.errors():
        field = ".".join(str(p) for p in e["loc"]) or "(file)"
        parts.append(f"field {field}: {str(e['msg']).removeprefix('Value error, ')}")
    return "; ".join(parts)


def _load(path: Path) -> Any:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise RegisterError(f"{path}: cannot read: {exc}") from None
    if not isinstance(raw, dict):
        raise RegisterError(f"{path}: expected a mapping")
    return nfc_deep(raw)


def parse_registers(raw: Any, source: str) -> Registers:
    try:
        return Registers.model_validate(nfc_deep(raw))
    except ValidationError as exc:
        raise RegisterError(f"{source}: {_describe(exc)}") from None


def parse_prizes(raw: Any, source: str) -> Prizes:
    try:
        return Prizes.model_validate(nfc_deep(raw))
    except ValidationError as exc:
        raise RegisterError(f"{source}: {_describe(exc)}") from None


def load_registers(path: Path) -> Registers:
    return parse_registers(_load(path), str(path))


def load_prizes(path: Path) -> Prizes:
    return parse_prizes(_load(path), str(path))
