"""Passwords (argon2), local access tokens (JWT, HS256) and the users behind OpenID Connect identities."""

from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.tables import User
from models.tables.security import OidcIdentity
from service.core.settings import ASYMMETRIC_ALGORITHMS

if TYPE_CHECKING:
    from service.security.oidc import OidcIdentityClaims

_hasher = PasswordHasher()
ALGORITHM = "HS256"
# Local tokens name this service as issuer and audience, so that no other HS256 token is taken for one.
LOCAL_ISSUER = "thidua"
LOCAL_AUDIENCE = "thidua-api"
# A password hash no password verifies against (users who sign in through the identity provider).
NO_PASSWORD = "!oidc"
# Verifying against a real hash when the user is unknown keeps the response time the same.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password: str, password_hash: str | None) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def issue_token(user_id: int, secret: str, minutes: int) -> str:
    now = datetime.now(UTC)
    claims = {
        "sub": str(user_id),
        "iss": LOCAL_ISSUER,
        "aud": LOCAL_AUDIENCE,
        "iat": now,
        "nbf": now,
        "exp": now + timedelta(minutes=minutes),
        "jti": uuid.uuid4().hex,
    }
    return jwt.encode(claims, secret, algorithm=ALGORITHM)


def read_token(token: str, secret: str) -> int | None:
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[ALGORITHM],
            issuer=LOCAL_ISSUER,
            audience=LOCAL_AUDIENCE,
            options={"require": ["sub", "exp", "iss", "aud"]},
        )
        return int(claims["sub"])
    except (jwt.PyJWTError, ValueError):
        return None


def token_kind(token: str) -> str:
    """ "local" (signed by this service), "oidc" (by an identity provider) or "invalid", from the header only.

    Only a hint for which verifier to use: each verifier accepts its own algorithms only.
    """
    try:
        alg = jwt.get_unverified_header(token).get("alg")
    except jwt.PyJWTError:
        return "invalid"
    if alg == ALGORITHM:
        return "local"
    if alg in ASYMMETRIC_ALGORITHMS:
        return "oidc"
    return "invalid"


def _oidc_username(identity: OidcIdentityClaims, taken: bool) -> str:
    base = f"oidc:{identity.username.strip().lower()}"[:80]
    if not taken:
        return base
    return f"{base}:{hashlib.sha256(f'{identity.issuer} {identity.subject}'.encode()).hexdigest()[:12]}"


async def oidc_user_row(session: AsyncSession, identity: OidcIdentityClaims, unit_id: int) -> User | None:
    """The local user row of an identity-provider account, created at its first request.

    Local accounts and identity-provider accounts never merge: the latter's usernames start with "oidc:".
    The row exists for ownership and the audit trail; roles come from the token at every request.
    """
    for attempt in range(3):
        link = (
            await session.exec(
                select(OidcIdentity).where(
                    OidcIdentity.issuer == identity.issuer, OidcIdentity.subject == identity.subject
                )
            )
        ).one_or_none()
        if link is not None:
            user = await session.get(User, link.user_id)
            if user is None or not user.is_active:
                return None
            if user.unit_id != unit_id or user.full_name != identity.full_name[:200]:
                user.unit_id = unit_id
                user.full_name = identity.full_name[:200]
                session.add(user)
                await session.commit()
            return user
        username = _oidc_username(identity, taken=attempt > 0)
        user = User(
            username=username,
            full_name=identity.full_name[:200],
            password_hash=NO_PASSWORD,
            unit_id=unit_id,
            is_active=True,
        )
        session.add(user)
        try:
            await session.flush()
            assert user.id is not None
            session.add(
                OidcIdentity(
                    issuer=identity.issuer, subject=identity.subject, user_id=user.id, created_at=datetime.now(UTC)
                )
            )
            await session.commit()
            return user
        except IntegrityError:
            # Another request created it at the same moment, or the username is taken: look again.
            await session.rollback()
    return None
