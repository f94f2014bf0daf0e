"""Plans (Kế hoạch) as data: the file schema and its loader.

A plan file under deploy/plans/ says who reports to whom by which day every year, when the
preliminary (2025) and final (2030) reviews take nominations and with which award forms, who
supervises whom and which quotas apply. Mistakes fail the load with a message naming the file
and the field. The yearly schedule is in `models.rules.plan_schedule`; the plan rows are written by
`models.store.plans`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from models.rules.calendar import VN_TZ
from models.rules.catalogue import LEVELS
from models.rules.org_tree import OrgTree
from models.rules.text import nfc_deep

log = logging.getLogger(__name__)

CODE = r"^[A-Z][A-Z0-9-]{0,63}$"
AWARD_CODE = r"^[A-Z][A-Z0-9_]{1,63}$"
MILESTONE_KINDS = ("preliminary_review", "final_review")
NOMINEE_KINDS = ("individual", "collective", "household", "clan")


class PlanFileError(ValueError):
    """A plan file that cannot be loaded; the message names the file and the field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Source(_Strict):
    """The seed document the plan file was written from."""

    document: str = Field(min_length=3)
    file: str = Field(min_length=3)
    implements: str | None = None
    note: str | None = None


class Phase(_Strict):
    name: str = Field(min_length=1)
    start: int = Field(ge=2000, le=2100)
    end: int = Field(ge=2000, le=2100)


class Period(_Strict):
    start: int = Field(ge=2000, le=2100)
    end: int = Field(ge=2000, le=2100)


class UnitSelector(_Strict):
    """Units named by code, and/or the units under one unit, filtered by kind and level."""

    codes: list[str] = Field(default_factory=list)
    under: str | None = None
    # direct: only the children of `under`; otherwise every unit below it.
    direct: bool = True
    kinds: list[str] | None = None
    levels: list[str] | None = None
    exclude: list[str] = Field(default_factory=list)

    @field_validator("codes", "exclude")
    @classmethod
    def _codes(cls, value: list[str]) -> list[str]:
        for code in value:
            _check_code(code)
        return value

    @field_validator("under")
    @classmethod
    def _under(cls, value: str | None) -> str | None:
        return _check_code(value) if value is not None else None

    @field_validator("levels")
    @classmethod
    def _levels(cls, value: list[str] | None) -> list[str] | None:
        for level in value or []:
            if level not in LEVELS:
                raise ValueError(f"unknown level {level!r}; expected one of {', '.join(LEVELS)}")
        return value

    @model_validator(mode="after")
    def _not_empty(self) -> UnitSelector:
        if not self.codes and self.under is None:
            raise ValueError("a unit selector needs `codes` or `under`")
        return self

    def referenced_codes(self) -> list[str]:
        return [*self.codes, *([self.under] if self.under else []), *self.exclude]


class DueDay(_Strict):
    day: int = Field(ge=1, le=31)
    month: int = Field(ge=1, le=12)
    # "trước ngày 30/11" is read as due at the start of 30/11 (Asia/Ho_Chi_Minh).
    time: str = Field(default="00:00", pattern=r"^([01]\d|2[0-3]):[0-5]\d$")
    note: str | None = None

    def instant(self, year: int) -> datetime:
        hours, minutes = (int(x) for x in self.time.split(":"))
        try:
            return datetime(year, self.month, self.day, hours, minutes, tzinfo=VN_TZ)
        except ValueError:
            raise ValueError(f"{self.day:02d}/{self.month:02d} is not a date in {year}") from None

    @model_validator(mode="after")
    def _a_real_day(self) -> DueDay:
        self.instant(2024)  # a leap year accepts every day that exists in some year
        return self


class ReminderPolicy(_Strict):
    # The yearly-report task opens this many calendar days before the due day, at office opening.
    open_days_before: int = Field(default=30, ge=1, le=180)
    # Reminders go out at office opening this many working days before the due day.
    working_days_before: list[int] = Field(default_factory=lambda: [5, 1])

    @field_validator("working_days_before")
    @classmethod
    def _offsets(cls, value: list[int]) -> list[int]:
        for n in value:
            if not 1 <= n <= 60:
                raise ValueError(f"reminder offset {n} is outside 1..60 working days")
        if len(set(value)) != len(value):
            raise ValueError("reminder offsets repeat")
        return sorted(value, reverse=True)


class ReportStream(_Strict):
    """One yearly report: who reports, to whom, by which day."""

    key: str = Field(pattern=r"^[a-z][a-z0-9_]{0,31}$")
    name: str = Field(min_length=3)
    due: DueDay
    recipients: list[str] = Field(min_length=1)
    units: UnitSelector
    reminders: ReminderPolicy | None = None

    @field_validator("recipients")
    @classmethod
    def _recipients(cls, value: list[str]) -> list[str]:
        for code in value:
            _check_code(code)
        return value


class Window(_Strict):
    # Nominations are accepted from the start of `opens` to the start of `closes` (Asia/Ho_Chi_Minh).
    opens: date
    closes: date
    note: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if self.closes <= self.opens:
            raise ValueError("the window closes before it opens")
        return self

    def opens_at(self) -> datetime:
        return datetime.combine(self.opens, time(0, 0), VN_TZ)

    def closes_at(self) -> datetime:
        return datetime.combine(self.closes, time(0, 0), VN_TZ)


class Milestone(_Strict):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]{0,31}$")
    kind: Literal["preliminary_review", "final_review"]
    year: int = Field(ge=2000, le=2100)
    name: str = Field(min_length=3)
    window: Window
    award_forms: list[str] = Field(min_length=1)

    @field_validator("award_forms")
    @classmethod
    def _forms(cls, value: list[str]) -> list[str]:
        for code in value:
            if not re.match(AWARD_CODE, code):
                raise ValueError(f"{code!r} is not an award form code")
        return value


class Supervision(_Strict):
    unit: str
    supervises: str

    @field_validator("unit", "supervises")
    @classmethod
    def _code(cls, value: str) -> str:
        return _check_code(value)


class Quota(_Strict):
    key: str = Field(pattern=r"^[a-z][a-z0-9_]{0,31}$")
    name: str = Field(min_length=3)
    units: UnitSelector
    nominee_kind: Literal["individual", "collective", "household", "clan"]
    at_least: int = Field(ge=1, le=1000)
    milestones: list[str] = Field(min_length=1)


class PlanDef(_Strict):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{2,79}$")
    issuer: str
    number: str | None = None
    # The day printed on the document; when the document shows none (a blank day, an unreadable
    # scan), `issued_not_before` is the earliest day it can have been issued: the date of the
    # newest document it cites or implements.
    issued_on: date | None = None
    issued_not_before: date | None = None
    issued_note: str | None = None
    title: str = Field(min_length=5)
    source: Source
    # The units the plan covers: this unit and every unit below it (the issuer when omitted).
    scope: str | None = None
    period: Period
    phases: list[Phase] = Field(min_length=1)
    reminders: ReminderPolicy = Field(default_factory=ReminderPolicy)
    reports: list[ReportStream] = Field(min_length=1)
    milestones: list[Milestone] = Field(default_factory=list)
    supervision: list[Supervision] = Field(default_factory=list)
    quotas: list[Quota] = Field(default_factory=list)

    @field_validator("issuer", "scope")
    @classmethod
    def _code(cls, value: str | None) -> str | None:
        return _check_code(value) if value is not None else None

    @model_validator(mode="after")
    def _consistent(self) -> PlanDef:
        if self.period.end < self.period.start:
            raise ValueError("period: the end year is before the start year")
        for i, phase in enumerate(self.phases):
            if phase.end < phase.start or phase.start < self.period.start or phase.end > self.period.end:
                raise ValueError(f"phases.{i}: {phase.start}–{phase.end} is outside the period")
        _unique("reports", [r.key for r in self.reports])
        _unique("milestones", [m.key for m in self.milestones])
        _unique("quotas", [q.key for q in self.quotas])
        for i, m in enumerate(self.milestones):
            if not self.period.start <= m.year <= self.period.end:
                raise ValueError(f"milestones.{i}.year: {m.year} is outside the period")
            if self.in_force_from is not None and m.window.closes <= self.in_force_from:
                raise ValueError(f"milestones.{i}.window: it closes before the plan was issued")
        keys = {m.key for m in self.milestones}
        for i, q in enumerate(self.quotas):
            for k in q.milestones:
                if k not in keys:
                    raise ValueError(f"quotas.{i}.milestones: unknown milestone {k!r}")
        if self.issued_on is not None and self.issued_not_before is not None:
            raise ValueError("issued_not_before: give it only when the document shows no issue date (issued_on)")
        supervised = [s.supervises for s in self.supervision]
        _unique("supervision (supervised units)", supervised)
        return self

    @property
    def scope_code(self) -> str:
        return self.scope or self.issuer

    @property
    def in_force_from(self) -> date | None:
        """The first day the plan can apply: no deadline, reminder or task of it comes before."""
        return self.issued_on or self.issued_not_before

    def reminder_policy(self, stream: ReportStream) -> ReminderPolicy:
        return stream.reminders or self.reminders

    def referenced_codes(self) -> list[tuple[str, str]]:
        """Every unit code the plan names, with the field that names it."""
        out = [("issuer", self.issuer), ("scope", self.scope_code)]
        for r in self.reports:
            out += [(f"reports.{r.key}.recipients", c) for c in r.recipients]
            out += [(f"reports.{r.key}.units", c) for c in r.units.referenced_codes()]
        for s in self.supervision:
            out += [("supervision.unit", s.unit), ("supervision.supervises", s.supervises)]
        for q in self.quotas:
            out += [(f"quotas.{q.key}.units", c) for c in q.units.referenced_codes()]
        return out

    def award_forms(self) -> set[str]:
        return {code for m in self.milestones for code in m.award_forms}


def _check_code(value: str) -> str:
    if not re.match(CODE, value):
        raise ValueError(f"{value!r} is not a unit code (upper-case letters, digits and '-')")
    return value


def _unique(what: str, values: Sequence[str]) -> None:
    seen: set[str] = set()
    for v in values:
        if v in seen:
            raise ValueError(f"{what}: {v!r} appears twice")
        seen.add(v)


# ---- loading -----------------------------------------------------------------------------------


def _describe(errors: Iterable[Any]) -> str:
    parts = []
    for err in errors:
        loc = ".".join(str(p) for p in err["loc"])
        msg = str(err["msg"]).removeprefix("Value error, ")
        # Checks across fields name their field at the start of the message ("period: ...").
        named = re.match(r"^([a-z_][\w.]*(?: \([^)]*\))?): (.*)$", msg)
        if named and not loc:
            loc, msg = named.group(1), named.group(2)
        loc = loc or "(file)"
        parts.append(f"field {loc}: {msg}")
    return "; ".join(parts)


def parse_plan(raw: Any, source: str) -> PlanDef:
    if not isinstance(raw, dict):
        raise PlanFileError(f"{source}: expected a mapping with the plan's fields")
    try:
        return PlanDef.model_validate(nfc_deep(raw))
    except ValidationError as exc:
        raise PlanFileError(f"{source}: {_describe(exc.errors())}") from None


def load_plan(path: Path) -> PlanDef:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise PlanFileError(f"{path.name}: cannot read: {exc}") from None
    return parse_plan(raw, path.name)


def plan_files(deploy_dir: Path) -> list[Path]:
    return sorted((deploy_dir / "plans").glob("*.yaml"))


def load_plans(deploy_dir: Path) -> list[PlanDef]:
    plans = [load_plan(p) for p in plan_files(deploy_dir)]
    ids = [p.id for p in plans]
    for pid in ids:
        if ids.count(pid) > 1:
            raise PlanFileError(f"plans/: plan id {pid!r} is used by two files")
    return plans


def check_units(plan: PlanDef, index: OrgTree, source: str) -> None:
    """Every unit code of the plan exists in the organisation; the error names the file and field."""
    for field, code in plan.referenced_codes():
        if code not in index.by_code:
            raise PlanFileError(f"{source}: field {field}: unknown unit code {code!r}")
