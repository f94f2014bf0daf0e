"""The award catalogue, loaded from YAML and validated with messages that name the file, entry and field.

Each award form says who decides it and which steps a nomination passes: the steps at every unit the
dossier climbs through on its way up (``passing``), the unit where the climb ends (``climb_to``, by
default the decider), and the steps at that unit and beyond it (``steps``; a step ``at`` a unit code
leaves the local tree, as the central chain does). ``models.rules.routes`` turns this into a route for one
proposing unit of one organisation tree.
"""

from __future__ import annotations

import string
from fractions import Fraction
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

from models.rules.text import nfc_deep

LEVELS = ("central", "province", "district", "commune", "grassroots")
STEP_KINDS = ("council", "appraisal", "sign", "submit", "propose")
# Steps taken by the head of a unit (Chủ tịch UBND, Giám đốc Sở, Bộ trưởng, Thủ tướng, Chủ tịch nước).
HEAD_STEP_KINDS = ("sign", "submit", "propose")
HEAD = "head"
TOP = "top"
NOMINEE_KINDS = ("individual", "collective", "household", "clan")
PERIOD_KINDS = ("annual", "preliminary_review", "final_review")
THRESHOLD_BASES = ("all", "present")
NAME_FIELDS = frozenset({"unit", "head"})

Level = Literal["central", "province", "district", "commune", "grassroots"]
StepKind = Literal["council", "appraisal", "sign", "submit", "propose"]
NomineeKind = Literal["individual", "collective", "household", "clan"]
PeriodKind = Literal["annual", "preliminary_review", "final_review"]


class CatalogueError(ValueError):
    """A catalogue file that cannot be loaded; the message names the file, the entry and the field."""


def _share(value: Any) -> Any:
    """A share of members: a number (0.8) or a fraction written as text ("2/3")."""
    if isinstance(value, str) and "/" in value:
        try:
            return float(Fraction(value.replace(" ", "")))
        except (ValueError, ZeroDivisionError):
            raise ValueError(f"{value!r} is not a fraction like 2/3") from None
    return value


def _check_template(value: str) -> str:
    try:
        fields = {f for _, f, _, _ in string.Formatter().parse(value) if f is not None}
    except ValueError as exc:
        raise ValueError(f"bad name template: {exc}") from None
    unknown = fields - NAME_FIELDS
    if unknown:
        raise ValueError(f"unknown placeholder {sorted(unknown)[0]!r}; use {{unit}} or {{head}}")
    return value


def _as_list(value: Any) -> Any:
    return [value] if isinstance(value, str) else value


class UnitFilter(BaseModel):
    """Units of these levels and kinds (a decider, or where the climb ends)."""

    model_config = ConfigDict(extra="forbid")
    level: list[Level] = Field(min_length=1)
    kind: list[str] = Field(min_length=1)

    _as_lists = field_validator("level", "kind", mode="before")(_as_list)

    def matches(self, level: str, kind: str) -> bool:
        return level in self.level and kind in self.kind


class CouncilRule(BaseModel):
    """How a council decides: quorum and threshold as shares of members (see deploy/award_forms.yaml)."""

    model_config = ConfigDict(extra="forbid")
    quorum: float = Field(gt=0, le=1)
    threshold: float = Field(gt=0, le=1)
    threshold_basis: Literal["all", "present"]

    _shares = field_validator("quorum", "threshold", mode="before")(_share)


class StepDef(BaseModel):
    model_config = ConfigDict(extra="forbid")

    kind: StepKind
    # "head" (the head of the anchor unit signs, submits or proposes), or the kind of the unit under
    # the anchor that acts ("council", "home_affairs").
    actor: str = Field(min_length=1, max_length=32)
    # The anchor: "top" (where the climb ended) or a unit's code (e.g. VN-BNV for the central chain).
    at: str = Field(default=TOP, min_length=1, max_length=64)
    # Vietnamese step name; "{unit}" is the acting unit's name and "{head}" its head's title.
    name: str | None = Field(default=None, min_length=3, max_length=300)
    working_days: int | None = Field(default=None, ge=1, le=120)
    reminder_working_days: int | None = Field(default=None, ge=0, le=30)
    # A passing step whose actor a unit does not have is left out; any other missing actor is an error.
    optional: bool = False
    # Council steps only.
    quorum: float | None = Field(default=None, gt=0, le=1)
    threshold: float | None = Field(default=None, gt=0, le=1)
    threshold_basis: Literal["all", "present"] | None = None
    disclosure_working_days: int | None = Field(default=None, ge=0, le=60)
    # Appraisal steps only.
    max_supplement_requests: int | None = Field(default=None, ge=0, le=10)
    pause_clock_on_supplement: bool | None = None

    _shares = field_validator("quorum", "threshold", mode="before")(_share)

    @field_validator("name")
    @classmethod
    def _known_placeholders(cls, value: str | None) -> str | None:
        return None if value is None else _check_template(value)

    @model_validator(mode="after")
    def _fields_fit_the_kind(self) -> StepDef:
        if self.kind in HEAD_STEP_KINDS and self.actor != HEAD:
            raise ValueError(f"a {self.kind} step is taken by the head of a unit: actor must be {HEAD!r}")
        if self.kind not in HEAD_STEP_KINDS and self.actor == HEAD:
            raise ValueError(f"a {self.kind} step is taken by a unit, not by {HEAD!r}: name its kind")
        council_only = ("quorum", "threshold", "threshold_basis", "disclosure_working_days")
        if self.kind != "council":
            for name in council_only:
                if getattr(self, name) is not None:
                    raise ValueError(f"{name} applies to council steps only")
        if self.kind != "appraisal":
            for name in ("max_supplement_requests", "pause_clock_on_supplement"):
                if getattr(self, name) is not None:
                    raise ValueError(f"{name} applies to appraisal steps only")
        return self


class AwardReference(BaseModel):
    """A criterion judged from the award register: the nominee already holds one of these award forms,
    awarded in a year at most `within_years` and at least `at_least_years` before the dossier's
    period year (and not after it)."""

    model_config = ConfigDict(extra="forbid")
    award_form: list[str] = Field(min_length=1, max_length=10)
    within_years: int | None = Field(default=None, ge=0, le=50)
    at_least_years: int | None = Field(default=None, ge=0, le=50)

    _as_lists = field_validator("award_form", mode="before")(_as_list)

    @model_validator(mode="after")
    def _a_window(self) -> AwardReference:
        if len(set(self.award_form)) != len(self.award_form):
            raise ValueError("award_form: a form is listed twice")
        if (
            self.within_years is not None
            and self.at_least_years is not None
            and self.at_least_years > self.within_years
        ):
            raise ValueError("at_least_years is more than within_years: no award can match")
        return self

    def accepts(self, award_form: str, award_year: int, period_year: int) -> bool:
        age = period_year - award_year
        return (
            award_form in self.award_form
            and age >= 0
            and (self.within_years is None or age <= self.within_years)
            and (self.at_least_years is None or age >= self.at_least_years)
        )


class Criterion(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: str = Field(pattern=r"^[A-Z][A-Z0-9_.-]{1,63}$")
    text: str = Field(min_length=3, max_length=2_000)
    # For collectives: the kinds of collective the criterion is for (commune, village, school...);
    # empty: every collective.
    applies_to: list[str] = Field(default_factory=list)
    # The criterion is an earlier award: the dossier shows whether the award register holds it.
    requires_award: AwardReference | None = None


Criteria = dict[NomineeKind, list[Criterion]]


def _check_criteria(value: dict[str, list[Criterion]]) -> dict[str, list[Criterion]]:
    for kind, items in value.items():
        codes = [c.code for c in items]
        duplicate = next((c for c in codes if codes.count(c) > 1), None)
        if duplicate:
            raise ValueError(f"{kind}: criterion {duplicate} is listed twice")
    return value


def _check_working_days(value: dict[str, int]) -> dict[str, int]:
    for kind, days in value.items():
        if kind not in STEP_KINDS:
            raise ValueError(f"unknown step kind {kind!r}; expected one of {', '.join(STEP_KINDS)}")
        if not 1 <= days <= 120:
            raise ValueError(f"{kind}: {days} working days is outside 1..120")
    return value


class AwardFormDef(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=r"^[A-Z][A-Z0-9_]{1,63}$")
    name: str = Field(min_length=3)
    decider: UnitFilter
    # Where the climb from the proposing unit ends; the decider when not given.
    climb_to: UnitFilter | None = None
    # Steps at every unit the dossier passes below climb_to, the proposing unit first; None: the defaults.
    passing: list[StepDef] | None = None
    # Steps at climb_to and beyond it, in order; the last one is the decision (sign) at the decider.
    steps: list[StepDef] = Field(min_length=1)
    working_days: dict[str, int] = Field(default_factory=dict)
    reminder_working_days: int | None = Field(default=None, ge=0, le=30)
    revision_working_days: int | None = Field(default=None, ge=1, le=90)
    # Defaults for this form's appraisal steps.
    max_supplement_requests: int | None = Field(default=None, ge=0, le=10)
    pause_clock_on_supplement: bool | None = None
    nominee_kinds: list[NomineeKind] = Field(min_length=1)
    periods: list[PeriodKind] = Field(min_length=1)
    criteria: dict[NomineeKind, list[Criterion]] | None = None
    # The legal bases ("Căn cứ …") a decision of this form cites before the catalogue's defaults.
    legal_bases: list[str] = Field(default_factory=list)
    # Copied from the catalogue defaults on load, for step names.
    head_titles: dict[str, str] = Field(default_factory=dict, exclude=True)
    default_head_title: str = Field(default="Thủ trưởng", exclude=True)

    _working_days = field_validator("working_days")(_check_working_days)

    @field_validator("nominee_kinds", "periods")
    @classmethod
    def _no_repeats(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("a value is listed twice")
        return value

    @model_validator(mode="after")
    def _route_shape(self) -> AwardFormDef:
        last = self.steps[-1]
        if last.kind != "sign":
            raise ValueError("steps: the last step must be the decision (kind sign)")
        if sum(1 for s in self.steps if s.kind == "sign") != 1:
            raise ValueError("steps: exactly one step is the decision (kind sign)")
        left = False
        for index, step in enumerate(self.steps):
            if step.at != TOP:
                left = True
            elif left:
                raise ValueError(f"steps.{index}: a step at the top unit cannot follow a step beyond it")
        if last.at == TOP and self.climb_to is not None:
            raise ValueError("climb_to: the decision is taken where the climb ends; leave climb_to out")
        if last.at != TOP and self.climb_to is None:
            raise ValueError("climb_to: required when the decision is taken beyond the local tree")
        if self.climb_to is not None and not any(s.kind == "submit" and s.at == TOP for s in self.steps):
            raise ValueError("steps: a route that leaves the local tree needs a submit step at the top unit")
        for index, step in enumerate(self.passing or []):
            if step.kind in HEAD_STEP_KINDS or step.at != TOP:
                raise ValueError(f"passing.{index}: only council and appraisal steps happen on the way up")
        return self

    @property
    def top(self) -> UnitFilter:
        return self.climb_to or self.decider

    def head_title(self, unit_kind: str) -> str:
        return self.head_titles.get(unit_kind, self.default_head_title)

    def checklist(self, nominee_kind: str) -> list[Criterion]:
        return list((self.criteria or {}).get(nominee_kind, []))  # type: ignore[call-overload]


class CatalogueDefaults(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reminder_working_days: int = Field(default=2, ge=0, le=30)
    revision_working_days: int = Field(default=10, ge=1, le=90)
    working_days: dict[str, int] = Field(
        default_factory=lambda: {"council": 10, "appraisal": 25, "sign": 5, "submit": 5, "propose": 10}
    )
    council: CouncilRule = Field(
        default_factory=lambda: CouncilRule(quorum=2 / 3, threshold=0.5, threshold_basis="present")
    )
    disclosure_working_days: int = Field(default=0, ge=0, le=60)
    max_supplement_requests: int = Field(default=1, ge=0, le=10)
    pause_clock_on_supplement: bool = True
    passing: list[StepDef] = Field(default_factory=lambda: [StepDef(kind="council", actor="council", optional=True)])
    # The title of a unit's head, by unit kind, for step names ("{head}").
    head_titles: dict[str, str] = Field(default_factory=lambda: {"people_committee": "Chủ tịch"})
    head_title: str = Field(default="Thủ trưởng", min_length=1)
    # Default Vietnamese step names by kind.
    step_names: dict[str, str] = Field(
        default_factory=lambda: {
            "council": "{unit} xét, bỏ phiếu",
            "appraisal": "{unit} thẩm định hồ sơ",
            "sign": "{head} {unit} ký quyết định",
            "submit": "{head} {unit} ký tờ trình đề nghị cấp trên khen thưởng",
            "propose": "{head} {unit} đề nghị khen thưởng",
        }
    )
    criteria: dict[NomineeKind, list[Criterion]] = Field(default_factory=dict)
    # The legal bases ("Căn cứ …") every award decision cites, after its form's own.
    legal_bases: list[str] = Field(default_factory=list)

    _working_days = field_validator("working_days")(_check_working_days)
    _criteria = field_validator("criteria")(_check_criteria)

    @field_validator("step_names")
    @classmethod
    def _step_names(cls, value: dict[str, str]) -> dict[str, str]:
        for kind, template in value.items():
            if kind not in STEP_KINDS:
                raise ValueError(f"unknown step kind {kind!r}; expected one of {', '.join(STEP_KINDS)}")
            _check_template(template)
        missing = [k for k in STEP_KINDS if k not in value]
        if missing:
            raise ValueError(f"no name for step kind {missing[0]!r}")
        return value

    @model_validator(mode="after")
    def _every_kind_has_days(self) -> CatalogueDefaults:
        missing = [k for k in STEP_KINDS if k not in self.working_days]
        if missing:
            raise ValueError(f"working_days: no default for step kind {missing[0]!r}")
        return self


class Catalogue(BaseModel):
    model_config = ConfigDict(extra="forbid")
    defaults: CatalogueDefaults = Field(default_factory=CatalogueDefaults)
    award_forms: list[AwardFormDef] = Field(min_length=1)
    # `get`'s index: the list it was built from, and its forms by code.
    _by_code: tuple[list[AwardFormDef], dict[str, AwardFormDef]] | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _apply_defaults_and_check_unique(self) -> Catalogue:
        seen: set[str] = set()
        d = self.defaults
        for form in self.award_forms:
            if form.code in seen:
                raise ValueError(f"award form {form.code} is defined twice")
            seen.add(form.code)
            form.working_days = {**d.working_days, **form.working_days}
            if form.reminder_working_days is None:
                form.reminder_working_days = d.reminder_working_days
            if form.revision_working_days is None:
                form.revision_working_days = d.revision_working_days
            if form.max_supplement_requests is None:
                form.max_supplement_requests = d.max_supplement_requests
            if form.pause_clock_on_supplement is None:
                form.pause_clock_on_supplement = d.pause_clock_on_supplement
            form.head_titles = dict(d.head_titles)
            form.default_head_title = d.head_title
            if form.passing is None:
                form.passing = [s.model_copy() for s in d.passing]
            if form.criteria is None:
                form.criteria = {k: list(v) for k, v in d.criteria.items() if k in form.nominee_kinds}
            else:
                stray = [k for k in form.criteria if k not in form.nominee_kinds]
                if stray:
                    raise ValueError(f"award form {form.code}: criteria for {stray[0]!r}, not one of its nominee_kinds")
                _check_criteria(form.criteria)  # type: ignore[arg-type]
            for step in [*form.passing, *form.steps]:
                _resolve_step(step, form, d)
        for kind, items in d.criteria.items():
            for c in items:
                self._check_reference(c, f"defaults: criteria.{kind}.{c.code}")
        for form in self.award_forms:
            for kind, items in (form.criteria or {}).items():
                for c in items:
                    self._check_reference(c, f"award form {form.code}: criteria.{kind}.{c.code}")
        return self

    def _check_reference(self, criterion: Criterion, where: str) -> None:
        ref = criterion.requires_award
        unknown = [code for code in (ref.award_form if ref else []) if self.get(code) is None]
        if unknown:
            raise ValueError(f"{where}.requires_award.award_form: unknown award form {unknown[0]!r}")

    def legal_bases(self, code: str) -> list[str]:
        """What a decision of this form cites ("Căn cứ …"): the form's own first (the law organising its
        issuer), then the catalogue's defaults (the law and decree on emulation and commendation)."""
        form = self.get(code)
        return [*(form.legal_bases if form else []), *self.defaults.legal_bases]

    def get(self, code: str) -> AwardFormDef | None:
        # By code, from an index kept with the list it was built from: a list of fifty dossiers asks
        # fifty times, and a search of the list took 6% of a request's CPU.
        # Read from pydantic's dict of private attributes: `self._by_code` goes through the model's
        # __getattr__, 4 µs a read, slower than the scan it replaces.
        index = (self.__pydantic_private__ or {}).get("_by_code")
        if index is None or index[0] is not self.award_forms or len(index[1]) != len(self.award_forms):
            index = self._by_code = (self.award_forms, {f.code: f for f in self.award_forms})
        return index[1].get(code)


def _resolve_step(step: StepDef, form: AwardFormDef, d: CatalogueDefaults) -> None:
    """Fill every step's settings from the form and the catalogue defaults, so a route needs nothing else."""
    if step.name is None:
        step.name = d.step_names[step.kind]
    if step.working_days is None:
        step.working_days = form.working_days[step.kind]
    if step.reminder_working_days is None:
        step.reminder_working_days = form.reminder_working_days
    if step.kind == "council":
        rule = d.council
        if step.quorum is None:
            step.quorum = rule.quorum
        if step.threshold is None:
            step.threshold = rule.threshold
        if step.threshold_basis is None:
            step.threshold_basis = rule.threshold_basis
        if step.disclosure_working_days is None:
            step.disclosure_working_days = d.disclosure_working_days
    elif step.kind == "appraisal":
        if step.max_supplement_requests is None:
            step.max_supplement_requests = form.max_supplement_requests
        if step.pause_clock_on_supplement is None:
            step.pause_clock_on_supplement = form.pause_clock_on_supplement


def _entry_name(raw: dict[str, Any], index: int) -> str:
    forms = raw.get("award_forms") or []
    code = forms[index].get("code") if index < len(forms) and isinstance(forms[index], dict) else None
    return str(code or f"#{index + 1}")


def _describe(errors: list[Any], raw: dict[str, Any]) -> str:
    parts = []
    for err in errors:
        loc = list(err["loc"])
        where = ".".join(str(p) for p in loc) or "(file)"
        if len(loc) >= 2 and loc[0] == "award_forms" and isinstance(loc[1], int):
            field = ".".join(str(p) for p in loc[2:]) or "(entry)"
            where = f"entry {_entry_name(raw, loc[1])}, field {field}"
        elif loc and loc[0] == "defaults":
            where = f"entry defaults, field {'.'.join(str(p) for p in loc[1:]) or '(entry)'}"
        msg = str(err["msg"]).removeprefix("Value error, ")
        parts.append(f"{where}: {msg}")
    return "; ".join(parts)


def _describe_catalogue_error(message: str, raw: dict[str, Any]) -> str:
    """Errors raised across entries (defaults applied to a form) name the form they are about."""
    message = message.removeprefix("Value error, ")
    if message.startswith("defaults: criteria."):
        field, why = message.removeprefix("defaults: ").split(": ", 1)
        return f"entry defaults, field {field}: {why}"
    for index, form in enumerate(raw.get("award_forms") or []):
        code = form.get("code") if isinstance(form, dict) else None
        if code and message.startswith(f"award form {code}: "):
            rest = message.removeprefix(f"award form {code}: ")
            if rest.startswith("criteria.") and ": " in rest:
                field, rest = rest.split(": ", 1)
            else:
                field = "criteria" if rest.startswith("criteria") else "(entry)"
            return f"entry {_entry_name(raw, index)}, field {field}: {rest}"
    return message


def parse_catalogue(raw: Any, source: str) -> Catalogue:
    if not isinstance(raw, dict):
        raise CatalogueError(f"{source}: expected a mapping with 'award_forms'")
    try:
        return Catalogue.model_validate(nfc_deep(raw))
    except ValidationError as exc:
        errors = exc.errors()
        if all(not e["loc"] for e in errors):
            detail = "; ".join(_describe_catalogue_error(str(e["msg"]), raw) for e in errors)
        else:
            detail = _describe(errors, raw)
        raise CatalogueError(f"{source}: {detail}") from None


def load_catalogue(path: Path) -> Catalogue:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogueError(f"{path}: cannot read: {exc}") from None
    return parse_catalogue(raw, str(path))
