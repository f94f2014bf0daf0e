"""The decision's documents: the PDF in the format of Decree 30/2020/NĐ-CP with its Vietnamese text
intact (NFC) and the number, the DOCX, and the PAdES signature: verified, and failed by a one-byte
change."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import unicodedata
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from docx import Document
from docx.oxml.ns import qn

from service.documents.decision import AwardeeLine, DecisionContent, render_docx, render_pdf, render_pdf_with_box
from service.documents.signature import ORGANISATION_FIELD, load_roots, sign_pdf, stamp_font, stamp_time, verify_pdf
from tests.support import paths
from tests.support.documents import docx_text, keep_first_page_png, need_font, nfc, pdf_text
from tests.support.pki import make_pki

TEMPLATE = paths.ROOT / "deploy" / "templates" / "decision.typ"
DOCX_TEMPLATE = paths.ROOT / "deploy" / "templates" / "decision.docx"


def content(awardees: int = 3, *, signed: bool = False) -> DecisionContent:
    return DecisionContent(
        issuer_lines=["ỦY BAN NHÂN DÂN", "XÃ BIỂN HỒ"],
        number_symbol="07/QĐ-UBND",
        date_line="Gia Lai, ngày 05 tháng 12 năm 2026",
        title_line="Về việc tặng Giấy khen của Chủ tịch UBND xã",
        authority="CHỦ TỊCH ỦY BAN NHÂN DÂN XÃ BIỂN HỒ",
        legal_bases=["Luật Thi đua, khen thưởng ngày 15 tháng 6 năm 2022"],
        proposal="Xét đề nghị của Hội đồng Thi đua – Khen thưởng xã Biển Hồ.",
        article1_intro=f"Tặng Giấy khen của Chủ tịch UBND xã cho {awardees:02d} cá nhân có tên sau đây:",
        # Decomposed input (NFD) must come out composed (NFC).
        awardees=[
            AwardeeLine(
                i + 1,
                unicodedata.normalize("NFD", f"Đặng Thị Ánh {i + 1}"),
                "Giáo viên, Trường THCS Nguyễn Du",
                "Hoàn thành xuất sắc nhiệm vụ năm học 2025–2026",
            )
            for i in range(awardees)
        ],
        article2="Kèm theo Giấy khen là tiền thưởng. Tổng cộng: 2.106.000 đồng.",
        article3="Quyết định này có hiệu lực kể từ ngày ký./.",
        recipients=["Như Điều 3;", "Lưu: VT."],
        signer_title_lines=["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"],
        signer_name="Trần Văn Phó",
        digitally_signed=signed,
    )


def test_pdf_carries_the_vietnamese_text_and_the_number(tmp_path: Path) -> None:
    need_font()
    pdf = render_pdf(content(), TEMPLATE)
    text = nfc(pdf_text(pdf, tmp_path))
    for expected in [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "Số: 07/QĐ-UBND",
        "Gia Lai, ngày 05 tháng 12 năm 2026", "QUYẾT ĐỊNH", "Về việc tặng Giấy khen của Chủ tịch UBND xã",
        "Căn cứ Luật Thi đua, khen thưởng ngày 15 tháng 6 năm 2022;", "Đặng Thị Ánh 1", "Đặng Thị Ánh 3",
        "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Trần Văn Phó", "Nơi nhận:", "Bản điện tử chưa ký số",
    ]:  # fmt: skip
        assert expected in text, expected
    # Embedded fonts: the Times-metric serif only (no fallback font), subset into the file.
    fonts = subprocess.run(["pdffonts", "-"], input=pdf, capture_output=True).stdout.decode()
    names = [line.split()[0] for line in fonts.splitlines()[2:]]
    assert names and all("TeXGyreTermes" in n or "LiberationSerif" in n for n in names), names
    png = keep_first_page_png(pdf, "decision-page1")
    assert png.stat().st_size > 5_000


def test_a4_and_margins(tmp_path: Path) -> None:
    need_font()
    pdf = render_pdf(content(), TEMPLATE)
    pdf_text(pdf, tmp_path)  # skips without poppler
    info = subprocess.run(["pdfinfo", "-"], input=pdf, capture_output=True).stdout.decode()
    assert "595.276 x 841.89 pts (A4)" in info
    # The text starts 30 mm from the left edge (85 pt; bounding boxes of page 1's words).
    boxes = subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "1", "-", "-"], input=pdf, capture_output=True)
    xs = [float(part.split('"')[1]) for part in boxes.stdout.decode().split("xMin=")[1:]]
    assert min(xs) >= 85.0 - 0.5


def test_docx_from_the_template_has_the_same_content_and_page_setup() -> None:
    data = render_docx(content(), DOCX_TEMPLATE)
    text = docx_text(data)
    for expected in [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "ỦY BAN NHÂN DÂN", "XÃ BIỂN HỒ",
        "Số: 07/QĐ-UBND", "Gia Lai, ngày 05 tháng 12 năm 2026", "Về việc tặng Giấy khen của Chủ tịch UBND xã",
        "Căn cứ Luật Thi đua, khen thưởng ngày 15 tháng 6 năm 2022;", "Bản điện tử chưa ký số",
        "Điều 1. Tặng Giấy khen", "1. Đặng Thị Ánh 1, Giáo viên, Trường THCS Nguyễn Du; đã có thành tích: "
        "Hoàn thành xuất sắc nhiệm vụ năm học 2025–2026.", "Đặng Thị Ánh 3", "Điều 2. Kèm theo Giấy khen",
        "Nơi nhận:", "- Như Điều 3;", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Trần Văn Phó",
    ]:  # fmt: skip
        assert expected in text, expected
    assert "{{" not in text and "{%" not in text  # every tag rendered, no tag paragraph left
    doc = Document(io.BytesIO(data))
    section = doc.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)  # type: ignore[union-attr]
    assert round(section.top_margin.mm) == 20 and round(section.bottom_margin.mm) == 20  # type: ignore[union-attr]
    assert round(section.left_margin.mm) == 30 and round(section.right_margin.mm) == 15  # type: ignore[union-attr]
    normal = doc.styles["Normal"].font  # type: ignore[attr-defined]
    assert normal.name == "Times New Roman" and normal.size.pt == 14
    # Issuer and motto side by side, in a table without borders.
    head = doc.tables[0]
    assert "Số: 07/QĐ-UBND" in head.cell(0, 0).text and "CỘNG HÒA" in head.cell(0, 1).text
    assert all(b.get(qn("w:val")) == "nil" for b in head._tbl.tblPr.find(qn("w:tblBorders")))
    # The awardee's name is bold; a signed decision carries no "unsigned" mark; markup in a name stays text.
    named = next(p for p in doc.paragraphs if "Đặng Thị Ánh 2" in nfc(p.text))
    assert any(r.bold and "Đặng Thị Ánh 2" in nfc(r.text) for r in named.runs)
    signed = content(signed=True)
    signed.awardees[0].name = "Lê <b>Văn</b> & Co"
    text = docx_text(render_docx(signed, DOCX_TEMPLATE))
    assert "Bản điện tử chưa ký số" not in text and "Lê <b>Văn</b> & Co" in text


def test_a_replaced_docx_template_is_used(tmp_path: Path) -> None:
    """The template is data: a province's own file (made here with python-docx) is what renders."""
    own = Document()
    own.add_paragraph("MẪU QUYẾT ĐỊNH CỦA TỈNH GIA LAI")
    own.add_paragraph("Số {{ number_symbol }} – {{ awardees | length }} người")
    path = tmp_path / "decision.docx"
    own.save(str(path))
    text = docx_text(render_docx(content(), path))
    assert "MẪU QUYẾT ĐỊNH CỦA TỈNH GIA LAI" in text and "Số 07/QĐ-UBND – 3 người" in text
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" not in text


def test_the_committed_docx_template_is_what_the_script_makes(tmp_path: Path) -> None:
    """deploy/templates/decision.docx comes from service/documents/decision_docx_template.py."""
    from service.documents.decision_docx_template import build

    made = tmp_path / "decision.docx"
    build(made)
    assert Document(str(made)).element.xml == Document(str(DOCX_TEMPLATE)).element.xml


def test_signature_verifies_and_a_one_byte_change_fails(tmp_path: Path) -> None:
    need_font()
    pki = make_pki(tmp_path)
    pdf, box = render_pdf_with_box(content(signed=True), TEMPLATE)
    # The stamp goes in the signature space of the template: page 1, right half, below the title.
    assert box is not None and box.page == 0
    x1, y1, x2, y2 = box.box
    assert 300 < x1 < x2 <= 595 - 42 and 0 < y1 < y2 < 842
    signed = sign_pdf(pdf, pki.signer_key, signer_name="Trần Văn Phó", reason="Ký",
                      location="Gia Lai", box=box)  # fmt: skip
    keep_first_page_png(signed, "decision-signed-page1")
    roots = load_roots([pki.ca_pem])
    good = verify_pdf(signed, roots)
    assert good.ok and good.trusted and good.signer and "Nguyễn Văn Chủ Tịch" in good.signer
    assert "Bản điện tử chưa ký số" not in nfc(pdf_text(signed, tmp_path))
    # Without the CA the signature is intact but not trusted.
    assert verify_pdf(signed, []).intact and not verify_pdf(signed, []).trusted
    for where in (len(signed) // 5, len(signed) // 2, len(signed) - 40):
        damaged = bytearray(signed)
        damaged[where] ^= 0x01
        assert not verify_pdf(bytes(damaged), roots).ok, where
    # Something appended after the signature is not covered by it.
    assert not verify_pdf(signed + b"\n% added later\n", roots).ok
    assert not verify_pdf(pdf, roots).signed


def test_verify_command(tmp_path: Path) -> None:
    need_font()
    pki = make_pki(tmp_path)
    signed = sign_pdf(render_pdf(content(signed=True), TEMPLATE), pki.signer_key,
                      signer_name="Trần Văn Phó", reason="Ký", location="Gia Lai")  # fmt: skip
    good = tmp_path / "qd.pdf"
    good.write_bytes(signed)
    bad = tmp_path / "qd-sua.pdf"
    damaged = bytearray(signed)
    damaged[len(damaged) // 3] ^= 0x01
    bad.write_bytes(bytes(damaged))
    cli = [sys.executable, "-m", "service.cli", "decisions", "verify"]
    ok = subprocess.run([*cli, str(good), "--trust", str(pki.ca_pem)], capture_output=True, text=True)
    assert ok.returncode == 0, ok.stderr
    assert '"ok": true' in ok.stdout and "Nguyễn Văn Chủ Tịch" in ok.stdout
    failed = subprocess.run([*cli, str(bad), "--trust", str(pki.ca_pem)], capture_output=True, text=True)
    assert failed.returncode == 1 and '"ok": false' in failed.stdout


@pytest.mark.parametrize("count", [1, 200])
def test_long_decisions_render(count: int) -> None:
    need_font()
    pdf = render_pdf(content(count), TEMPLATE)
    assert pdf.startswith(b"%PDF") and len(pdf) > 10_000


def test_the_organisation_signs_after_the_person(tmp_path: Path) -> None:
    need_font()
    pki = make_pki(tmp_path)
    pdf, box = render_pdf_with_box(content(signed=True), TEMPLATE)
    person = sign_pdf(pdf, pki.signer_key, signer_name="Trần Văn Phó", reason="Ký",
                      location="Gia Lai", box=box)  # fmt: skip
    both = sign_pdf(person, pki.organisation_key, signer_name="UBND xã Biển Hồ", reason="Cơ quan",
                    location="Gia Lai", field=ORGANISATION_FIELD, visible=False)  # fmt: skip
    roots = load_roots([pki.ca_pem])
    v = verify_pdf(both, roots)
    assert v.ok and v.trusted and len(v.signers) == 2
    assert "Nguyễn Văn Chủ Tịch" in v.signers[0] and "UBND xã Biển Hồ" in v.signers[1]
    damaged = bytearray(both)
    damaged[len(damaged) // 4] ^= 0x01
    assert not verify_pdf(bytes(damaged), roots).ok


def test_the_stamp_shows_the_signing_time_in_vietnam(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A Vietnamese document shows Vietnam's time whatever the server's zone (a container runs in UTC)."""
    need_font()
    assert stamp_time(datetime(2026, 12, 5, 7, 3, tzinfo=UTC)) == "05/12/2026 14:03 (GMT+7)"
    assert stamp_time(datetime(2026, 12, 31, 17, 30, tzinfo=UTC)) == "01/01/2027 00:30 (GMT+7)"
    monkeypatch.setenv("TZ", "UTC")
    pki = make_pki(tmp_path)
    pdf, box = render_pdf_with_box(content(signed=True), TEMPLATE)
    signed = sign_pdf(pdf, pki.signer_key, signer_name="Trần Văn Phó", reason="Ký", location="Gia Lai", box=box)
    text = nfc(pdf_text(signed, tmp_path))
    found = re.search(r"Ngày ký: (\d\d/\d\d/\d{4} \d\d:\d\d) \(GMT\+7\)", text) or re.search(
        r"Ngay ky: (\d\d/\d\d/\d{4} \d\d:\d\d) \(GMT\+7\)", text
    )
    signed_at = verify_pdf(signed, load_roots([pki.ca_pem])).signed_at
    assert found is not None and signed_at is not None, text[-500:]
    assert found.group(1) == f"{signed_at.astimezone(ZoneInfo('Asia/Ho_Chi_Minh')):%d/%m/%Y %H:%M}"
    # With TeX Gyre Termes the stamp keeps its diacritics.
    if stamp_font() is not None:
        assert "Đã ký số: Trần Văn Phó" in text and "Ngày ký:" in text
