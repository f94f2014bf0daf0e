"""Saved views: a user's named filters of the inbox or the nominations list, each with its count."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Path, Query, Response
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.tables import SavedView
from service.api.deps import ContextDep, SessionDep, UserDep
from service.api.problems import Problem
from service.api.schemas.common import INT4_MAX
from service.api.schemas.saved_views import (
    BuiltinViewOut,
    SavedViewCreate,
    SavedViewList,
    SavedViewOut,
    SavedViewTarget,
    SavedViewUpdate,
)
from service.queries.saved_views import MAX_SAVED_VIEWS, builtin_views, checked_filters, view_count
from service.security.principal import CurrentUser

router = APIRouter(prefix="/api/v1/saved-views", tags=["saved views"])
ViewId = Annotated[int, Path(ge=1, le=INT4_MAX)]


async def _out(session: AsyncSession, user: CurrentUser, view: SavedView, now: datetime) -> SavedViewOut:
    count, capped = await view_count(session, user, view.target, view.filters, now)
    return SavedViewOut(
        id=view.id or 0, target=view.target, name=view.name, filters=view.filters, created_at=view.created_at,
        count=count, count_capped=capped,
    )  # fmt: skip


async def _own(session: AsyncSession, user: CurrentUser, view_id: int) -> SavedView:
    # Another user's view does not exist for the caller (404, not 403).
    view = (
        await session.exec(select(SavedView).where(col(SavedView.id) == view_id, col(SavedView.user_id) == user.id))
    ).one_or_none()
    if view is None:
        raise Problem(404, "Không tìm thấy bộ lọc đã lưu.", code="saved_view_not_found")
    return view


def _name_taken(name: str) -> Problem:
    return Problem(409, f"Bạn đã có bộ lọc tên «{name}»; hãy chọn tên khác.", code="saved_view_name_taken")


async def _store(session: AsyncSession, view: SavedView) -> None:
    name = view.name
    session.add(view)
    try:
        await session.commit()
    except IntegrityError:
        # The unique (user, name): a view of that name was saved at the same moment.
        await session.rollback()
        raise _name_taken(name) from None
    await session.refresh(view)


@router.get("", response_model=SavedViewList)
async def list_views(
    ctx: ContextDep, session: SessionDep, user: UserDep, target: Annotated[SavedViewTarget, Query()] = "tasks"
) -> SavedViewList:
    now = ctx.clock()
    builtin = []
    for key, name, filters in builtin_views(target, now):
        count, capped = await view_count(session, user, target, filters, now)
        builtin.append(BuiltinViewOut(key=key, name=name, filters=filters, count=count, count_capped=capped))
    views = (
        await session.exec(
            select(SavedView)
            .where(col(SavedView.user_id) == user.id, col(SavedView.target) == target)
            .order_by(col(SavedView.name), col(SavedView.id))
        )
    ).all()
    return SavedViewList(target=target, builtin=builtin, items=[await _out(session, user, v, now) for v in views])


@router.post("", response_model=SavedViewOut, status_code=201)
async def create_view(body: SavedViewCreate, ctx: ContextDep, session: SessionDep, user: UserDep) -> SavedViewOut:
    filters = checked_filters(body.target, body.filters)
    mine = (await session.exec(select(func.count()).where(col(SavedView.user_id) == user.id))).one()
    if mine >= MAX_SAVED_VIEWS:
        raise Problem(
            409, f"Mỗi người lưu được tối đa {MAX_SAVED_VIEWS} bộ lọc; hãy xoá bớt bộ lọc không dùng.",
            code="too_many_saved_views",
        )  # fmt: skip
    taken = (
        await session.exec(
            select(SavedView.id).where(col(SavedView.user_id) == user.id, col(SavedView.name) == body.name)
        )
    ).first()
    if taken is not None:
        raise _name_taken(body.name)
    view = SavedView(user_id=user.id, target=body.target, name=body.name, filters=filters, created_at=ctx.clock())
    await _store(session, view)
    return await _out(session, user, view, ctx.clock())


@router.put("/{view_id}", response_model=SavedViewOut)
async def update_view(
    view_id: ViewId, body: SavedViewUpdate, ctx: ContextDep, session: SessionDep, user: UserDep
) -> SavedViewOut:
    view = await _own(session, user, view_id)
    view.filters = checked_filters(view.target, body.filters)
    view.name = body.name
    await _store(session, view)
    return await _out(session, user, view, ctx.clock())


@router.delete("/{view_id}", status_code=204)
async def delete_view(view_id: ViewId, session: SessionDep, user: UserDep) -> Response:
    view = await _own(session, user, view_id)
    await session.delete(view)
    await session.commit()
    return Response(status_code=204)
