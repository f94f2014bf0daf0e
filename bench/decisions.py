"""Seconds to generate and sign one award decision of 1 and of 200 awardees.

    .venv/bin/python bench/decisions.py [--runs 5]

Per size: the PDF from the Typst template (deploy/templates/decision.typ), its PAdES signature with
a throwaway PKCS#12 (made here with `cryptography`), the DOCX, and the verification; best and median
of the runs. Prints one JSON line. Needs fonts-texgyre or fonts-liberation2 (make test installs them).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from service.documents.decision import AwardeeLine, DecisionContent, render_docx, render_pdf_with_box  # noqa: E402
from service.documents.signature import load_roots, sign_pdf, verify_pdf  # noqa: E402
from tests.support.pki import make_pki  # noqa: E402

TEMPLATE = ROOT / "deploy" / "templates" / "decision.typ"
DOCX_TEMPLATE = ROOT / "deploy" / "templates" / "decision.docx"


def content(n: int) -> DecisionContent:
    return DecisionContent(
        issuer_lines=["ỦY BAN NHÂN DÂN", "TỈNH GIA LAI"],
        number_symbol="125/QĐ-UBND",
        date_line="Gia Lai, ngày 05 tháng 12 năm 2026",
        title_line="Về việc tặng Bằng khen của Chủ tịch UBND tỉnh",
        authority="CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH GIA LAI",
        legal_bases=[
            "Luật Tổ chức chính quyền địa phương số 72/2025/QH15",
            "Luật Thi đua, khen thưởng ngày 15 tháng 6 năm 2022",
        ],
        proposal="Xét đề nghị của Hội đồng Thi đua – Khen thưởng tỉnh Gia Lai.",
        article1_intro=f"Tặng Bằng khen của Chủ tịch UBND tỉnh cho {n:02d} cá nhân có tên sau đây:",
        awardees=[
            AwardeeLine(
                i + 1,
                f"Nguyễn Thị Hồng Nhung {i + 1}",
                "Giáo viên, Trường THCS Nguyễn Du, xã Biển Hồ",
                "Có thành tích xuất sắc trong phong trào xây dựng xã hội học tập năm 2026",
            )
            for i in range(n)
        ],
        article2=f"Kèm theo Bằng khen là tiền thưởng. Tổng cộng: {n * 2_340_000:,} đồng.".replace(",", "."),
        article3="Quyết định này có hiệu lực kể từ ngày ký./.",
        recipients=["Như Điều 3;", "Lưu: VT, NC."],
        signer_title_lines=["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH"],
        signer_name="Trần Văn Phó",
        digitally_signed=True,
    )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        pki = make_pki(Path(tmp))
        roots = load_roots([pki.ca_pem])
        result: dict[str, object] = {"pdf_path": "typst", "runs": args.runs}
        for n in (1, 200):
            totals, pdf_s, sign_s, docx_s = [], [], [], []
            size = 0
            for _ in range(args.runs):
                c = content(n)
                t0 = time.perf_counter()
                pdf, box = render_pdf_with_box(c, TEMPLATE)
                t1 = time.perf_counter()
                signed = sign_pdf(pdf, pki.signer_key, signer_name=c.signer_name,
                                  reason="Ký quyết định", location="Gia Lai", box=box)  # fmt: skip
                t2 = time.perf_counter()
                render_docx(c, DOCX_TEMPLATE)
                t3 = time.perf_counter()
                assert verify_pdf(signed, roots).ok
                totals.append(t3 - t0)
                pdf_s.append(t1 - t0)
                sign_s.append(t2 - t1)
                docx_s.append(t3 - t2)
                size = len(signed)
            result[f"awardees_{n}"] = {
                "seconds_total_median": round(statistics.median(totals), 3),
                "seconds_total_best": round(min(totals), 3),
                "seconds_pdf": round(statistics.median(pdf_s), 3),
                "seconds_sign": round(statistics.median(sign_s), 3),
                "seconds_docx": round(statistics.median(docx_s), 3),
                "bytes": size,
            }
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
