"""Start every plan's workflow (or bring a running one up to the stored version).

Used by `thidua plans start`, in production and by the dev stack once it is ready. The plans come
from the `plans` table (seeded from deploy/plans/); a plan whose units are not in the organisation
is reported and not started.
"""

from __future__ import annotations

import asyncio
import logging

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col
from temporalio.client import Client

from models.db.engine import make_engine
from models.rules.org_tree import UnknownUnitError
from models.rules.plans import PlanDef, PlanFileError, check_units
from models.store.org import load_org_tree
from models.tables import Plan
from service.core.settings import CoreSettings
from service.temporal.gateway import PlanRef, TemporalGateway, connect
from workflows.contracts import Actor
from workflows.plan_contracts import PlanAmendment, PlanInput

log = logging.getLogger(__name__)
SYSTEM = Actor(user_id=0, name="Hệ thống", grants=None)


async def ensure_plan_workflows(gateway: TemporalGateway, engine: AsyncEngine) -> dict[str, str]:
    """Start each plan's workflow unless it runs; bring a running one up to the database's version."""
    async with engine.connect() as conn:
        plans = (await conn.execute(select(Plan).order_by(col(Plan.id)))).all()
        index = await load_org_tree(conn)
    outcome: dict[str, str] = {}
    for stored in plans:  # rows of the plans table
        plan = PlanDef.model_validate(stored.definition)
        version = int(stored.version)
        try:
            check_units(plan, index, plan.id)
        except (PlanFileError, UnknownUnitError) as exc:
            log.error("plan %s not started: %s", plan.id, exc)
            outcome[plan.id] = f"not started: {exc}"
            continue
        definition = plan.model_dump(mode="json")
        outcome[plan.id] = await gateway.ensure_plan(
            PlanRef(plan.id),
            PlanInput(plan_id=plan.id, definition=definition, version=version),
            reload=PlanAmendment(definition=definition, version=version, actor=SYSTEM),
        )
    return outcome


async def _ensure(client: Client, settings: CoreSettings, database_url: str) -> dict[str, str]:
    engine = make_engine(database_url, pool_size=2)
    try:
        return await ensure_plan_workflows(TemporalGateway.from_settings(client, settings), engine)
    finally:
        await engine.dispose()


def start_plans_command(settings: CoreSettings) -> int:
    """`thidua plans start`: prints one line per plan; non-zero when a plan could not start."""

    async def run() -> dict[str, str]:
        assert settings.database_url  # checked by the command
        return await _ensure(await connect(settings), settings, settings.database_url)

    outcome = asyncio.run(run())
    for plan_id, state in outcome.items():
        print(f"{plan_id}: {state}")
    return 0 if all(not s.startswith("not started") for s in outcome.values()) else 1
