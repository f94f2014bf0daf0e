"""`thidua api`: uvicorn serving the factory with the settings' host, port, processes and proxy
headers; a production start without a signing secret is one clear line, not a traceback per process."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from service import cli
from service.core.settings import get_core_settings, get_settings


@pytest.fixture
def fresh_settings() -> Iterator[None]:
    get_core_settings.cache_clear()
    get_settings.cache_clear()
    yield
    get_core_settings.cache_clear()
    get_settings.cache_clear()


def test_api_refuses_production_without_a_secret(
    fresh_settings: None, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("THIDUA_ENV", "prod")
    monkeypatch.delenv("THIDUA_JWT_SECRET", raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@db.invalid/thidua")
    assert cli.main(["api"]) == 2
    assert "THIDUA_JWT_SECRET" in capsys.readouterr().err


def test_api_runs_uvicorn_with_the_settings(fresh_settings: None, monkeypatch: pytest.MonkeyPatch) -> None:
    import uvicorn

    calls: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append((app, kw)))
    monkeypatch.setenv("THIDUA_ENV", "prod")
    monkeypatch.setenv("THIDUA_JWT_SECRET", "s" * 40)
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@db.invalid/thidua")
    monkeypatch.setenv("THIDUA_API_HOST", "0.0.0.0")
    monkeypatch.setenv("THIDUA_API_PORT", "8123")
    monkeypatch.setenv("THIDUA_API_WORKERS", "3")
    monkeypatch.setenv("THIDUA_API_PROXY_HEADERS", "true")
    monkeypatch.setenv("THIDUA_API_FORWARDED_ALLOW_IPS", "10.0.0.5")
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "/tmp/already-set")
    assert cli.main(["api"]) == 0
    app, kw = calls[0]
    assert app == "service.app:create_app" and kw["factory"] is True
    assert (kw["host"], kw["port"], kw["workers"]) == ("0.0.0.0", 8123, 3)
    assert kw["proxy_headers"] is True and kw["forwarded_allow_ips"] == "10.0.0.5"
    assert cli.main(["api", "--port", "9000", "--workers", "1"]) == 0
    assert (calls[1][1]["port"], calls[1][1]["workers"]) == (9000, 1)
