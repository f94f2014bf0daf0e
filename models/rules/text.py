"""Text normalisation: Vietnamese input arrives in NFC or NFD depending on the keyboard (Unikey, macOS)."""

from __future__ import annotations

import re
import unicodedata
from typing import Any


def nfc(value: str) -> str:
    return unicodedata.normalize("NFC", value)


def nfc_deep(value: Any) -> Any:
    """NFC-normalise every string inside a JSON-like value."""
    if isinstance(value, str):
        return nfc(value)
    if isinstance(value, dict):
        return {nfc_deep(k): nfc_deep(v) for k, v in value.items()}
    if isinstance(value, list):
        return [nfc_deep(v) for v in value]
    return value


def fold(value: str) -> str:
    """Lower-case ASCII form for accent-insensitive search ("Đặng Thị Ánh" -> "dang thi anh")."""
    decomposed = unicodedata.normalize("NFD", value.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


# The Vietnamese letters with marks, and what `fold` makes of each (for PostgreSQL's translate(), so
# that the database orders names as `fold` reads them: "Đặng" among the D, not after Z). The stored
# column tasks.name_key (migration 0023) is computed with exactly these two strings: change them only
# with a migration that computes it again.
MARKED_LETTERS = (
    "àáảãạăằắẳẵặâầấẩẫậèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵđ"
    "ÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬÈÉẺẼẸÊỀẾỂỄỆÌÍỈĨỊÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢÙÚỦŨỤƯỪỨỬỮỰỲÝỶỸỴĐ"
)
UNMARKED_LETTERS = (
    "aaaaaaaaaaaaaaaaaeeeeeeeeeeeiiiiiooooooooooooooooouuuuuuuuuuuyyyyyd"
    "aaaaaaaaaaaaaaaaaeeeeeeeeeeeiiiiiooooooooooooooooouuuuuuuuuuuyyyyyd"
)


def name_key_sql(column: str) -> str:
    """The SQL of a name as lists sort it: marks removed, lower case (see MARKED_LETTERS)."""
    return f"lower(translate({column}, '{MARKED_LETTERS}', '{UNMARKED_LETTERS}'))"


def search_text(nominee_name: str, achievements: str) -> str:
    """What the `q` filter searches: the nominee's name and achievements, folded (see `fold`)."""
    return fold(f"{nominee_name} {achievements}")


# Characters no text of the service may hold: C0 controls (NUL included), DEL, C1 controls, and lone
# surrogates (JSON may escape one, "\ud800"; it is no character and cannot be stored as UTF-8).
# Tab, line feed and carriage return are allowed where text may span several lines.
_CONTROL_ONE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROL_MULTILINE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")


def has_control_characters(value: str, *, multiline: bool = False) -> bool:
    """True when `value` holds a character that no stored text may hold (see above)."""
    return (_CONTROL_MULTILINE if multiline else _CONTROL_ONE_LINE).search(value) is not None
