"""A throwaway certificate authority for signature tests: a CA and a signer's PKCS#12, made with
`cryptography` in the test's temporary directory."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from service.core.settings import SigningCertificate


@dataclass(frozen=True)
class TestPki:
    ca_pem: Path
    signer_p12: Path
    passphrase: str
    # The organisation's certificate (the unit's own), from the same authority.
    organisation_p12: Path

    @property
    def signer_key(self) -> SigningCertificate:
        return SigningCertificate(file=self.signer_p12, passphrase=self.passphrase)  # type: ignore[arg-type]

    @property
    def organisation_key(self) -> SigningCertificate:
        return SigningCertificate(file=self.organisation_p12, passphrase=self.passphrase)  # type: ignore[arg-type]


def _name(common: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "UBND xã Biển Hồ (thử nghiệm)"),
            x509.NameAttribute(NameOID.COMMON_NAME, common),
        ]
    )


def make_pki(directory: Path, signer: str = "Nguyễn Văn Chủ Tịch") -> TestPki:
    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("CA thử nghiệm thidua")
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, False, False, False, False, True, True, False, False), critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    passphrase = "mat-khau-thu"

    def issue(common: str, path: Path) -> Path:
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name(common))
            .issuer_name(ca_name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - timedelta(days=1))
            .not_valid_after(now + timedelta(days=3650))
            .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
            .sign(ca_key, hashes.SHA256())
        )
        path.write_bytes(
            pkcs12.serialize_key_and_certificates(
                b"signer", key, cert, [ca], serialization.BestAvailableEncryption(passphrase.encode())
            )
        )
        return path

    ca_pem = directory / "ca.pem"
    ca_pem.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    signer_p12 = issue(signer, directory / "signer.p12")
    organisation_p12 = issue("UBND xã Biển Hồ", directory / "organisation.p12")
    return TestPki(ca_pem=ca_pem, signer_p12=signer_p12, passphrase=passphrase, organisation_p12=organisation_p12)
