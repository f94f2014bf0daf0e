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
