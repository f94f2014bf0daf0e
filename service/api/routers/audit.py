"""The audit trail for administrators, limited to the units in their scope."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import and_, func, or_
from sqlalchemy import select as sa_select
from sqlmodel import col, select

from models.tables import AuditEntry, Nomination
from service.api.deps import SessionDep, UserDep
from service.api.problems import Problem
from service.api.schemas.audit import AuditEntryOut, AuditPage

router = APIRouter(prefix="/api/v1", tags=["audit"])


@router.get("/audit", response_model=AuditPage)
async def audit_trail(
    session: SessionDep,
    user: UserDep,
    nomination_id: uuid.UUID | None = None,
    subject_type: Annotated[str | None, Query(max_length=32)] = None,
    subject_id: Annotated[str | None, Query(max_length=100)] = None,
    action: Annotated[str | None, Query(max_length=32)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> AuditPage:
    units = user.units_for("admin")
    if not units:
        raise Problem(403, "Chỉ quản trị viên mới xem được nhật ký hệ thống.", code="not_admin")
    in_scope = or_(
        col(AuditEntry.unit_id).in_(units),
        col(AuditEntry.nomination_id).in_(
            sa_select(col(Nomination.id)).where(col(Nomination.proposing_unit_id).in_(units))
        ),
    )
    filters = [in_scope]
    if nomination_id is not None:
        filters.append(col(AuditEntry.nomination_id) == nomination_id)
    if subject_type:
        filters.append(col(AuditEntry.subject_type) == subject_type)
    if subject_id:
        filters.append(col(AuditEntry.subject_id) == subject_id)
    if action:
        filters.append(col(AuditEntry.action) == action)
    where = and_(*filters)
    total = (await session.exec(select(func.count()).select_from(AuditEntry).where(where))).one()
    rows = (
        await session.exec(
            select(AuditEntry).where(where).order_by(col(AuditEntry.at).desc()).limit(limit).offset(offset)
        )
    ).all()
    return AuditPage(items=[AuditEntryOut.model_validate(r, from_attributes=True) for r in rows], total=total)
