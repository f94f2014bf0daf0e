"""PAdES signatures of decision PDFs (pyHanko): sign with a key from a PKCS#12 file or on a PKCS#11
token, with a visible stamp, and verify a PDF: intact, signed by whom, trusted, and nothing added
after the signature."""

from __future__ import annotations

import io
import logging
import threading
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from asn1crypto import pem, x509
from pydantic import SecretStr
from pyhanko import stamp
from pyhanko.pdf_utils import text
from pyhanko.pdf_utils.font import opentype
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from models.rules.registers import VIETNAM
from service.core.settings import SigningCertificate
from service.documents.decision import FONT_FILES, SignatureBox

FIELD = "ChuKySo"
# The organisation's signature (Decree 30/2020 Art. 13.7, 17.2), after the person's, without a stamp.
ORGANISATION_FIELD = "ChuKyCoQuan"
# Without a signature space in the template: bottom right of the last page (points; A4 is 595 × 842).
STAMP_BOX = (330, 50, 565, 120)
# The stamp's font: TeX Gyre Termes (CFF, 1000 units per em) has the Vietnamese letters and pyHanko
# lays it out correctly; with a TrueType font of 2048 units per em (Liberation, DejaVu) pyHanko 0.38
# spaces the glyphs out of their boxes, so without Termes the stamp falls back to its built-in font.
TERMES = "texgyretermes-regular.otf"


# Termes is a CFF font without CID registry data; pyHanko warns so at every signature and rightly
# assumes the identity mapping. The one expected message is dropped, any other warning kept.
logging.getLogger("pyhanko.pdf_utils.font.opentype").addFilter(
    lambda record: record.getMessage() != "No ROS metadata. Assuming identity."
)


def stamp_font() -> Path | None:
    return next((f for f in FONT_FILES if f.name == TERMES and f.exists()), None)


# pyHanko writes the signing time into the stamp in the server's local zone (UTC in a container); it
# is handed over in this exact form and shown in Vietnam's time (see VietnamTimeStampStyle).
_HANDOVER_FORMAT = "%Y-%m-%dT%H:%M:%S.%f%z"
# A token is one device: its sessions are opened one at a time in this process.
_TOKEN_LOCKS: dict[str, threading.Lock] = {}
_TOKEN_LOCKS_GUARD = threading.Lock()


class SigningUnavailable(RuntimeError):
    """The configured key cannot sign now: file or secret unreadable, token absent, PIN refused.
    The message names the setting's entry and field, never the secret."""


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


def stamp_text(signer_name: str, location: str, *, vietnamese: bool) -> str:
    """The stamp's lines; %(ts)s is the signing time. Without the Termes font, pyHanko's built-in font
    has no Vietnamese letters: the text is written without diacritics (the signer's identity with
    them is in the certificate the verification reports)."""
    if vietnamese:
        return f"Đã ký số: {signer_name}\nNgày ký: %(ts)s\n{location}"
    return f"Da ky so: {fold_name(signer_name)}\nNgay ky: %(ts)s\n{fold_name(location)}"


def stamp_time(when: datetime) -> str:
    """The signing time as a Vietnamese document shows it: "05/12/2026 14:03 (GMT+7)"."""
    return f"{when.astimezone(VIETNAM):%d/%m/%Y %H:%M} (GMT+7)"


@dataclass(frozen=True)
class VietnamTimeStampStyle(stamp.TextStampStyle):
    """A text stamp whose %(ts)s is the signing time in Asia/Ho_Chi_Minh, whatever the server's zone."""

    timestamp_format: str = _HANDOVER_FORMAT

    def create_stamp(self, writer: Any, box: Any, text_params: dict[str, Any]) -> stamp.TextStamp:
        when = datetime.strptime(text_params["ts"], _HANDOVER_FORMAT)
        return super().create_stamp(writer, box, {**text_params, "ts": stamp_time(when)})


def _secret(entry: str, value: SecretStr | None, file: Path | None, field: str) -> str | None:
    if value is not None:
        return value.get_secret_value()
    if file is None:
        return None
    try:
        return file.read_text(encoding="utf-8").strip("\r\n")
    except OSError as exc:
        raise SigningUnavailable(
            f"THIDUA_SIGNING_CERTIFICATES[{entry!r}], field {field}: cannot read {file} ({exc.strerror})"
        ) from None


def _token_lock(module: str) -> threading.Lock:
    with _TOKEN_LOCKS_GUARD:
        return _TOKEN_LOCKS.setdefault(module, threading.Lock())


@contextmanager
def open_signer(key: SigningCertificate, entry: str = "") -> Iterator[signers.Signer]:
    """The signer of one configured key; `entry` (the setting's key) names it in errors."""
    if key.kind == "pkcs12":
        assert key.file is not None
        passphrase = _secret(entry, key.passphrase, key.passphrase_file, "passphrase_file")
        try:
            signer = signers.SimpleSigner.load_pkcs12(
                pfx_file=str(key.file), passphrase=passphrase.encode() if passphrase is not None else None
            )
        except OSError as exc:
            signer, problem = None, f"cannot read {key.file} ({exc.strerror})"
        else:
            problem = f"cannot read the PKCS#12 file {key.file} (wrong passphrase?)"
        if signer is None:
            raise SigningUnavailable(f"THIDUA_SIGNING_CERTIFICATES[{entry!r}], field file: {problem}")
        yield signer
        return
    # Imported here: python-pkcs11 loads only where a token is configured.
    import pkcs11
    from pyhanko.sign.general import SigningError
    from pyhanko.sign.pkcs11 import PKCS11Signer

    assert key.module is not None
    pin = _secret(entry, key.pin, key.pin_file, "pin_file")
    where = f"THIDUA_SIGNING_CERTIFICATES[{entry!r}]"
    with _token_lock(str(key.module)):
        try:
            library = pkcs11.lib(str(key.module))
        except (pkcs11.PKCS11Error, RuntimeError, OSError) as exc:
            raise SigningUnavailable(f"{where}, field module: cannot load {key.module} ({exc})") from None
        try:
            token = library.get_token(token_label=key.token_label)
            session = token.open(user_pin=pin)
        except (pkcs11.NoSuchToken, pkcs11.MultipleTokensReturned):
            raise SigningUnavailable(
                f"{where}, field token_label: no single token labelled {key.token_label!r}"
            ) from None
        except (pkcs11.PinIncorrect, pkcs11.PinInvalid, pkcs11.PinLenRange, pkcs11.PinExpired, pkcs11.PinLocked) as exc:
            # The PIN itself is in no message.
            field = "pin" if key.pin is not None else "pin_file"
            raise SigningUnavailable(
                f"{where}, field {field}: the token refused the PIN ({type(exc).__name__})"
            ) from None
        except pkcs11.PKCS11Error as exc:
            raise SigningUnavailable(
                f"{where}, field token_label: cannot open token {key.token_label!r} ({type(exc).__name__})"
            ) from None
        try:
            # other_certs_to_pull=None: every certificate on the token (its chain) goes into the signature.
            signer = PKCS11Signer(
                session, cert_label=key.cert_label or key.key_label, key_label=key.key_label, other_certs_to_pull=None
            )
            try:
                algorithm = signer.signing_cert.public_key.algorithm
            except (pkcs11.PKCS11Error, SigningError) as exc:
                raise SigningUnavailable(
                    f"{where}, field {'cert_label' if key.cert_label else 'key_label'}: no certificate or key "
                    f"{key.cert_label or key.key_label!r} on token {key.token_label!r} ({exc})"
                ) from None
            # ECDSA: hash here and let the token sign the digest (CKM_ECDSA), the one EC mechanism every
            # token has; many (SoftHSM2 among them) lack the hash-and-sign ones. RSA keeps hash-and-sign.
            signer.use_raw_mechanism = algorithm == "ec"
            yield signer
        finally:
            session.close()


def sign_pdf(
    pdf: bytes,
    key: SigningCertificate,
    *,
    signer_name: str,
    reason: str,
    location: str,
    box: SignatureBox | None = None,
    field: str = FIELD,
    visible: bool = True,
    entry: str = "",
) -> bytes:
    """Sign with a visible stamp in `box` (the template's signature space), else at the foot of the last page."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    page = box.page if box is not None else int(writer.root["/Pages"]["/Count"]) - 1
    rect = box.box if box is not None else STAMP_BOX
    font = stamp_font()
    style = VietnamTimeStampStyle(
        stamp_text=stamp_text(signer_name, location, vietnamese=font is not None),
        text_box_style=text.TextBoxStyle(font_size=9, font=opentype.GlyphAccumulatorFactory(str(font)))
        if font is not None
        else text.TextBoxStyle(font_size=9),
        border_width=1,
    )
    out = io.BytesIO()
    with open_signer(key, entry) as signer:
        pdf_signer = signers.PdfSigner(
            signers.PdfSignatureMetadata(
                field_name=field, reason=reason, location=location, subfilter=fields.SigSeedSubFilter.PADES
            ),
            signer=signer,
            stamp_style=style,
            new_field_spec=fields.SigFieldSpec(field, on_page=page, box=rect if visible else None),
        )
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
