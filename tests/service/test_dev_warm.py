"""What a warm start of `make run` skips (service/dev/warm.py): the newest revision read from the
migration files agrees with Alembic's, and the seed's fingerprint marks a database seeded from the same
files, and no longer does once a file changes."""

from __future__ import annotations

import shutil
from pathlib import Path

import psycopg
import pytest

from models.db.migrate import head_revision
from models.db.roles import libpq_url
from service.dev import warm
from tests.support import paths


def test_the_head_read_from_the_files_is_alembics() -> None:
    assert warm.head_from_files() == head_revision()


def _migration(folder: Path, name: str, revision: str, down: str | None) -> None:
    down_text = f'"{down}"' if down else "None"
    (folder / f"{name}.py").write_text(
        f'revision: str = "{revision}"\ndown_revision: str | None = {down_text}\n', encoding="utf-8"
    )


def test_a_chain_it_cannot_read_leaves_the_decision_to_alembic(tmp_path: Path) -> None:
    _migration(tmp_path, "0001_a", "0001", None)
    _migration(tmp_path, "0002_b", "0002", "0001")
    assert warm.head_from_files(tmp_path) == "0002"
    _migration(tmp_path, "0003_c", "0003", "0001")  # two heads
    assert warm.head_from_files(tmp_path) is None
    (tmp_path / "0003_c.py").write_text('revision = ("0003",)\n', encoding="utf-8")  # not the usual form
    assert warm.head_from_files(tmp_path) is None


@pytest.mark.own_database
def test_migrations_are_needed_only_below_the_head(owner_database_url: str) -> None:
    assert not warm.migrations_needed(owner_database_url)
    with psycopg.connect(libpq_url(owner_database_url), autocommit=True) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '0014'")
    assert warm.migrations_needed(owner_database_url)


@pytest.mark.own_database
def test_the_seed_mark_follows_the_deploy_files(owner_database_url: str, tmp_path: Path) -> None:
    deploy = tmp_path / "deploy"
    shutil.copytree(paths.ROOT / "deploy", deploy)
    fingerprint = warm.seed_fingerprint(deploy, demo=True)
    assert warm.seeded_fingerprint(owner_database_url) is None  # seeded by the tests' fixture, not marked
    warm.mark_seeded(owner_database_url, fingerprint)
    assert warm.seeded_fingerprint(owner_database_url) == fingerprint

    assert warm.seed_fingerprint(deploy, demo=False) != fingerprint
    plan = sorted((deploy / "plans").glob("*.yaml"))[0]
    plan.write_text(plan.read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8")
    assert warm.seed_fingerprint(deploy, demo=True) != fingerprint
