"""Award decisions: sign one decision for several nominations, the issuing unit's register, one decision."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response
from sqlalchemy import and_, func
from sqlmodel import col, select

from models.store.decisions import find_decision
from models.tables import Decision
from service.api.deps import ContextDep, SessionDep, UserDep
from service.api.problems import Problem
from service.api.schemas.decisions import DecisionCreate, DecisionOut, DecisionPage
from service.api.signing import decision_id_for, sign_and_record
from service.queries.decisions import decision_out, decision_visible, get_visible_decision, waiting_for_signer

router = APIRouter(prefix="/api/v1/decisions", tags=["decisions"])


@router.post("", response_model=DecisionOut, status_code=201)
async def sign_decision(
    body: DecisionCreate,
    response: Response,
    ctx: ContextDep,
    session: SessionDep,
    user: UserDep,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> DecisionOut:
    """The signer signs ONE decision for all these nominations waiting for their signature."""
    decision_id = decision_id_for(user.id, idempotency_key)
    existing = await find_decision(session, decision_id)
    if existing is not None:
        if existing.signer_user_id != user.id:
            raise Problem(409, "Khoá yêu cầu đã được dùng.", code="idempotency_conflict")
        response.status_code = 200
        return (await decision_out(session, ctx.catalogue, [existing]))[0]
    waiting = await waiting_for_signer(session, user, body.nomination_ids)
    decision, _ = await sign_and_record(ctx, session, user, waiting, decision_id=decision_id)
    response.headers["Location"] = f"/api/v1/decisions/{decision.id}"
    async with ctx.sessions() as own:
        return (await decision_out(own, ctx.catalogue, [decision]))[0]


@router.get("", response_model=DecisionPage)
async def list_decisions(
    ctx: ContextDep,
    session: SessionDep,
    user: UserDep,
    year: Annotated[int | None, Query(ge=1945, le=2200)] = None,
    unit_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> DecisionPage:
    filters = [decision_visible(user)]
    if year is not None:
        filters.append(col(Decision.year) == year)
    if unit_id is not None:
        filters.append(col(Decision.issuing_unit_id) == unit_id)
    where = and_(*filters)
    total = (await session.exec(select(func.count()).select_from(Decision).where(where))).one()
    rows = (
        await session.exec(
            select(Decision)
            .where(where)
            .order_by(col(Decision.year).desc(), col(Decision.issuing_unit_id), col(Decision.number).desc())
            .limit(limit)
            .offset(offset)
        )
    ).all()
    return DecisionPage(items=await decision_out(session, ctx.catalogue, rows, awardees=False), total=total)


@router.get("/{decision_id}", response_model=DecisionOut)
async def get_decision(decision_id: uuid.UUID, ctx: ContextDep, session: SessionDep, user: UserDep) -> DecisionOut:
    decision = await get_visible_decision(session, user, decision_id)
    return (await decision_out(session, ctx.catalogue, [decision]))[0]
