"""Commands that sign nothing need no signing secret: `thidua plans simulate` (and migrate, db wait) run with
THIDUA_ENV=prod and no THIDUA_JWT_SECRET, as the README types them; the API still refuses to start."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import ValidationError

from service import cli
from service.app import create_app
from service.core.settings import Settings, get_core_settings, get_settings


@pytest.fixture
def production_without_secret(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("THIDUA_ENV", "prod")
    monkeypatch.delenv("THIDUA_JWT_SECRET", raising=False)
    get_core_settings.cache_clear()
    get_settings.cache_clear()
    yield
    get_core_settings.cache_clear()
    get_settings.cache_clear()


def test_plans_simulate_runs_in_production_without_a_jwt_secret(
    production_without_secret: None,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    shared_database_url: str,
) -> None:
    # The simulation database is made on DATABASE_URL's server (and dropped), as in production.
    monkeypatch.setenv("DATABASE_URL", shared_database_url)
    code = cli.main(["plans", "simulate", "st-snv-2024", "--from", "2025-10-01", "--to", "2026-01-01"])
    out = capsys.readouterr()
    assert code == 0, out.err[-2000:]
    assert "THIDUA_JWT_SECRET" not in out.err
    lines = [line for line in out.out.splitlines() if line[:4].isdigit()]
    assert ("2025-11-25 00:00 +0700", "due") in [(line[:22], line[24:36].strip()) for line in lines]


def test_migrate_runs_in_production_without_a_jwt_secret(
    production_without_secret: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import models.db.migrate
    import models.db.roles
    import models.store.seed

    seeded: list[bool] = []
    monkeypatch.setattr(models.db.roles, "inspect", lambda url: models.db.roles.Connected("owner", False, 0))
    monkeypatch.setattr(models.db.migrate, "migrate", lambda url, roles=None: None)
    monkeypatch.setattr(models.store.seed, "seed", lambda url, deploy_dir, *, demo: seeded.append(demo) or {})
    monkeypatch.setattr(models.db.migrate, "mark_migrated", lambda url, roles=None: "head")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@db.invalid/thidua")
    assert cli.main(["migrate"]) == 0 and seeded == [False]


def test_db_wait_runs_in_production_without_a_jwt_secret(
    production_without_secret: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The init container of the workers' pods, which never get the secret."""
    import models.db.migrate

    asked: list[tuple[str, float]] = []
    monkeypatch.setattr(
        models.db.migrate, "wait_for_schema", lambda url, timeout, say: asked.append((url, timeout)) or True
    )
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@db.invalid/thidua")
    assert cli.main(["db", "wait", "--timeout", "7"]) == 0
    assert asked == [("postgresql://u:p@db.invalid/thidua", 7.0)]


def test_the_api_still_refuses_production_without_a_secret(production_without_secret: None, tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="THIDUA_JWT_SECRET"):
        Settings()
    with pytest.raises(ValidationError, match="THIDUA_JWT_SECRET"):
        create_app()
