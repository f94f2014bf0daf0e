"""A unit's submission letter (tờ trình đề nghị khen thưởng) as documents: PDF (Typst, from the template
deploy/templates/submission_letter.typ) and DOCX (python-docx), in the state document format of
Decree 30/2020/NĐ-CP, Appendix I (a document with a type name): issuer block and national motto side
by side, number and symbol ("Số: 12/TTr-UBND"), place and date, the title "TỜ TRÌNH" with its subject,
the addressee, the body with the list of nominees as a table, "Nơi nhận" and the signature block.

The fonts and the reasons for Typst are those of the decision (service/documents/decision.py).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path

from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm

from service.documents.decision import FONT_FAMILIES, UNSIGNED_MARK
from service.documents.typst_pdf import a4_document, docx_run, nfc_data, render_typst

# The achievements printed in the letter's table: a summary (the full report is the dossier's).
SUMMARY_CHARACTERS = 400


def summary(text: str, limit: int = SUMMARY_CHARACTERS) -> str:
    """The achievements on one line, cut at a word before `limit` characters with an ellipsis."""
    flat = " ".join(text.split()).rstrip(".")
    if len(flat) <= limit:
        return flat
    cut = flat[:limit].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + " …"


@dataclass
class LetterLine:
    position: int
    name: str
    kind: str
    detail: str
    achievements: str


@dataclass
class LetterContent:
    """Everything the template prints, in Vietnamese (NFC)."""

    issuer_lines: list[str]
    number_symbol: str
    date_line: str
    subject_line: str
    addressee: str
    legal_bases: list[str]
    intro: str
    nominees: list[LetterLine]
    closing: str
    recipients: list[str]
    signer_title_lines: list[str]
    signer_name: str = ""
    unsigned_mark: str = UNSIGNED_MARK
    font: list[str] = field(default_factory=lambda: list(FONT_FAMILIES))

    def data(self) -> dict[str, object]:
        return nfc_data(self)


def render_letter_pdf(letter: LetterContent, template: Path) -> bytes:
    """The PDF from the Typst template, its fonts embedded."""
    return render_typst(template, letter.data())


def render_letter_docx(letter: LetterContent) -> bytes:
    """An editable DOCX with the same content and page setup (Times New Roman, as offices use)."""
    d = a4_document()
    head = d.add_table(rows=1, cols=2)
    head.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = head.rows[0].cells
    left.width, right.width = Mm(62), Mm(103)
    p = left.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for i, line in enumerate(letter.issuer_lines):
        docx_run(p, line + "\n", size=12.5, bold=i == len(letter.issuer_lines) - 1)
    docx_run(p, f"Số: {letter.number_symbol}", size=13)
    p = right.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    docx_run(p, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM\n", size=12.5, bold=True)
    docx_run(p, "Độc lập - Tự do - Hạnh phúc\n", size=13.5, bold=True)
    docx_run(p, letter.date_line, size=13.5, italic=True)
    p = d.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    docx_run(p, letter.unsigned_mark, size=9, italic=True)
    for text in ("TỜ TRÌNH", letter.subject_line):
        p = d.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        docx_run(p, text, bold=True)
    p = d.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    docx_run(p, f"Kính gửi: {letter.addressee}.")
    for basis in letter.legal_bases:
        p = d.add_paragraph()
        p.paragraph_format.first_line_indent = Mm(10)
        docx_run(p, f"Căn cứ {basis};", italic=True)
    p = d.add_paragraph()
    p.paragraph_format.first_line_indent = Mm(10)
    docx_run(p, letter.intro)
    table = d.add_table(rows=1, cols=4)
    table.style = "Table Grid"
    for cell, text in zip(
        table.rows[0].cells,
        ("STT", "Họ và tên / Tên tập thể", "Chức vụ, đơn vị công tác", "Tóm tắt thành tích"),
        strict=True,
    ):
        docx_run(cell.paragraphs[0], text, size=12, bold=True)
    for n in letter.nominees:
        cells = table.add_row().cells
        docx_run(cells[0].paragraphs[0], str(n.position), size=12)
        docx_run(cells[1].paragraphs[0], n.name, size=12, bold=True)
        docx_run(cells[1].paragraphs[0], f"\n{n.kind}", size=11, italic=True)
        docx_run(cells[2].paragraphs[0], n.detail, size=12)
        docx_run(cells[3].paragraphs[0], n.achievements, size=12)
    for row in table.rows:
        for cell, width in zip(row.cells, (Mm(12), Mm(45), Mm(45), Mm(63)), strict=True):
            cell.width = width
    p = d.add_paragraph()
    p.paragraph_format.first_line_indent = Mm(10)
    docx_run(p, letter.closing)
    sign = d.add_table(rows=1, cols=2)
    left, right = sign.rows[0].cells
    p = left.paragraphs[0]
    docx_run(p, "Nơi nhận:\n", size=12, bold=True, italic=True)
    for r in letter.recipients:
        docx_run(p, f"- {r}\n", size=11)
    p = right.paragraphs[0]
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for line in letter.signer_title_lines:
        docx_run(p, line + "\n", bold=True)
    docx_run(p, "\n\n\n\n" + letter.signer_name, bold=True)
    buf = io.BytesIO()
    d.save(buf)
    return buf.getvalue()
