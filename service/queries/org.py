"""Organisation queries of the API: a nomination's route from the unit tree."""

from __future__ import annotations

from sqlmodel.ext.asyncio.session import AsyncSession

from models.rules.catalogue import AwardFormDef
from models.rules.org_tree import OrgTree
from models.rules.routes import PlannedStep, RouteError, compute_route
from models.store.auth_epoch import read_epoch
from models.store.org import load_org_tree
from service.api.problems import Problem


class OrgTreeCache:
    """The organisation tree (some thousand units for a province, read and built in tens of
    milliseconds), kept by an API process while the authorisation epoch stands: any change to the
    units moves it (migration 0019), whichever process or person made it."""

    def __init__(self) -> None:
        self._epoch: int | None = None
        self._tree: OrgTree | None = None

    async def get(self, session: AsyncSession) -> OrgTree:
        epoch = await read_epoch(session)
        if self._tree is None or self._epoch != epoch:
            self._tree, self._epoch = await load_org_tree(await session.connection()), epoch
        return self._tree


async def route_for(
    session: AsyncSession, form: AwardFormDef, unit_id: int, trees: OrgTreeCache | None = None
) -> list[PlannedStep]:
    tree = await trees.get(session) if trees is not None else await load_org_tree(await session.connection())
    if unit_id not in tree:
        raise Problem(404, f"Không tìm thấy đơn vị có mã số {unit_id}.", code="unit_not_found")
    try:
        return compute_route(form, unit_id, tree)
    except RouteError as exc:
        raise Problem(422, f"Không xác định được quy trình xét duyệt: {exc}.", code="no_route") from None
