"""Seed the data files of deploy/ into the database: catalogue and plans always, the demo organisation in dev."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine

from models.db.engine import sqlalchemy_url
from models.store.catalogue import seed_catalogue
from models.store.org import DEMO_PASSWORD, load_org, seed_org
from models.store.plans import seed_plans


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
