"""Organisation queries of the API: a nomination's route from the unit tree."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from models.rules.catalogue import AwardFormDef
from models.rules.routes import PlannedStep, RouteError, compute_route
from models.store.org import load_org_tree
from service.api.problems import Problem


async def route_for(session: AsyncSession, form: AwardFormDef, unit_id: int) -> list[PlannedStep]:
    tree = await load_org_tree(session)
    if unit_id not in tree:
        raise Problem(404, f"Không tìm thấy đơn vị có mã số {unit_id}.", code="unit_not_found")
    try:
        return compute_route(form, unit_id, tree)
    except RouteError as exc:
        raise Problem(422, f"Không xác định được quy trình xét duyệt: {exc}.", code="no_route") from None
