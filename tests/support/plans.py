"""The seed plans as loaded from deploy/plans/, and a plan of a test's own over units of its own."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from models.rules.calendar import VN_TZ
from models.rules.plans import PlanDef, load_plan, load_plans, plan_files
from models.tables import Unit
from service.dev.plan_simulator import prepare_plan
from tests.support.paths import DEPLOY

PLANS = {p.id: p for p in load_plans(DEPLOY)}
FILES = {load_plan(p).id: p for p in plan_files(DEPLOY)}


def vn(y: int, m: int, d: int, hh: int = 0, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=VN_TZ)


def suffixed(plan_id: str, suffix: str) -> PlanDef:
    """A shipped plan whose unit codes and id carry a suffix, so each test owns its units."""
    plan = PLANS[plan_id]
    codes = {c for _, c in plan.referenced_codes()}

    def walk(value: Any) -> Any:
        if isinstance(value, str) and value in codes:
            return f"{value}-{suffix}"
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        return value

    raw = walk(plan.model_dump(mode="json"))
    raw["id"] = f"{plan.id}-{suffix.lower()}"
    return PlanDef.model_validate(raw)


async def create_units(engine: AsyncEngine, plan: PlanDef, extra_per_selector: int = 2) -> dict[str, int]:
    """Units for every code the plan names, under its scope, and a few more for its selectors."""
    ids: dict[str, int] = {}
    async with AsyncSession(engine) as s:

        async def add(code: str, kind: str, level: str, parent: str | None) -> int:
            if code in ids:
                return ids[code]
            unit = Unit(code=code, name=f"Đơn vị {code}", kind=kind, level=level, parent_id=ids.get(parent or ""))
            s.add(unit)
            await s.flush()
            assert unit.id is not None
            ids[code] = unit.id
            return unit.id

        await add(plan.scope_code, "people_committee", "district", None)
        await add(plan.issuer, "people_committee", "district", plan.scope_code)
        selectors = [r.units for r in plan.reports] + [q.units for q in plan.quotas]
        for sel in selectors:
            kind = (sel.kinds or ["department"])[0]
            level = (sel.levels or ["district"])[0]
            if sel.under:
                await add(sel.under, "people_committee", "district", plan.scope_code)
                for code in sel.exclude:
                    await add(code, kind, level, sel.under)
                for i in range(extra_per_selector):
                    await add(f"{sel.under}-X{i}-{kind.upper()[:4]}", kind, level, sel.under)
            for code in sel.codes:
                await add(code, kind, level, plan.scope_code)
        for _, code in plan.referenced_codes():
            await add(code, "department", "district", plan.scope_code)
        await s.commit()
    return ids


async def setup_plan(engine: AsyncEngine, plan_id: str) -> PlanDef:
    """A suffixed copy of a shipped plan, its units and its rows: reference data, so `engine` is the owner's."""
    plan = suffixed(plan_id, uuid.uuid4().hex[:6].upper())
    await create_units(engine, plan)
    await prepare_plan(engine, plan, FILES[plan_id].name)
    return plan
