"""Plan rows: deploy/plans/*.yaml into the plan tables (seed) and an amendment's new version."""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, delete, select
from sqlalchemy.dialects.postgresql import insert

from models.rules.plans import PlanDef, load_plan, plan_files
from models.tables.plans import Plan, PlanMilestone

log = logging.getLogger(__name__)


def definition_hash(plan: PlanDef) -> str:
    body = json.dumps(plan.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(body.encode()).hexdigest()


def plan_row(plan: PlanDef, version: int, file_name: str | None) -> dict[str, Any]:
    return {
        "id": plan.id,
        "issuer_code": plan.issuer,
        "scope_code": plan.scope_code,
        "number": plan.number,
        "issued_on": plan.issued_on,
        "title": plan.title,
        "source_file": file_name or plan.source.file,
        "period_start": plan.period.start,
        "period_end": plan.period.end,
        "definition": plan.model_dump(mode="json"),
        "definition_hash": definition_hash(plan),
        "version": version,
        "updated_at": datetime.now(UTC),
    }


def milestone_rows(plan: PlanDef) -> list[dict[str, Any]]:
    return [
        {
            "plan_id": plan.id,
            "key": m.key,
            "period_kind": m.kind,
            "year": m.year,
            "name": m.name,
            "opens_at": m.window.opens_at(),
            "closes_at": m.window.closes_at(),
            "award_forms": list(m.award_forms),
        }
        for m in plan.milestones
    ]


def write_plan(conn: Connection, plan: PlanDef, version: int, file_name: str | None) -> None:
    """Upsert the plan row and replace its milestones (used by the seed and by amendments)."""
    row = plan_row(plan, version, file_name)
    conn.execute(insert(Plan).values(**row).on_conflict_do_update(index_elements=["id"], set_=row))
    conn.execute(delete(PlanMilestone).where(PlanMilestone.plan_id == plan.id))  # type: ignore[arg-type]
    rows = milestone_rows(plan)
    if rows:
        conn.execute(insert(PlanMilestone).values(rows))


def seed_plans(conn: Connection, deploy_dir: Path, award_forms: set[str] | None = None) -> int:
    """Load deploy/plans/*.yaml into the plan tables; a file whose content is unchanged changes nothing."""
    changed = 0
    for path in plan_files(deploy_dir):
        plan = load_plan(path)
        if award_forms is not None:
            unknown = sorted(plan.award_forms() - award_forms)
            if unknown:
                log.warning("%s: award forms not in the catalogue yet: %s", path.name, ", ".join(unknown))
        current = conn.execute(
            select(Plan.definition_hash, Plan.version).where(Plan.id == plan.id)  # type: ignore[arg-type,call-overload]
        ).one_or_none()
        if current is not None and current[0] == definition_hash(plan):
            continue
        write_plan(conn, plan, 1 if current is None else int(current[1]) + 1, path.name)
        changed += 1
    return changed
