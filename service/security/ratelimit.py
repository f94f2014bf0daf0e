"""Sign-in attempts limited per account and per client address (the `limits` library, moving windows).

The counters live in the API process (memory storage). That is exact for one API process, which
is how the service is deployed today; with several API processes behind a load balancer each one
counts on its own, so an attacker gets at most N times the limit. Moving to a shared storage is a
change of the storage URI only (`limits` speaks Redis and Memcached).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse_many
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import MovingWindowRateLimiter


@dataclass(frozen=True)
class Refusal:
    scope: str  # "account" | "address"
    retry_after: int  # seconds


class LoginLimiter:
    """Counts failed sign-ins; a successful one does not count against the account."""

    def __init__(self, per_account: str, per_address: str) -> None:
        self._storage = MemoryStorage()
        self._limiter = MovingWindowRateLimiter(self._storage)
        self._per_account: list[RateLimitItem] = parse_many(per_account)
        self._per_address: list[RateLimitItem] = parse_many(per_address)

    def _keys(self, username: str, address: str | None) -> list[tuple[str, RateLimitItem, str]]:
        keys = [("account", item, f"account:{username}") for item in self._per_account]
        keys += [("address", item, f"address:{address or 'unknown'}") for item in self._per_address]
        return keys

    async def check(self, username: str, address: str | None) -> Refusal | None:
        """Whether another attempt may be made now (does not count one)."""
        for scope, item, key in self._keys(username, address):
            if not await self._limiter.test(item, key):
                stats = await self._limiter.get_window_stats(item, key)
                return Refusal(scope, max(1, math.ceil(stats.reset_time - time.time())))
        return None

    async def failed(self, username: str, address: str | None) -> None:
        for _, item, key in self._keys(username, address):
            await self._limiter.hit(item, key)

    async def reset(self) -> None:
        await self._storage.reset()
