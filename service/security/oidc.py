"""OpenID Connect: access tokens of the province's identity provider, verified against its JWKS.

A token is accepted only when its signature verifies with a key of the issuer's JWKS under an
allowed public-key algorithm (never HS* or "none": a token signed with the public key as an HMAC
secret is refused), and its issuer, audience, expiry and not-before are right. Roles come from a
claim, mapped by configuration (THIDUA_OIDC_ROLE_MAP) to thidua roles held for the user's unit.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

import httpx
import jwt

from service.core.settings import Settings

SUBTREE_SUFFIX = ":subtree"


class OidcError(Exception):
    """The token is not acceptable; the message is for logs, never for the client."""


@dataclass(frozen=True)
class OidcGrant:
    role: str
    unit_code: str
    subtree: bool


@dataclass(frozen=True)
class OidcIdentityClaims:
    issuer: str
    subject: str
    username: str
    full_name: str
    unit_code: str
    grants: tuple[OidcGrant, ...]


class JwksCache:
    """The issuer's signing keys, fetched over HTTP and kept for a while; refetched for an unknown key id."""

    MIN_REFRESH_SECONDS = 10.0

    def __init__(self, url: str, ttl_seconds: int, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self._url = url
        self._ttl = ttl_seconds
        self._transport = transport
        # kid -> (key, the "alg" the JWK pins, if any)
        self._keys: dict[str, tuple[jwt.PyJWK, str | None]] = {}
        self._fetched_at = 0.0
        self._lock = asyncio.Lock()

    async def _fetch(self) -> None:
        async with httpx.AsyncClient(transport=self._transport, timeout=5.0, follow_redirects=False) as client:
            response = await client.get(self._url)
            response.raise_for_status()
            data = response.json()
        keys: dict[str, tuple[jwt.PyJWK, str | None]] = {}
        for raw in data.get("keys", []):
            if raw.get("use", "sig") != "sig" or "kid" not in raw:
                continue
            try:
                keys[str(raw["kid"])] = (jwt.PyJWK(raw), raw.get("alg"))
            except jwt.PyJWTError:
                continue  # a key type this service does not use
        self._keys = keys
        self._fetched_at = time.monotonic()

    async def key(self, kid: str) -> tuple[jwt.PyJWK, str | None]:
        async with self._lock:
            age = time.monotonic() - self._fetched_at
            stale = age > self._ttl
            unknown_and_may_refresh = kid not in self._keys and age > self.MIN_REFRESH_SECONDS
            if not self._keys or stale or unknown_and_may_refresh:
                try:
                    await self._fetch()
                except (httpx.HTTPError, ValueError) as exc:
                    if not self._keys:
                        raise OidcError(f"cannot fetch the JWKS: {exc}") from None
        found = self._keys.get(kid)
        if found is None:
            raise OidcError(f"no key {kid!r} in the issuer's JWKS")
        return found


class OidcVerifier:
    def __init__(self, settings: Settings, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        if not (settings.oidc_issuer and settings.oidc_audience and settings.oidc_jwks_url):
            raise ValueError("OpenID Connect is not configured")
        self.settings = settings
        self.issuer: str = settings.oidc_issuer
        self.audience: str = settings.oidc_audience
        self.algorithms = list(settings.oidc_algorithms)
        self.jwks = JwksCache(settings.oidc_jwks_url, settings.oidc_jwks_cache_seconds, transport=transport)

    async def verify(self, token: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise OidcError(f"malformed token: {exc}") from None
        alg = header.get("alg")
        if alg not in self.algorithms:
            raise OidcError(f"algorithm {alg!r} is not allowed")
        kid = header.get("kid")
        if not isinstance(kid, str):
            raise OidcError("the token names no key id")
        key, pinned = await self.jwks.key(kid)
        if pinned is not None and pinned != alg:
            raise OidcError(f"key {kid!r} is for {pinned}, the token says {alg}")
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key.key,
                algorithms=[alg],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.settings.oidc_leeway_seconds,
                options={"require": ["exp", "iss", "aud", "sub"], "verify_nbf": True},
            )
        except jwt.PyJWTError as exc:
            raise OidcError(f"token refused: {exc}") from None
        return claims

    def identity(self, claims: dict[str, Any]) -> OidcIdentityClaims:
        s = self.settings
        subject = str(claims["sub"])
        username = str(claims.get(s.oidc_username_claim) or subject)
        unit_code = claims.get(s.oidc_unit_claim)
        if not isinstance(unit_code, str) or not unit_code:
            raise OidcError(f"the token has no unit claim {s.oidc_unit_claim!r}")
        return OidcIdentityClaims(
            issuer=self.issuer,
            subject=subject,
            username=username,
            full_name=str(claims.get(s.oidc_name_claim) or username),
            unit_code=unit_code,
            grants=tuple(map_grants(claims.get(s.oidc_roles_claim), unit_code, s.oidc_role_map)),
        )


def map_grants(raw: Any, unit_code: str, role_map: dict[str, str]) -> list[OidcGrant]:
    """Identity-provider roles to thidua grants.

    Each entry of the roles claim is "idp-role" (held for the user's unit) or "idp-role@UNIT-CODE";
    THIDUA_OIDC_ROLE_MAP maps "idp-role" to a thidua role, "role:subtree" for the unit's subtree too.
    Roles the map does not name give nothing.
    """
    if isinstance(raw, str):
        raw = raw.split()
    if not isinstance(raw, list):
        return []
    grants: list[OidcGrant] = []
    for entry in raw:
        if not isinstance(entry, str):
            continue
        name, _, unit = entry.partition("@")
        mapped = role_map.get(name)
        if not mapped:
            continue
        subtree = mapped.endswith(SUBTREE_SUFFIX)
        role = mapped.removesuffix(SUBTREE_SUFFIX)
        grant = OidcGrant(role=role, unit_code=unit or unit_code, subtree=subtree)
        if grant not in grants:
            grants.append(grant)
    return grants
