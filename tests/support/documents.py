"""Reading generated documents in tests: poppler's pdftotext and pdftoppm, skipped with a printed
reason when poppler-utils is missing (make test installs it with apt when it can)."""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
import unicodedata
from pathlib import Path

import pytest

ARTEFACTS = Path(tempfile.gettempdir()) / "thidua-artefacts"


def need_poppler() -> None:
    if not shutil.which("pdftotext") or not shutil.which("pdftoppm"):
        pytest.skip("poppler-utils (pdftotext, pdftoppm) not installed: apt-get install poppler-utils")


def need_font() -> None:
    from service.documents.decision import FontMissing, font_dirs

    try:
        font_dirs()
    except FontMissing as exc:
        pytest.skip(str(exc))


def pdf_text(pdf: bytes, tmp: Path) -> str:
    need_poppler()
    path = tmp / "doc.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", "-layout", "-enc", "UTF-8", str(path), "-"], capture_output=True, check=True)
    return out.stdout.decode("utf-8")


def keep_first_page_png(pdf: bytes, name: str) -> Path:
    """Page 1 rendered to PNG, kept in the temp directory as a test artefact; returns its path."""
    need_poppler()
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    source = ARTEFACTS / f"{name}.pdf"
    source.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile", str(source), str(ARTEFACTS / name)],
        check=True,
    )
    png = ARTEFACTS / f"{name}.png"
    print(f"artefact: {png}")
    return png


def nfc(value: str) -> str:
    return unicodedata.normalize("NFC", value)


def docx_text(data: bytes) -> str:
    """A DOCX's text as python-docx reads it back: body paragraphs, then table cells (NFC)."""
    from docx import Document

    doc = Document(io.BytesIO(data))
    cells = [c.text for t in doc.tables for row in t.rows for c in row.cells]
    return nfc("\n".join([p.text for p in doc.paragraphs] + cells))
