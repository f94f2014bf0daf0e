"""Shared FastAPI dependencies: the application context (with the Temporal gateway), a database session, the caller."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession

from models.rules.catalogue import Catalogue
from models.rules.registers import Prizes, Registers
from models.store.auth_epoch import read_epoch
from service.api.problems import Problem
from service.core.settings import Settings
from service.queries.org import OrgTreeCache
from service.queries.rosters import RosterCache
from service.security.delegations import today
from service.security.oidc import OidcVerifier
from service.security.principal import INVALID_SESSION, CurrentUser, load_user, oidc_user
from service.security.principal_cache import PrincipalCache
from service.security.ratelimit import LoginThrottle
from service.security.tokens import read_token, token_kind
from service.temporal.gateway import TemporalGateway
from service.temporal.nomination_start import BackgroundStarts

log = logging.getLogger(__name__)


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class AppContext:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    gateway: TemporalGateway
    catalogue: Catalogue
    login_throttle: LoginThrottle | None = None
    oidc: OidcVerifier | None = None
    # Now, in UTC: every rule of the API that depends on today reads this, so tests can set the date.
    clock: Callable[[], datetime] = utc_now
    # The decision registers (symbols, places) and prizes, from deploy/registers.yaml and prizes.yaml.
    registers: Registers | None = None
    prizes: Prizes | None = None
    # Workflow starts that run after the answer (a unit's list), drained when the API stops.
    background: BackgroundStarts = field(default_factory=BackgroundStarts)
    # Signed-in users' principals while the authorisation epoch stands (service/security/principal_cache.py).
    principals: PrincipalCache = field(default_factory=PrincipalCache)
    # The organisation tree while the same epoch stands (routes of new nominations).
    org_trees: OrgTreeCache = field(default_factory=OrgTreeCache)
    # Councils' sizes while the same epoch stands (every tally is judged on its council's size).
    rosters: RosterCache = field(default_factory=RosterCache)


async def get_context(request: Request) -> AppContext:
    # async on purpose: FastAPI runs a plain `def` dependency in a thread pool, a thread hop per request.
    ctx: AppContext = request.app.state.ctx
    return ctx


ContextDep = Annotated[AppContext, Depends(get_context)]


async def get_session(ctx: ContextDep) -> AsyncIterator[AsyncSession]:
    async with ctx.sessions() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False)


async def get_current_user(
    request: Request, ctx: ContextDep, session: SessionDep, token: Annotated[str | None, Depends(oauth2_scheme)]
) -> CurrentUser:
    # Bearer tokens only: no cookie, so a page of another site cannot act with the user's session.
    if not token:
        raise Problem(401, "Bạn cần đăng nhập để thực hiện thao tác này.", code="unauthorized")
    address = request.client.host if request.client else None
    kind = token_kind(token)
    if kind == "oidc":
        return await oidc_user(ctx.oidc, session, token, address)
    user_id = read_token(token, ctx.settings.jwt_secret) if kind == "local" else None
    if user_id is None:
        raise Problem(401, INVALID_SESSION, code="unauthorized")
    epoch, day = await read_epoch(session), today()
    user = ctx.principals.get(user_id, epoch=epoch, day=day, address=address)
    if user is None:
        user = await load_user(session, user_id, address)
        if user is None:
            raise Problem(401, "Tài khoản không tồn tại hoặc đã bị khóa.", code="unauthorized")
        ctx.principals.put(user, epoch=epoch, day=day)
    return user


UserDep = Annotated[CurrentUser, Depends(get_current_user)]
