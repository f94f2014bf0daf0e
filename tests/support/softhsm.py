"""A software PKCS#11 token for signature tests: SoftHSM2 (Debian package softhsm2, which `make test`
installs when it can) with its token directory in the test's temporary directory, holding the key and
certificate of the throwaway authority's signer (tests/support/pki.py). Skipped with a printed reason
when SoftHSM2 is missing.

SoftHSM2 reads SOFTHSM2_CONF once, when the module is first loaded into the process: one token
directory serves a whole test module (a module-scoped fixture), set before anything loads the module.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, pkcs12

from tests.support.pki import TestPki

MODULE = Path("/usr/lib/softhsm/libsofthsm2.so")
TOKEN_LABEL = "CHU TICH XA"
KEY_LABEL = "ky-so-chu-tich"
PIN = "246810"
SO_PIN = "13579135"


@dataclass(frozen=True)
class SoftToken:
    module: Path
    token_label: str
    key_label: str
    pin_file: Path

    def setting(self) -> dict[str, str]:
        """The entry of THIDUA_SIGNING_CERTIFICATES for this token (the PIN in a secret file)."""
        return {
            "module": str(self.module),
            "token_label": self.token_label,
            "key_label": self.key_label,
            "pin_file": str(self.pin_file),
        }


def need_softhsm() -> None:
    if not MODULE.exists() or shutil.which("softhsm2-util") is None:
        pytest.skip(f"SoftHSM2 not installed ({MODULE}, softhsm2-util): apt-get install softhsm2")
    try:
        import pkcs11  # noqa: F401
    except ImportError:
        pytest.skip("python-pkcs11 not installed (pip install -e .)")


def make_token(directory: Path, pki: TestPki) -> SoftToken:
    """A token in `directory` holding the PKI's signer key (imported, not generated) and certificate."""
    need_softhsm()
    tokens = directory / "tokens"
    tokens.mkdir(parents=True)
    conf = directory / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n")
    os.environ["SOFTHSM2_CONF"] = str(conf)
    util = ["softhsm2-util"]
    subprocess.run(
        [*util, "--init-token", "--free", "--label", TOKEN_LABEL, "--pin", PIN, "--so-pin", SO_PIN],
        check=True,
        capture_output=True,
    )
    key, cert, _ = pkcs12.load_key_and_certificates(pki.signer_p12.read_bytes(), pki.passphrase.encode())
    assert key is not None and cert is not None
    key_file = directory / "signer-key.pem"
    key_file.write_bytes(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    subprocess.run(
        [*util, "--import", str(key_file), "--token", TOKEN_LABEL, "--label", KEY_LABEL, "--id", "01", "--pin", PIN],
        check=True,
        capture_output=True,
    )
    key_file.unlink()  # the key lives on the token only
    import pkcs11
    from pkcs11 import Attribute, CertificateType, ObjectClass

    token = pkcs11.lib(str(MODULE)).get_token(token_label=TOKEN_LABEL)
    with token.open(rw=True, user_pin=PIN) as session:
        session.create_object(
            {
                Attribute.CLASS: ObjectClass.CERTIFICATE,
                Attribute.CERTIFICATE_TYPE: CertificateType.X_509,
                Attribute.TOKEN: True,
                Attribute.LABEL: KEY_LABEL,
                Attribute.ID: b"\x01",
                Attribute.SUBJECT: cert.subject.public_bytes(),
                Attribute.VALUE: cert.public_bytes(Encoding.DER),
            }
        )
    pin_file = directory / "pin"
    pin_file.write_text(PIN + "\n")
    pin_file.chmod(0o600)
    return SoftToken(module=MODULE, token_label=TOKEN_LABEL, key_label=KEY_LABEL, pin_file=pin_file)
