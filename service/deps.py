"""Shared FastAPI dependencies: the database session, the Temporal client and the signed-in user."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client

from models.catalogue import Catalogue
from models.tables import RoleAssignment, Unit, User
from service.problems import Problem
from service.security import read_token
from service.settings import Settings
from workflows.contracts import Actor, Grant


@dataclass
class AppContext:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    temporal: Client
    catalogue: Catalogue


def get_context(request: Request) -> AppContext:
    ctx: AppContext = request.app.state.ctx
    return ctx


ContextDep = Annotated[AppContext, Depends(get_context)]


async def get_session(ctx: ContextDep) -> AsyncIterator[AsyncSession]:
    async with ctx.sessions() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


@dataclass
class CurrentUser:
    id: int
    username: str
    full_name: str
    unit: Unit
    roles: list[tuple[str, int]] = field(default_factory=list)
    address: str | None = None

    @property
    def is_admin(self) -> bool:
        return any(role == "admin" for role, _ in self.roles)

    def has_role(self, role: str, unit_id: int) -> bool:
        return (role, unit_id) in self.roles

    def actor(self) -> Actor:
        return Actor(
            user_id=self.id,
            name=self.full_name,
            address=self.address,
            grants=[Grant(role=role, unit_id=unit) for role, unit in self.roles],
        )


async def load_user(session: AsyncSession, user_id: int, address: str | None) -> CurrentUser | None:
    row = (
        await session.exec(select(User, Unit).join(Unit, col(Unit.id) == col(User.unit_id)).where(User.id == user_id))
    ).one_or_none()
    if row is None or not row[0].is_active or row[0].id is None:
        return None
    user, unit = row
    assert user.id is not None
    roles = (
        await session.exec(select(RoleAssignment.role, RoleAssignment.unit_id).where(RoleAssignment.user_id == user_id))
    ).all()
    return CurrentUser(
        id=user.id,
        username=user.username,
        full_name=user.full_name,
        unit=unit,
        roles=[(r, u) for r, u in roles],
        address=address,
    )


async def get_current_user(
    request: Request, ctx: ContextDep, session: SessionDep, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> CurrentUser:
    token = token or request.cookies.get("thidua_token")
    user_id = read_token(token, ctx.settings.jwt_secret) if token else None
    if user_id is None:
        raise Problem(401, "Phiên đăng nhập không hợp lệ hoặc đã hết hạn; vui lòng đăng nhập lại.", code="unauthorized")
    user = await load_user(session, user_id, request.client.host if request.client else None)
    if user is None:
        raise Problem(401, "Tài khoản không tồn tại hoặc đã bị khoá.", code="unauthorized")
    return user


UserDep = Annotated[CurrentUser, Depends(get_current_user)]
