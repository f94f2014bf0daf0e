"""PAdES signatures of decision PDFs (pyHanko): sign with a PKCS#12 key and a visible stamp, and
verify a PDF: intact, signed by whom, trusted, and nothing added after the signature."""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from asn1crypto import pem, x509
from pyhanko import stamp
from pyhanko.pdf_utils import text
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from service.documents.decision import SignatureBox

FIELD = "ChuKySo"
# The organisation's signature (Decree 30/2020 Art. 13.7, 17.2), after the person's, without a stamp.
ORGANISATION_FIELD = "ChuKyCoQuan"
# Without a signature space in the template: bottom right of the last page (points; A4 is 595 × 842).
STAMP_BOX = (330, 50, 565, 120)


@dataclass(frozen=True)
class Verification:
    signed: bool
    intact: bool
    valid: bool
    trusted: bool
    covers_whole_file: bool
    signer: str | None = None
    signed_at: datetime | None = None
    problem: str | None = None
    # Every signature in order: the person's first, then the organisation's where configured.
    signers: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.signed and self.intact and self.valid and self.covers_whole_file


def fold_name(value: str) -> str:
    """Vietnamese without diacritics, case kept ("Nguyễn Văn Á" -> "Nguyen Van A")."""
    decomposed = unicodedata.normalize("NFD", value.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in decomposed if not unicodedata.combining(c) and ord(c) < 128)


def sign_pdf(
    pdf: bytes,
    pkcs12: Path,
    passphrase: str | None,
    *,
    signer_name: str,
    reason: str,
    location: str,
    box: SignatureBox | None = None,
    field: str = FIELD,
    visible: bool = True,
) -> bytes:
    """Sign with a visible stamp in `box` (the template's signature space), else at the foot of the last page."""
    signer = signers.SimpleSigner.load_pkcs12(
        pfx_file=str(pkcs12), passphrase=passphrase.encode() if passphrase is not None else None
    )
    if signer is None:
        raise ValueError(f"{pkcs12}: cannot read the PKCS#12 file (wrong passphrase?)")
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    page = box.page if box is not None else int(writer.root["/Pages"]["/Count"]) - 1
    rect = box.box if box is not None else STAMP_BOX
    # The stamp is written in pyHanko's built-in font, without diacritics: with a TrueType font of
    # 2048 units per em (Liberation, DejaVu) pyHanko 0.38 spaces the glyphs out of their boxes. The
    # signer's identity with its diacritics is in the certificate the verification reports.
    style = stamp.TextStampStyle(
        stamp_text=f"Da ky so: {fold_name(signer_name)}\nThoi gian: %(ts)s\n{fold_name(location)}",
        text_box_style=text.TextBoxStyle(font_size=9),
        border_width=1,
    )
    pdf_signer = signers.PdfSigner(
        signers.PdfSignatureMetadata(
            field_name=field, reason=reason, location=location, subfilter=fields.SigSeedSubFilter.PADES
        ),
        signer=signer,
        stamp_style=style,
        new_field_spec=fields.SigFieldSpec(field, on_page=page, box=rect if visible else None),
    )
    out = io.BytesIO()
    pdf_signer.sign_pdf(writer, output=out)
    return out.getvalue()


def load_roots(paths: list[Path]) -> list[x509.Certificate]:
    roots = []
    for p in paths:
        data = p.read_bytes()
        if pem.detect(data):
            for _, _, der in pem.unarmor(data, multiple=True):
                roots.append(x509.Certificate.load(der))
        else:
            roots.append(x509.Certificate.load(data))
    return roots


def verify_pdf(pdf: bytes, trust_roots: list[x509.Certificate] | None = None) -> Verification:
    """Whether the PDF carries a signature, is unchanged since it was signed, and whose it is."""
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        signatures = reader.embedded_signatures
    except Exception as exc:  # a damaged file is a failed verification, not a server error
        return Verification(False, False, False, False, False, problem=f"không đọc được tệp PDF: {exc}")
    if not signatures:
        return Verification(False, False, False, False, False, problem="tệp không có chữ ký số")
    context = ValidationContext(trust_roots=trust_roots or [], allow_fetching=False)
    statuses = []
    for sig in signatures:
        try:
            statuses.append(validate_pdf_signature(sig, context))
        except Exception as exc:
            return Verification(True, False, False, False, False, problem=f"chữ ký không kiểm tra được: {exc}")
    last = statuses[-1]
    # An earlier signature is followed by the later ones: what was added after it must be only more
    # signatures (pyHanko's modification analysis), and the last one must cover the whole file.
    later_ok = all(s.coverage == SignatureCoverageLevel.ENTIRE_FILE or s.docmdp_ok for s in statuses[:-1])
    names = tuple(s.signing_cert.subject.human_friendly for s in statuses if s.signing_cert is not None)
    return Verification(
        signed=True,
        intact=all(bool(s.intact) for s in statuses) and later_ok,
        valid=all(bool(s.valid) for s in statuses),
        trusted=all(bool(s.trusted) for s in statuses),
        covers_whole_file=last.coverage == SignatureCoverageLevel.ENTIRE_FILE,
        signer=names[0] if names else None,
        signed_at=statuses[0].signer_reported_dt,
        signers=names,
    )
