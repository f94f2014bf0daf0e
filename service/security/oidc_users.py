"""The local user rows behind OpenID Connect identities (created at an identity's first request)."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.tables import User
from models.tables.security import OidcIdentity
from service.security.oidc import OidcIdentityClaims
from service.security.passwords import NO_PASSWORD


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
