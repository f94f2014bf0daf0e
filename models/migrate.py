"""Run Alembic migrations and seeding from code (used by `thidua migrate`, the dev stack and the tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine

from models.db import sqlalchemy_url
from models.plans import seed_plans
from models.seed import DEMO_PASSWORD, load_org, seed_catalogue, seed_org

ROOT = Path(__file__).resolve().parent.parent


def alembic_config(database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(ROOT / "models" / "migrations"))
    cfg.set_main_option("sqlalchemy.url", sqlalchemy_url(database_url).replace("%", "%%"))
    return cfg


def migrate(database_url: str) -> None:
    command.upgrade(alembic_config(database_url), "head")


def seed(database_url: str, deploy_dir: Path, *, demo: bool) -> dict[str, int]:
    engine = create_engine(sqlalchemy_url(database_url))
    try:
        with engine.begin() as conn:
            forms = seed_catalogue(conn, deploy_dir)
            units = users = 0
            if demo:
                units, users = seed_org(conn, load_org(deploy_dir / "demo_org.yaml"), DEMO_PASSWORD)
            # Plans are reference data, loaded in every environment; an unchanged file changes nothing.
            seed_plans(conn, deploy_dir)
    finally:
        engine.dispose()
    return {"award_forms": forms, "new_units": units, "new_users": users}
