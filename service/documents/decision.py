"""The award decision as documents: PDF (Typst, from the template deploy/templates/decision.typ) and
DOCX (docxtpl, from the Word template deploy/templates/decision.docx, made by
service/documents/decision_docx_template.py), in the format of Decree 30/2020/NĐ-CP Appendix I.

Why Typst: it is one pip-installable wheel (no system service, no LibreOffice, no headless browser),
it embeds and subsets the TrueType font it is given, lays out A4 pages with exact margins and
justified Vietnamese text, and renders a decision of 200 awardees in well under a second; a
province replaces the template file, not code. WeasyPrint needs Pango and friends from the system;
LibreOffice converting the DOCX takes seconds per document and a large install.

The font is TeX Gyre Termes (Debian fonts-texgyre: a Times clone with full Vietnamese coverage,
embedded as subset CFF), else Liberation Serif 2 (fonts-liberation2, Times-metric); `font_dirs()`
finds them and refuses Liberation 1.x, which lacks most Vietnamese glyphs. Termes comes first: in
Liberation Serif 2.1 bold italic, Typst draws "ơ" from a fallback font (text extraction then reads
"ơơ" in "Nơi nhận").
"""

from __future__ import annotations

import io
import json
import tempfile
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path

FONT_FAMILIES = ["TeX Gyre Termes", "Liberation Serif"]
FONT_FILES = (
    Path("/usr/share/texmf/fonts/opentype/public/tex-gyre/texgyretermes-regular.otf"),
    Path("/usr/share/fonts/opentype/texgyre/texgyretermes-regular.otf"),
    Path("/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf"),
)
UNSIGNED_MARK = "Bản điện tử chưa ký số – in, ký và đóng dấu trước khi ban hành"


class FontMissing(RuntimeError):
    """The Times-metric serif with Vietnamese glyphs is not installed."""


def font_dirs() -> list[Path]:
    found = [f.parent for f in FONT_FILES if f.exists()]
    if not found:
        raise FontMissing(
            "no Times-metric serif with Vietnamese glyphs: apt-get install fonts-texgyre fonts-liberation2 "
            "(make test does when it can)"
        )
    return found


def money(amount: int) -> str:
    """2340000 -> "2.340.000" (Vietnamese thousands separator)."""
    return f"{amount:,}".replace(",", ".")


def coefficient_text(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".").replace(".", ",")


@dataclass
class AwardeeLine:
    position: int
    name: str
    detail: str
    achievements: str


@dataclass
class DecisionContent:
    """Everything the template prints, in Vietnamese (NFC)."""

    issuer_lines: list[str]
    number_symbol: str
    date_line: str
    title_line: str
    authority: str
    legal_bases: list[str]
    proposal: str
    article1_intro: str
    awardees: list[AwardeeLine]
    article2: str
    article3: str
    recipients: list[str]
    signer_title_lines: list[str]
    signer_name: str
    digitally_signed: bool = False
    unsigned_mark: str = UNSIGNED_MARK
    font: list[str] = field(default_factory=lambda: list(FONT_FAMILIES))
    extra: dict[str, str] = field(default_factory=dict)

    def data(self) -> dict[str, object]:
        raw = asdict(self)
        return json.loads(unicodedata.normalize("NFC", json.dumps(raw, ensure_ascii=False)))


A4_HEIGHT_PT = 841.89
# A template marks the bottom of its signature space with `#metadata((here().position(), <height>)) <chu-ky>`.
SIGNATURE_LABEL = "<chu-ky>"


@dataclass(frozen=True)
class SignatureBox:
    """Where the visible signature stamp goes: page index (0-based) and (x1, y1, x2, y2) in PDF points
    from the bottom-left corner."""

    page: int
    box: tuple[int, int, int, int]


def _points(length: str) -> float:
    value = length.strip()
    for unit, factor in (("pt", 1.0), ("mm", 72 / 25.4), ("cm", 72 / 2.54), ("in", 72.0)):
        if value.endswith(unit):
            return float(value.removesuffix(unit)) * factor
    raise ValueError(f"not a length: {length!r}")


def render_pdf_with_box(doc: DecisionContent, template: Path) -> tuple[bytes, SignatureBox | None]:
    """The PDF from the Typst template (fonts embedded) and where its signature space is."""
    import typst

    fonts = [str(d) for d in font_dirs()]
    with tempfile.TemporaryDirectory(prefix="thidua-doc-") as tmp:
        work = Path(tmp)
        (work / "main.typ").write_text(template.read_text(encoding="utf-8"), encoding="utf-8")
        (work / "data.json").write_text(json.dumps(doc.data(), ensure_ascii=False), encoding="utf-8")
        compiler = typst.Compiler(str(work / "main.typ"), root=str(work), font_paths=fonts)
        out = compiler.compile(format="pdf")
        marks = json.loads(compiler.query(SIGNATURE_LABEL))
    assert isinstance(out, bytes)
    box = None
    if marks:
        (position, height) = marks[-1]["value"]
        # The mark sits at the bottom of the signature space (the top of the name line); the space is
        # `height` tall above it. The signature column is half the text width (233 pt).
        x, bottom, tall = _points(position["x"]), A4_HEIGHT_PT - _points(position["y"]), _points(height)
        box = SignatureBox(
            int(position["page"]) - 1, (int(x + 12), int(bottom + 4), int(x + 222), int(bottom + tall - 4))
        )
    return out, box


def render_certificates(doc: DecisionContent, layout: dict[str, object], template: Path) -> bytes:
    """One page per awardee for printing onto pre-printed blanks (fields placed by `layout`)."""
    import typst

    data = {**doc.data(), "layout": layout, "decision_line": doc.extra.get("decision_line", doc.number_symbol)}
    with tempfile.TemporaryDirectory(prefix="thidua-cert-") as tmp:
        work = Path(tmp)
        (work / "main.typ").write_text(template.read_text(encoding="utf-8"), encoding="utf-8")
        (work / "data.json").write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        out = typst.compile(str(work / "main.typ"), root=str(work), font_paths=[str(d) for d in font_dirs()])
    assert isinstance(out, bytes)
    return out


def render_pdf(doc: DecisionContent, template: Path) -> bytes:
    """The PDF from the Typst template, the font embedded."""
    return render_pdf_with_box(doc, template)[0]


def render_docx(doc: DecisionContent, template: Path) -> bytes:
    """An editable DOCX with the same content, from the Word template deploy/templates/decision.docx
    (docxtpl: Jinja tags over the data the Typst template gets). A province replaces the template
    file, not code; the template is rendered in Jinja's sandbox, with the data XML-escaped."""
    from docxtpl import DocxTemplate
    from jinja2.sandbox import SandboxedEnvironment

    tpl = DocxTemplate(str(template))
    tpl.render(doc.data(), jinja_env=SandboxedEnvironment(autoescape=True))
    buf = io.BytesIO()
    tpl.save(buf)
    return buf.getvalue()
