"""The caller's notifications: of nominations (a new task, a dossier returned or asked to supplement,
reminders and escalations, a ballot opened, a decision signed) and of plan reports, with what the
caller has read, and how they want them by e-mail (at once, a daily digest, or not).

Notifications are addressed to a (role, unit): the caller reads those of every pair they act as,
delegations in force included (service/security/principal.py), as the e-mail reaches them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy import String, cast, exists, func, literal, select, tuple_, union_all
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col

from models.tables import Notification
from models.tables.notices import NotificationPreference, NotificationRead
from models.tables.plans import PlanNotification
from service.api.deps import SessionDep, UserDep
from service.api.problems import Problem
from service.api.schemas.notifications import (
    MarkRead,
    NotificationFeed,
    NotificationItem,
    PreferencesIn,
    PreferencesOut,
)
from service.security.principal import CurrentUser

router = APIRouter(prefix="/api/v1", tags=["notifications"])


def _feed(user: CurrentUser) -> Any:
    """Both tables' notifications addressed to the caller's (role, unit) pairs, with read state."""
    pairs = user.scoped_pairs()

    def read(source: str, nid: Any) -> Any:
        return exists().where(
            col(NotificationRead.user_id) == user.id,
            col(NotificationRead.source) == source,
            col(NotificationRead.notification_id) == nid,
        )

    # Both tables are addressed to a (role, unit); their recipient indexes serve this query.
    nominations = select(
        cast(col(Notification.id), String).label("sid"), col(Notification.id).label("id"),
        literal("nomination").label("source"), col(Notification.kind), col(Notification.message),
        col(Notification.created_at), cast(col(Notification.nomination_id), String).label("nomination_id"),
        literal(None, type_=String).label("plan_id"), cast(col(Notification.decision_id), String).label("decision_id"),
        read("nomination", col(Notification.id)).label("read"),
    ).where(tuple_(col(Notification.role), col(Notification.unit_id)).in_(pairs))  # fmt: skip
    plans = select(
        cast(col(PlanNotification.id), String).label("sid"), col(PlanNotification.id).label("id"),
        literal("plan").label("source"), col(PlanNotification.kind), col(PlanNotification.message),
        col(PlanNotification.created_at), literal(None, type_=String).label("nomination_id"),
        col(PlanNotification.plan_id), literal(None, type_=String).label("decision_id"),
        read("plan", col(PlanNotification.id)).label("read"),
    ).where(tuple_(col(PlanNotification.role), col(PlanNotification.unit_id)).in_(pairs))  # fmt: skip
    return union_all(nominations, plans).subquery()


@router.get("/notifications", response_model=NotificationFeed)
async def my_notifications(
    session: SessionDep, user: UserDep, limit: Annotated[int, Query(ge=1, le=200)] = 50
) -> NotificationFeed:
    if not user.scoped_pairs():
        return NotificationFeed(items=[])
    feed = _feed(user)
    connection = await session.connection()
    rows = (
        (
            await connection.execute(
                select(feed).order_by(feed.c.created_at.desc(), feed.c.source, feed.c.id.desc()).limit(limit)
            )
        )
        .mappings()
        .all()
    )
    unread = (await connection.execute(select(func.count()).select_from(feed).where(~feed.c.read))).scalar_one()
    return NotificationFeed(items=[NotificationItem.model_validate(dict(r)) for r in rows], unread=unread)


@router.post("/notifications/read", response_model=NotificationFeed)
async def mark_read(body: MarkRead, session: SessionDep, user: UserDep) -> NotificationFeed:
    """Mark notifications read (only those addressed to the caller); answers the feed's first page."""
    if not body.all and not body.items:
        raise Problem(422, "Hãy chọn thông báo cần đánh dấu đã đọc.", code="validation")
    if user.scoped_pairs():
        feed = _feed(user)
        query = select(feed.c.source, feed.c.id).where(~feed.c.read)
        if not body.all:
            wanted = [(i.source, i.id) for i in body.items]
            query = query.where(tuple_(feed.c.source, feed.c.id).in_(wanted))
        connection = await session.connection()
        unread = (await connection.execute(query)).all()
        if unread:
            now = datetime.now(UTC)
            await connection.execute(
                insert(NotificationRead)
                .values([{"user_id": user.id, "source": s, "notification_id": i, "read_at": now} for s, i in unread])
                .on_conflict_do_nothing()
            )
        await session.commit()
    return await my_notifications(session, user)


@router.get("/notifications/preferences", response_model=PreferencesOut)
async def my_preferences(session: SessionDep, user: UserDep) -> PreferencesOut:
    row = await session.get(NotificationPreference, user.id)
    return PreferencesOut(email=row.email if row else None, email_mode=row.email_mode if row else "off")


@router.put("/notifications/preferences", response_model=PreferencesOut)
async def set_preferences(body: PreferencesIn, session: SessionDep, user: UserDep) -> PreferencesOut:
    if body.email_mode != "off" and not body.email:
        raise Problem(422, "Hãy nhập địa chỉ thư điện tử để nhận thông báo qua thư.", code="email_required")
    now = datetime.now(UTC)
    connection = await session.connection()
    values = {"user_id": user.id, "email": body.email, "email_mode": body.email_mode, "since": now}
    await connection.execute(
        insert(NotificationPreference)
        .values(**values)
        .on_conflict_do_update(
            index_elements=["user_id"],
            set_={"email": body.email, "email_mode": body.email_mode},
        )
    )
    await session.commit()
    return PreferencesOut(email=body.email, email_mode=body.email_mode)
