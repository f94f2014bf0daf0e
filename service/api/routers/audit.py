"""The audit trail for administrators, limited to the units in their scope."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date, datetime, time, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response
from sqlalchemy import and_, func, or_
from sqlalchemy import select as sa_select
from sqlmodel import col, select

from models.rules.calendar import VN_TZ
from models.tables import AuditEntry, Nomination
from service.api.deps import SessionDep, UserDep
from service.api.problems import Problem
from service.api.schemas.audit import AuditEntryOut, AuditPage
from service.api.schemas.common import INT4_MAX
from service.queries.audit_export import XLSX, audit_workbook

# An export holds at most this many rows (newest first); narrow the filters for more.
EXPORT_LIMIT = 20_000

router = APIRouter(prefix="/api/v1", tags=["audit"])


@router.get(
    "/audit",
    response_model=AuditPage,
    responses={200: {"content": {XLSX: {}}, "description": "Nhật ký; ?format=xlsx: tệp Excel"}},
)
async def audit_trail(
    session: SessionDep,
    user: UserDep,
    nomination_id: uuid.UUID | None = None,
    subject_type: Annotated[str | None, Query(max_length=32)] = None,
    subject_id: Annotated[str | None, Query(max_length=100)] = None,
    action: Annotated[str | None, Query(max_length=32)] = None,
    unit_id: Annotated[int | None, Query(ge=1, le=INT4_MAX)] = None,
    actor: Annotated[
        str | None, Query(max_length=100, pattern=r"^[^\x00-\x1f\x7f]*$", description="tên hoặc mã người thực hiện")
    ] = None,
    date_from: Annotated[date | None, Query(alias="from", description="từ ngày (giờ Việt Nam)")] = None,
    date_to: Annotated[date | None, Query(alias="to", description="đến hết ngày (giờ Việt Nam)")] = None,
    format: Literal["json", "xlsx"] = "json",
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> AuditPage | Response:
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
    if unit_id is not None:
        # The unit's own entries, and those on the dossiers it proposed (the workflow's rows name no unit).
        filters.append(
            or_(
                col(AuditEntry.unit_id) == unit_id,
                col(AuditEntry.nomination_id).in_(
                    sa_select(col(Nomination.id)).where(col(Nomination.proposing_unit_id) == unit_id)
                ),
            )
        )
    if actor:
        who = actor.strip()
        if who.isdigit() and 1 <= int(who) <= INT4_MAX:
            filters.append(col(AuditEntry.actor_id) == int(who))
        else:
            escaped = who.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            filters.append(col(AuditEntry.actor_name).ilike(f"%{escaped}%", escape="\\"))
    if date_from is not None:
        filters.append(col(AuditEntry.at) >= datetime.combine(date_from, time(0, 0), VN_TZ))
    if date_to is not None:
        filters.append(col(AuditEntry.at) < datetime.combine(date_to + timedelta(days=1), time(0, 0), VN_TZ))
    if date_from is not None and date_to is not None and date_to < date_from:
        raise Problem(422, "Khoảng thời gian không hợp lệ: «đến ngày» trước «từ ngày».", code="validation")
    where = and_(*filters)
    if format == "xlsx":
        everything = (
            await session.exec(
                select(AuditEntry)
                .where(where)
                .order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc())
                .limit(EXPORT_LIMIT)
            )
        ).all()
        entries = [AuditEntryOut.model_validate(r, from_attributes=True) for r in everything]
        content = await asyncio.to_thread(audit_workbook, entries)
        stamp = datetime.now(VN_TZ).strftime("%Y%m%d-%H%M")
        return Response(
            content,
            media_type=XLSX,
            headers={
                "Content-Disposition": f'attachment; filename="nhat-ky-{stamp}.xlsx"',
                "Cache-Control": "private, no-store",
            },
        )
    total = (await session.exec(select(func.count()).select_from(AuditEntry).where(where))).one()
    rows = (
        await session.exec(
            select(AuditEntry)
            .where(where)
            .order_by(col(AuditEntry.at).desc(), col(AuditEntry.id).desc())
            .limit(limit)
            .offset(offset)
        )
    ).all()
    return AuditPage(items=[AuditEntryOut.model_validate(r, from_attributes=True) for r in rows], total=total)
