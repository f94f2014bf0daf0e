"""The award catalogue (deploy/award_forms.yaml) into the award_forms table; a changed file updates the row."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Connection
from sqlalchemy.dialects.postgresql import insert

from models.rules.catalogue import load_catalogue
from models.tables import AwardForm


def seed_catalogue(conn: Connection, deploy_dir: Path) -> int:
    catalogue = load_catalogue(deploy_dir / "award_forms.yaml")
    for form in catalogue.award_forms:
        values = {
            "code": form.code,
            "name": form.name,
            "decider_level": ",".join(form.decider.level),
            "definition": form.model_dump(mode="json"),
        }
        # The catalogue file is the source of truth: a changed file updates the row.
        conn.execute(insert(AwardForm).values(**values).on_conflict_do_update(index_elements=["code"], set_=values))
    return len(catalogue.award_forms)
