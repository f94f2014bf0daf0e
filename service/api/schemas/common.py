"""Bodies, field types and limits shared by several resources of API v1.

Every text a client sends is typed `Line` (one line: names, codes, keys) or `Text` (may span lines:
achievements, comments, minutes): both refuse control characters (NUL included) and lone surrogates,
which PostgreSQL cannot store, with 422. Ids of rows are `Id`, years `Year`: strict integers (a
number sent as a string is refused) within the range of their column, PostgreSQL `integer`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field
from pydantic_core import PydanticCustomError

from models.rules.text import has_control_characters

NomineeKind = Literal["individual", "collective", "household", "clan"]
PeriodKind = Literal["annual", "preliminary_review", "final_review"]
Outcome = Literal["approve", "reject", "return"]

MAX_TEXT = 20_000
MAX_NOMINEE_EXTRAS = 20
# PostgreSQL `integer` (int4), the type of every id column.
INT4_MAX = 2_147_483_647
CONTROL_CHARACTER = "control_character"


def _one_line(value: str) -> str:
    if has_control_characters(value):
        raise PydanticCustomError(CONTROL_CHARACTER, "text holds a control character")
    return value


def _multiline(value: str) -> str:
    if has_control_characters(value, multiline=True):
        raise PydanticCustomError(CONTROL_CHARACTER, "text holds a control character")
    return value


# One line of text: no control character at all.
Line = Annotated[str, AfterValidator(_one_line)]
# Text that may span lines: tab, line feed and carriage return allowed, no other control character.
Text = Annotated[str, AfterValidator(_multiline)]
# The id of a row (a unit...): a JSON integer in 1..2147483647.
Id = Annotated[int, Field(strict=True, ge=1, le=INT4_MAX)]
# A year of a period or a report.
Year = Annotated[int, Field(strict=True, ge=2000, le=2100)]
# A number in a free-form figure: NaN and infinities cannot be stored in JSON (jsonb).
Number = Annotated[float, Field(allow_inf_nan=False)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class UnitRef(BaseModel):
    id: int
    code: str
    name: str
    level: str
    kind: str


class UnitOut(UnitRef):
    parent_id: int | None


# An Idempotency-Key is printable ASCII (a header carries no other characters faithfully).
IDEMPOTENCY_KEY_PATTERN = r"^[\x21-\x7e]+$"
