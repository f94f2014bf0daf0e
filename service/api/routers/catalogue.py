"""Units and the award catalogue."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlmodel import col, select

from models.tables import Unit
from service.api.deps import ContextDep, SessionDep, UserDep
from service.api.problems import Problem
from service.api.schemas.common import INT4_MAX, UnitOut
from service.api.schemas.nominations import StepOut
from service.queries.org import route_for

router = APIRouter(prefix="/api/v1", tags=["catalogue"])


@router.get("/units", response_model=list[UnitOut])
async def list_units(session: SessionDep, user: UserDep) -> list[Unit]:
    return list((await session.exec(select(Unit).order_by(col(Unit.id)))).all())


@router.get("/award-forms")
async def list_award_forms(ctx: ContextDep, user: UserDep) -> list[dict[str, Any]]:
    return [form.model_dump(mode="json") for form in ctx.catalogue.award_forms]


@router.get("/award-forms/{code}/route", response_model=list[StepOut])
async def award_form_route(
    code: str,
    ctx: ContextDep,
    session: SessionDep,
    user: UserDep,
    unit_id: Annotated[int, Query(ge=1, le=INT4_MAX)],
) -> list[StepOut]:
    form = ctx.catalogue.get(code)
    if form is None:
        raise Problem(404, f"Không có hình thức khen thưởng {code}.", code="award_form_not_found")
    steps = await route_for(session, form, unit_id, ctx.org_trees)
    return [StepOut(index=i, **vars(s)) for i, s in enumerate(steps)]
