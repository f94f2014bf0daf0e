"""How deploy/templates/decision.docx was made: the Word template of a decision's DOCX, written with
python-docx, its fields as docxtpl (Jinja) tags over the same data as the Typst template
(`DecisionContent.data()`). Regenerate it with

    python -m service.documents.decision_docx_template deploy/templates/decision.docx

A province may instead open the .docx in Word and change wording, fonts or layout, keeping the tags:
`{{ field }}` prints a field, a paragraph holding only `{%p for … %}` / `{%p endfor %}` (or `{%p if … %}`
/ `{%p endif %}`) repeats (or keeps) the paragraphs between them. Page setup and layout follow
Decree 30/2020/NĐ-CP, Appendix I: A4, margins top/bottom 20 mm, left 30 mm, right 15 mm, Times New
Roman 14 pt, issuer block and national motto side by side in a borderless table, the signature block
beside "Nơi nhận".
"""

from __future__ import annotations

import sys
from pathlib import Path

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt
from docx.table import Table
from docx.text.paragraph import Paragraph

FONT = "Times New Roman"
INDENT = Mm(10)


def _run(paragraph: Paragraph, text: str, *, size: float = 14, bold: bool = False, italic: bool = False) -> None:
    run = paragraph.add_run(text)
    run.font.name = FONT
    run.font.size = Pt(size)
    run.bold = bold
    run.italic = italic


def _para(
    container: object,
    text: str = "",
    *,
    align: WD_ALIGN_PARAGRAPH | None = None,
    indent: bool = False,
    size: float = 14,
    bold: bool = False,
    italic: bool = False,
    tight: bool = False,
) -> Paragraph:
    p: Paragraph = container.add_paragraph()  # type: ignore[attr-defined]
    if align is not None:
        p.alignment = align
    if indent:
        p.paragraph_format.first_line_indent = INDENT
    if tight:
        p.paragraph_format.space_after = Pt(0)
    if text:
        _run(p, text, size=size, bold=bold, italic=italic)
    return p


def _tag(container: object, tag: str) -> None:
    """A paragraph holding only a docxtpl block tag ({%p … %}); docxtpl removes it when rendering."""
    _para(container, tag, tight=True)


def _borderless(table: Table) -> None:
    """No borders on the table or its cells, whatever the document's default table style."""
    properties = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    properties.append(borders)


def _cell(table: Table, column: int, width: Mm) -> object:
    cell = table.rows[0].cells[column]
    cell.width = width
    # A new cell holds one empty paragraph: the first line goes there, not after it.
    cell._tc.remove(cell.paragraphs[0]._p)
    return cell


def build(path: Path) -> None:
    d = Document()
    section = d.sections[0]
    section.page_height, section.page_width = Mm(297), Mm(210)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    normal = d.styles["Normal"]
    normal.font.name = FONT  # type: ignore[attr-defined]
    normal.font.size = Pt(14)  # type: ignore[attr-defined]
    center = WD_ALIGN_PARAGRAPH.CENTER

    # Issuer block (left) and national motto with place and date (right).
    head = d.add_table(rows=1, cols=2)
    head.alignment = WD_TABLE_ALIGNMENT.CENTER
    head.autofit = False
    _borderless(head)
    left, right = _cell(head, 0, Mm(62)), _cell(head, 1, Mm(103))
    _tag(left, "{%p for line in issuer_lines[:-1] %}")
    _para(left, "{{ line }}", align=center, size=12.5, tight=True)
    _tag(left, "{%p endfor %}")
    _para(left, "{{ issuer_lines[-1] }}", align=center, size=12.5, bold=True, tight=True)
    _para(left, "Số: {{ number_symbol }}", align=center, size=13, tight=True)
    _para(right, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", align=center, size=12.5, bold=True, tight=True)
    _para(right, "Độc lập - Tự do - Hạnh phúc", align=center, size=13.5, bold=True, tight=True)
    _para(right, "{{ date_line }}", align=center, size=13.5, italic=True, tight=True)

    _tag(d, "{%p if not digitally_signed %}")
    _para(d, "{{ unsigned_mark }}", align=WD_ALIGN_PARAGRAPH.RIGHT, size=9, italic=True)
    _tag(d, "{%p endif %}")

    _para(d, "QUYẾT ĐỊNH", align=center, bold=True, tight=True)
    _para(d, "{{ title_line }}", align=center, bold=True)
    _para(d, "{{ authority }}", align=center, bold=True)
    _tag(d, "{%p for basis in legal_bases %}")
    _para(d, "Căn cứ {{ basis }};", indent=True, italic=True)
    _tag(d, "{%p endfor %}")
    _tag(d, "{%p if proposal %}")
    _para(d, "{{ proposal }}", indent=True, italic=True)
    _tag(d, "{%p endif %}")
    _para(d, "QUYẾT ĐỊNH:", align=center, bold=True)

    p = _para(d, indent=True)
    _run(p, "Điều 1. ", bold=True)
    _run(p, "{{ article1_intro }}")
    _tag(d, "{%p for a in awardees %}")
    p = _para(d, indent=True)
    _run(p, "{{ a.position }}. ")
    _run(p, "{{ a.name }}", bold=True)
    _run(p, "{% if a.detail %}, {{ a.detail }}{% endif %}; đã có thành tích: {{ a.achievements }}.")
    _tag(d, "{%p endfor %}")
    for label, field in (("Điều 2. ", "article2"), ("Điều 3. ", "article3")):
        p = _para(d, indent=True)
        _run(p, label, bold=True)
        _run(p, "{{ " + field + " }}")

    # Recipients (left) and the signature block (right).
    sign = d.add_table(rows=1, cols=2)
    sign.autofit = False
    _borderless(sign)
    left, right = _cell(sign, 0, Mm(80)), _cell(sign, 1, Mm(85))
    _para(left, "Nơi nhận:", size=12, bold=True, italic=True, tight=True)
    _tag(left, "{%p for r in recipients %}")
    _para(left, "- {{ r }}", size=11, tight=True)
    _tag(left, "{%p endfor %}")
    _tag(right, "{%p for line in signer_title_lines %}")
    _para(right, "{{ line }}", align=center, bold=True, tight=True)
    _tag(right, "{%p endfor %}")
    for _ in range(4):
        _para(right, align=center, tight=True)
    _para(right, "{{ signer_name }}", align=center, bold=True, tight=True)

    # The document's properties carry no author or dates from the machine that made the template.
    core = d.core_properties
    core.author, core.last_modified_by, core.title = "thidua", "thidua", "Quyết định khen thưởng"
    d.save(str(path))


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("deploy/templates/decision.docx")
    build(target)
    print(f"wrote {target}")
