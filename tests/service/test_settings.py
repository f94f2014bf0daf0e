"""Settings refuse unsafe production values and say which setting is wrong."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from service.core.settings import Settings


def test_production_refuses_the_default_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("THIDUA_JWT_SECRET", raising=False)
    with pytest.raises(ValidationError, match="THIDUA_JWT_SECRET"):
        Settings(env="prod")
    with pytest.raises(ValidationError, match="THIDUA_JWT_SECRET"):
        Settings(env="prod", jwt_secret="short")
    assert Settings(env="prod", jwt_secret="x" * 40).env == "prod"


def test_environment_names(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("THIDUA_ENV", "dev")
    monkeypatch.setenv("TEMPORAL_ADDRESS", "temporal.example:7233")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@db/thidua")
    monkeypatch.setenv("THIDUA_API_PORT", "9000")
    s = Settings()
    assert s.is_dev and s.temporal_target() == "temporal.example:7233"
    assert s.database_url == "postgresql://u:p@db/thidua" and s.api_port == 9000
    monkeypatch.delenv("TEMPORAL_ADDRESS")
    monkeypatch.setenv("THIDUA_TEMPORAL_PORT", "7999")
    assert Settings().temporal_target() == "127.0.0.1:7999"


def test_signing_keys_one_shape_for_pkcs12_and_pkcs11() -> None:
    s = Settings(
        signing_certificates={
            "GL": {"file": "/run/secrets/gl.p12", "passphrase_file": "/run/secrets/gl-pass"},
            "user:chair.gl": {
                "module": "/usr/lib/softhsm/libsofthsm2.so",
                "token_label": "CHU TICH",
                "key_label": "ky-so",
                "pin": "246810",
            },
        }
    )
    assert s.signing_certificates["GL"].kind == "pkcs12"
    token = s.signing_certificates["user:chair.gl"]
    assert token.kind == "pkcs11" and token.pin is not None and token.pin.get_secret_value() == "246810"
    # The PIN is never printed with the settings.
    assert "246810" not in repr(s) and "246810" not in str(token)


@pytest.mark.parametrize(
    ("entry", "field"),
    [
        ({"file": "/a.p12", "module": "/m.so", "token_label": "T", "key_label": "K", "pin": "1"}, "file"),
        ({"passphrase": "x"}, "file"),
        ({"module": "/m.so", "key_label": "K", "pin": "1"}, "token_label"),
        ({"module": "/m.so", "token_label": "T", "pin": "1"}, "key_label"),
        ({"module": "/m.so", "token_label": "T", "key_label": "K"}, "pin_file"),
        ({"module": "/m.so", "token_label": "T", "key_label": "K", "pin": "1", "pin_file": "/p"}, "pin_file"),
        ({"module": "/m.so", "token_label": "T", "key_label": "K", "pin": "1", "passphrase": "x"}, "passphrase"),
        ({"file": "/a.p12", "pin_file": "/p"}, "pin_file"),
        ({"file": "/a.p12", "passphrase": "x", "passphrase_file": "/p"}, "passphrase_file"),
    ],
)
def test_a_wrong_signing_key_names_the_setting_and_the_field(entry: dict[str, str], field: str) -> None:
    with pytest.raises(ValidationError) as caught:
        Settings(signing_certificates={"GL": entry})
    message = str(caught.value)
    assert f"THIDUA_SIGNING_CERTIFICATES['GL'], field {field}:" in message, message
    for secret in ("1", "x"):
        assert f"'{secret}'" not in message  # no secret echoed back


def test_an_unknown_signing_key_field_is_named() -> None:
    with pytest.raises(ValidationError, match=r"signing_certificates\.GL\.modul"):
        Settings(signing_certificates={"GL": {"modul": "/m.so"}})
