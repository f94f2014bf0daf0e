"""The submission letter (tờ trình) with which the head of a unit forwards nominations upward, at a
route step of kind `submit`: PDF (Typst, from deploy/templates/forward_letter.typ), in the format of
Decree 30/2020/NĐ-CP like the decision (same fonts and page setup).

Generated on request and not stored: it is the draft the head signs on paper (or in the office's own
signing system), so it is marked as such, and its number is left blank for the unit's register of
outgoing letters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from service.documents.decision import FONT_FAMILIES
from service.documents.typst_pdf import nfc_data, render_typst

DRAFT_MARK = "Dự thảo – in, ký và đóng dấu trước khi gửi"


@dataclass
class ForwardRow:
    position: int
    name: str
    # Position and proposing unit ("Giáo viên, Trường THCS Nguyễn Du").
    detail: str
    achievements: str


@dataclass
class ForwardLetterContent:
    """Everything the template prints, in Vietnamese (NFC)."""

    issuer_lines: list[str]
    number_symbol: str
    date_line: str
    title_line: str
    # "Kính gửi: …" and, where an appraisal lies between, "(qua …)".
    addressee: str
    via: str
    legal_bases: list[str]
    proposal: str
    request: str
    rows: list[ForwardRow]
    closing: str
    recipients: list[str]
    signer_title_lines: list[str]
    signer_name: str
    draft_mark: str = DRAFT_MARK
    font: list[str] = field(default_factory=lambda: list(FONT_FAMILIES))

    def data(self) -> dict[str, object]:
        return nfc_data(self)


def render_pdf(doc: ForwardLetterContent, template: Path) -> bytes:
    """The PDF from the Typst template (the fonts of the decision embedded); the template gets data.json."""
    return render_typst(template, doc.data())
