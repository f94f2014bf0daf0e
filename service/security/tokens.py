"""Local access tokens (JWT, HS256) and telling them apart from an identity provider's tokens."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import jwt

from service.core.settings import ASYMMETRIC_ALGORITHMS

ALGORITHM = "HS256"
# Local tokens name this service as issuer and audience, so that no other HS256 token is taken for one.
LOCAL_ISSUER = "thidua"
LOCAL_AUDIENCE = "thidua-api"


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
