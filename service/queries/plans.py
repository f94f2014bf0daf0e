"""Who sees which plan and which unit's report: shared by the plans API and the workflow's events."""

from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.rules.org_tree import OrgTree
from models.rules.plans import PlanDef
from models.store.org import load_org_tree
from models.tables.plans import Plan, PlanReport
from service.api.problems import Problem
from service.security.principal import CurrentUser


def plan_definition(plan: Plan) -> PlanDef:
    return PlanDef.model_validate(plan.definition)


def user_units(user: CurrentUser) -> set[int]:
    return {unit for _, unit in user.roles} | ({user.unit.id} if user.unit.id is not None else set())


def administers(plan: PlanDef, user: CurrentUser, index: OrgTree) -> bool:
    """An administrator whose scope covers the plan's issuer or scope unit (not any administrator)."""
    units = [index.by_code[c].id for c in (plan.scope_code, plan.issuer) if c in index.by_code]
    return any(user.has_role("admin", unit) for unit in units)


def sees_all(plan: PlanDef, user: CurrentUser, index: OrgTree) -> bool:
    """The plan's administrators, and the issuer's and the recipients' people see every unit's report."""
    if administers(plan, user, index):
        return True
    codes = {plan.issuer, *(c for r in plan.reports for c in r.recipients)}
    return any(index.by_id[u].code in codes for u in user_units(user) if u in index.by_id)


def visible(plan: PlanDef, user: CurrentUser, index: OrgTree) -> bool:
    if sees_all(plan, user, index):
        return True
    return any(
        plan.scope_code in {a.code for a in index.ancestors_or_self(u)} for u in user_units(user) if u in index.by_id
    )


def sees_report(plan: PlanDef, report: PlanReport, user: CurrentUser, index: OrgTree) -> bool:
    """A unit's report: its own people, and those who see every unit's report (the consolidating ones)."""
    return report.unit_id in user_units(user) or sees_all(plan, user, index)


async def org_index(session: AsyncSession) -> OrgTree:
    conn = await session.connection()
    return await load_org_tree(conn)


async def visible_plan(session: AsyncSession, user: CurrentUser, plan_id: str) -> tuple[Plan, PlanDef, OrgTree]:
    """The plan if the user may see it, else 404 (whether it exists or not)."""
    plan = (await session.exec(select(Plan).where(Plan.id == plan_id))).one_or_none()
    index = await org_index(session)
    if plan is None or not visible(plan_definition(plan), user, index):
        raise Problem(404, "Không tìm thấy kế hoạch.", code="plan_not_found")
    return plan, plan_definition(plan), index


async def get_report(
    session: AsyncSession, user: CurrentUser, plan_id: str, report_id: int, *, for_update: bool = False
) -> tuple[Plan, PlanDef, OrgTree, PlanReport]:
    """A unit's report of a plan the user may see, else 404; `for_update` locks its row."""
    plan, plan_def, index = await visible_plan(session, user, plan_id)
    query = select(PlanReport).where(PlanReport.id == report_id, PlanReport.plan_id == plan.id)
    report = (await session.exec(query.with_for_update() if for_update else query)).one_or_none()
    if report is None or not sees_report(plan_def, report, user, index):
        raise Problem(404, "Không tìm thấy báo cáo.", code="report_not_found")
    return plan, plan_def, index, report
