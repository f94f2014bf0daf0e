"""What every generated document shares: its content as NFC JSON, a PDF compiled from a Typst
template that receives that JSON as data.json (the Vietnamese serif embedded), and a DOCX run in
Times New Roman. Decisions, submission and forwarding letters and council minutes use it."""

from __future__ import annotations

import json
import tempfile
import unicodedata
from dataclasses import asdict
from pathlib import Path
from typing import Any

from docx import Document
from docx.shared import Mm, Pt

from service.documents.decision import font_dirs


def nfc_data(content: Any) -> dict[str, object]:
    """A document dataclass as JSON data, every string in NFC (what the template prints)."""
    raw = asdict(content)
    data: dict[str, object] = json.loads(unicodedata.normalize("NFC", json.dumps(raw, ensure_ascii=False)))
    return data


def render_typst(template: Path, data: dict[str, object]) -> bytes:
    """The PDF of `template` given `data` as data.json, compiled in a scratch folder."""
    import typst

    with tempfile.TemporaryDirectory(prefix="thidua-doc-") as tmp:
        work = Path(tmp)
        (work / "main.typ").write_text(template.read_text(encoding="utf-8"), encoding="utf-8")
        (work / "data.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        out = typst.compile(str(work / "main.typ"), root=str(work), font_paths=[str(d) for d in font_dirs()])
    assert isinstance(out, bytes)
    return out


def docx_run(paragraph: object, text: str, *, size: float = 14, bold: bool = False, italic: bool = False) -> None:
    """A run of text in Times New Roman, as offices set their documents."""
    run = paragraph.add_run(text)  # type: ignore[attr-defined]
    run.font.name = "Times New Roman"
    run.font.size = Pt(size)
    run.bold = bold
    run.italic = italic


def a4_document() -> Any:
    """An empty DOCX in the page set-up of Decree 30/2020 Appendix I: A4, margins top and bottom 20 mm,
    left 30 mm, right 15 mm, Times New Roman 14 pt."""
    d = Document()
    section = d.sections[0]
    section.page_height, section.page_width = Mm(297), Mm(210)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    style = d.styles["Normal"]
    style.font.name = "Times New Roman"  # type: ignore[attr-defined]
    style.font.size = Pt(14)  # type: ignore[attr-defined]
    return d
