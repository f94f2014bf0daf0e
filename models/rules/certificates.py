"""The layout of certificates (bằng khen, giấy khen) on pre-printed blanks, from
`deploy/templates/certificate.yaml`: the sheet's size and each field's place. Validated on load;
errors name the file and the field."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from models.rules.registers import RegisterError

FIELDS = ("name", "detail", "achievements", "decision", "date_line", "signer_title", "signer_name")


class Sheet(BaseModel):
    model_config = ConfigDict(extra="forbid")
    width: float = Field(gt=50, le=1000)
    height: float = Field(gt=50, le=1000)


class Place(BaseModel):
    model_config = ConfigDict(extra="forbid")
    x: float = Field(ge=0)
    y: float = Field(ge=0)
    width: float = Field(gt=0)
    size: float = Field(gt=4, le=72)
    style: Literal["normal", "bold", "italic", "bold-italic"] = "normal"


class CertificateLayout(BaseModel):
    model_config = ConfigDict(extra="forbid")
    page: Sheet
    fields: dict[str, Place]

    @model_validator(mode="after")
    def _fields_on_the_sheet(self) -> CertificateLayout:
        missing = [f for f in FIELDS if f not in self.fields]
        if missing:
            raise ValueError(f"fields: no place for {missing[0]!r}")
        unknown = sorted(set(self.fields) - set(FIELDS))
        if unknown:
            raise ValueError(f"fields: unknown field {unknown[0]!r}; use {', '.join(FIELDS)}")
        for name, p in self.fields.items():
            if p.x + p.width > self.page.width or p.y > self.page.height:
                raise ValueError(f"fields.{name}: outside the {self.page.width}×{self.page.height} mm sheet")
        return self


def load_certificate_layout(path: Path) -> CertificateLayout:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise RegisterError(f"{path}: cannot read: {exc}") from None
    try:
        return CertificateLayout.model_validate(raw)
    except ValidationError as exc:
        parts = []
        for e in exc.errors():
            message = str(e["msg"]).removeprefix("Value error, ")
            # Errors across fields name their field in the message ("fields.name: outside the sheet").
            parts.append(f"field {'.'.join(str(p) for p in e['loc'])}: {message}" if e["loc"] else message)
        raise RegisterError(f"{path}: {'; '.join(parts)}") from None
