"""The caller's notifications: reminders and escalations of nomination steps and of plan reports.

Delivery by e-mail or SMS comes later; until then this feed (and each task's own list) is where a
reminder reaches its reader.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from sqlalchemy import String, cast, literal, select, tuple_, union_all
from sqlmodel import col

from models.tables import Notification
from models.tables.plans import PlanNotification
from service.api.deps import SessionDep, UserDep
from service.api.schemas.notifications import NotificationFeed, NotificationItem

router = APIRouter(prefix="/api/v1", tags=["notifications"])


@router.get("/notifications", response_model=NotificationFeed)
async def my_notifications(
    session: SessionDep, user: UserDep, limit: Annotated[int, Query(ge=1, le=200)] = 50
) -> NotificationFeed:
    pairs = user.scoped_pairs()
    if not pairs:
        return NotificationFeed(items=[])
    # Both tables are addressed to a (role, unit); their recipient indexes serve this query.
    nominations = select(
        literal("nomination").label("source"), col(Notification.kind), col(Notification.message),
        col(Notification.created_at), cast(col(Notification.nomination_id), String).label("nomination_id"),
        literal(None, type_=String).label("plan_id"),
    ).where(tuple_(col(Notification.role), col(Notification.unit_id)).in_(pairs))  # fmt: skip
    plans = select(
        literal("plan").label("source"), col(PlanNotification.kind), col(PlanNotification.message),
        col(PlanNotification.created_at), literal(None, type_=String).label("nomination_id"),
        col(PlanNotification.plan_id),
    ).where(tuple_(col(PlanNotification.role), col(PlanNotification.unit_id)).in_(pairs))  # fmt: skip
    feed = union_all(nominations, plans).subquery()
    query = select(feed).order_by(feed.c.created_at.desc()).limit(limit)
    connection = await session.connection()
    rows = (await connection.execute(query)).mappings().all()
    return NotificationFeed(items=[NotificationItem.model_validate(dict(r)) for r in rows])
