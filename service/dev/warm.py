"""What a warm start of `make run` may skip: migrations when the database is at the newest revision,
and the seed when the database was seeded from the same deploy/ files by the same code.

Both checks are a query or two over psycopg and reading a few small files, so that a warm start
imports neither Alembic nor the SQLModel tables (seconds of CPU on a busy 2-core machine). When a
check cannot tell, the work is done, as on a cold start: both are idempotent.
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import psycopg
from psycopg import sql

from models.db.roles import libpq_url

ROOT = Path(__file__).resolve().parents[2]
MIGRATION_VERSIONS = ROOT / "models" / "db" / "migrations" / "versions"
# The seed's code: the rules that validate deploy/ files, the stores that write them, the tables.
SEED_CODE = ROOT / "models"
# Kept on the award_forms table (always seeded, owned by the owner role), as `thidua migrate` keeps
# its mark on alembic_version: a database restored from a dump carries it with the rows it describes.
SEED_MARK = "thidua seed "
SEED_MARK_TABLE = "award_forms"

_REVISION = re.compile(r'^revision(?:\s*:\s*str)?\s*=\s*"(\w+)"', re.MULTILINE)
_DOWN_REVISION = re.compile(r'^down_revision(?:\s*:[^=]+)?\s*=\s*(?:None|"(\w+)")', re.MULTILINE)


def head_from_files(versions: Path = MIGRATION_VERSIONS) -> str | None:
    """The newest revision, read from the migration files without importing Alembic; None when a file
    does not say its revision in the usual form or the chain has not exactly one head (Alembic decides then)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in sorted(versions.glob("*.py")):
        source = path.read_text(encoding="utf-8")
        revision, down = _REVISION.search(source), _DOWN_REVISION.search(source)
        if revision is None or down is None:
            return None
        revisions.add(revision.group(1))
        if down.group(1):
            parents.add(down.group(1))
    heads = revisions - parents
    return heads.pop() if len(heads) == 1 and parents <= revisions else None


def database_revision(conn: psycopg.Connection) -> str | None:
    row = conn.execute("SELECT to_regclass('alembic_version') IS NOT NULL").fetchone()
    if not row or not row[0]:
        return None
    found = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    return str(found[0]) if found else None


def migrations_needed(owner_url: str) -> bool:
    head = head_from_files()
    with psycopg.connect(libpq_url(owner_url), autocommit=True) as conn:
        return head is None or database_revision(conn) != head


def seed_fingerprint(deploy_dir: Path, *, demo: bool, code: Path = SEED_CODE) -> str:
    """Changes when any input of the seed changes: a data file of deploy/, the code under models/, the demo
    flag. Every YAML file counts, not only those the seed reads today: a needless re-seed costs a second,
    a missed one leaves stale reference data."""
    digest = hashlib.sha256(f"demo={demo}\n".encode())
    for root, pattern in ((deploy_dir, "*.y*ml"), (code, "*.py")):
        for path in sorted(root.rglob(pattern)):
            digest.update(f"{path.relative_to(root).as_posix()}\n".encode())
            digest.update(hashlib.sha256(path.read_bytes()).digest())
    return digest.hexdigest()


def seeded_fingerprint(owner_url: str) -> str | None:
    with psycopg.connect(libpq_url(owner_url), autocommit=True) as conn:
        row = conn.execute(
            "SELECT obj_description(to_regclass(%s), 'pg_class')", (SEED_MARK_TABLE,)
        ).fetchone()  # fmt: skip
    comment = row[0] if row else None
    if not isinstance(comment, str) or not comment.startswith(SEED_MARK):
        return None
    return comment.removeprefix(SEED_MARK)


def mark_seeded(owner_url: str, fingerprint: str) -> None:
    """After a seed that committed: the next start with the same fingerprint skips it. Needs the table's
    owner (the owner role) or a superuser."""
    with psycopg.connect(libpq_url(owner_url), autocommit=True) as conn:
        # COMMENT takes no bound parameter: the value is quoted as a literal instead.
        conn.execute(
            sql.SQL("COMMENT ON TABLE {} IS {}").format(
                sql.Identifier(SEED_MARK_TABLE), sql.Literal(SEED_MARK + fingerprint)
            )
        )
