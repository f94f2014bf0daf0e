"""Sign-in and the signed-in user."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.security import OAuth2PasswordRequestForm
from sqlmodel import select

from models.rules.text import nfc
from models.tables import User
from service.api.deps import ContextDep, SessionDep, UserDep
from service.api.problems import Problem
from service.api.schemas.auth import MeOut, TokenOut
from service.api.schemas.common import UnitRef
from service.security.passwords import verify_password
from service.security.tokens import issue_token

router = APIRouter(prefix="/api/v1", tags=["auth"])


@router.post("/auth/token", response_model=TokenOut)
async def login(
    form: Annotated[OAuth2PasswordRequestForm, Depends()], ctx: ContextDep, session: SessionDep, request: Request
) -> TokenOut:
    username = nfc(form.username).strip().lower()[:100]
    address = request.client.host if request.client else None
    # Throttled per (account, address) and per address, never per account alone: failures from
    # elsewhere never keep the owner of the account out (service/security/ratelimit.py).
    throttle = ctx.login_throttle
    if throttle is not None and (refused := await throttle.attempt(username, address)) is not None:
        if refused.scope == "account":
            detail = (
                "Đăng nhập sai nhiều lần liên tiếp vào tài khoản này từ địa chỉ của bạn; "
                f"vui lòng thử lại sau {refused.retry_after} giây."
            )
        else:
            detail = (
                f"Có quá nhiều lần đăng nhập sai từ địa chỉ của bạn; vui lòng thử lại sau {refused.retry_after} giây."
            )
        raise Problem(429, detail, code="too_many_attempts", retry_after=refused.retry_after, scope=refused.scope)
    user = (await session.exec(select(User).where(User.username == username))).one_or_none()
    ok = verify_password(form.password[:1024], user.password_hash if user else None)
    if user is None or not ok or not user.is_active or user.id is None:
        raise Problem(401, "Tên đăng nhập hoặc mật khẩu không đúng.", code="invalid_credentials")
    if throttle is not None:
        await throttle.succeeded(username, address)
    minutes = ctx.settings.access_token_minutes
    return TokenOut(access_token=issue_token(user.id, ctx.settings.jwt_secret, minutes), expires_in=minutes * 60)


@router.get("/me", response_model=MeOut)
async def me(user: UserDep, ctx: ContextDep) -> MeOut:
    base = ctx.settings.temporal_ui_base()
    return MeOut(
        temporal_ui={"base": base, "namespace": ctx.settings.temporal_namespace} if base and user.is_admin else None,
        id=user.id,
        username=user.username,
        full_name=user.full_name,
        roles=[{"role": role, "unit_id": unit} for role, unit in user.roles],
        unit=UnitRef.model_validate(user.unit, from_attributes=True),
    )
