"""Run Alembic migrations from code (used by `thidua migrate`, the dev stack and the tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from models.db.engine import sqlalchemy_url
from models.db.roles import Roles

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(database_url: str, roles: Roles | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", sqlalchemy_url(database_url).replace("%", "%%"))
    # The migrations grant the service role its rights and run as the owner role (see env.py).
    cfg.attributes["roles"] = roles or Roles.from_environment()
    return cfg


def migrate(database_url: str, roles: Roles | None = None) -> None:
    """Upgrade to the newest revision, connected with `database_url`: the owner role, or a superuser
    (who then acts as the owner role, so that the owner owns what the migrations create)."""
    command.upgrade(alembic_config(database_url, roles), "head")
