"""The award catalogue, loaded from YAML and validated with messages that name the file, entry and field."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from models.text import nfc_deep

LEVELS = ("central", "province", "district", "commune", "grassroots")
STEP_KINDS = ("council", "appraisal", "sign")
NOMINEE_KINDS = ("individual", "collective", "household", "clan")
PERIOD_KINDS = ("annual", "preliminary_review", "final_review")


class CatalogueError(ValueError):
    """A catalogue file that cannot be loaded; the message names the file, the entry and the field."""


class Decider(BaseModel):
    model_config = ConfigDict(extra="forbid")
    level: Literal["central", "province", "district", "commune"]
    kind: str = "people_committee"


class AwardFormDef(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=r"^[A-Z][A-Z0-9_]{1,63}$")
    name: str = Field(min_length=3)
    decider: Decider
    appraisal: list[str] = Field(default_factory=list)
    working_days: dict[str, int] = Field(default_factory=dict)
    reminder_working_days: int | None = Field(default=None, ge=0, le=30)
    revision_working_days: int | None = Field(default=None, ge=1, le=90)
    nominee_kinds: list[Literal["individual", "collective", "household", "clan"]] = Field(min_length=1)
    periods: list[Literal["annual", "preliminary_review", "final_review"]] = Field(min_length=1)

    @field_validator("working_days")
    @classmethod
    def _known_step_kinds(cls, value: dict[str, int]) -> dict[str, int]:
        for kind, days in value.items():
            if kind not in STEP_KINDS:
                raise ValueError(f"unknown step kind {kind!r}; expected one of {', '.join(STEP_KINDS)}")
            if not 1 <= days <= 120:
                raise ValueError(f"{kind}: {days} working days is outside 1..120")
        return value


class CatalogueDefaults(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reminder_working_days: int = Field(default=2, ge=0, le=30)
    revision_working_days: int = Field(default=10, ge=1, le=90)
    working_days: dict[str, int] = Field(default_factory=lambda: {"council": 10, "appraisal": 25, "sign": 5})


class Catalogue(BaseModel):
    model_config = ConfigDict(extra="forbid")
    defaults: CatalogueDefaults = Field(default_factory=CatalogueDefaults)
    award_forms: list[AwardFormDef] = Field(min_length=1)

    @model_validator(mode="after")
    def _apply_defaults_and_check_unique(self) -> Catalogue:
        seen: set[str] = set()
        for form in self.award_forms:
            if form.code in seen:
                raise ValueError(f"award form {form.code} is defined twice")
            seen.add(form.code)
            form.working_days = {**self.defaults.working_days, **form.working_days}
            if form.reminder_working_days is None:
                form.reminder_working_days = self.defaults.reminder_working_days
            if form.revision_working_days is None:
                form.revision_working_days = self.defaults.revision_working_days
        return self

    def get(self, code: str) -> AwardFormDef | None:
        return next((f for f in self.award_forms if f.code == code), None)


def _describe(errors: list[Any], raw: dict[str, Any]) -> str:
    parts = []
    for err in errors:
        loc = list(err["loc"])
        where = ".".join(str(p) for p in loc)
        if len(loc) >= 2 and loc[0] == "award_forms" and isinstance(loc[1], int):
            forms = raw.get("award_forms") or []
            code = forms[loc[1]].get("code") if loc[1] < len(forms) and isinstance(forms[loc[1]], dict) else None
            field = ".".join(str(p) for p in loc[2:]) or "(entry)"
            where = f"entry {code or '#' + str(loc[1] + 1)}, field {field}"
        parts.append(f"{where}: {err['msg']}")
    return "; ".join(parts)


def parse_catalogue(raw: Any, source: str) -> Catalogue:
    if not isinstance(raw, dict):
        raise CatalogueError(f"{source}: expected a mapping with 'award_forms'")
    try:
        return Catalogue.model_validate(nfc_deep(raw))
    except ValidationError as exc:
        raise CatalogueError(f"{source}: {_describe(exc.errors(), raw)}") from None


def load_catalogue(path: Path) -> Catalogue:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise CatalogueError(f"{path}: cannot read: {exc}") from None
    return parse_catalogue(raw, str(path))
