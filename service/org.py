"""Organisation queries shared by the API: the unit tree and a nomination's route."""

from __future__ import annotations

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.catalogue import AwardFormDef
from models.routes import OrgUnit, PlannedStep, RouteError, build_tree, compute_route
from models.tables import Unit
from service.problems import Problem


async def load_tree(session: AsyncSession) -> dict[int, OrgUnit]:
    units = (await session.exec(select(Unit))).all()
    return build_tree(
        [
            OrgUnit(id=u.id, code=u.code, name=u.name, kind=u.kind, level=u.level, parent_id=u.parent_id)
            for u in units
            if u.id
        ]
    )


async def route_for(session: AsyncSession, form: AwardFormDef, unit_id: int) -> list[PlannedStep]:
    tree = await load_tree(session)
    if unit_id not in tree:
        raise Problem(404, f"Không tìm thấy đơn vị có mã số {unit_id}.", code="unit_not_found")
    try:
        return compute_route(form, unit_id, tree)
    except RouteError as exc:
        raise Problem(422, f"Không xác định được quy trình xét duyệt: {exc}.", code="no_route") from None
