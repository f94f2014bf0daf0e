"""Principals kept per API process while nothing they are built from has changed.

Building a principal takes four queries (the user and unit, grants, delegations in force, subtree
scopes: thousands of units for a province-wide grant), on every request. The cache replaces them
with one read of the authorisation epoch (models/tables/security.py AuthEpoch), which triggers move
on at every change to users, grants, delegations or units, whichever process or person made it: so
several API processes never disagree, and a revoked grant stops at the next request.

An entry also belongs to one day (Asia/Ho_Chi_Minh), since delegations start and end with a day,
and lives at most `ttl` seconds. Only local users are cached: an OpenID Connect principal comes from
its token's claims, verified per request.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date

from service.security.principal import CurrentUser


@dataclass(frozen=True)
class _Entry:
    epoch: int
    day: date
    expires: float
    user: CurrentUser


class PrincipalCache:
    def __init__(self, *, ttl: float = 60.0, size: int = 10_000, clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl = ttl
        self._size = size
        self._clock = clock
        self._entries: OrderedDict[int, _Entry] = OrderedDict()

    def get(self, user_id: int, *, epoch: int, day: date, address: str | None) -> CurrentUser | None:
        entry = self._entries.get(user_id)
        if entry is None:
            return None
        if entry.epoch != epoch or entry.day != day or entry.expires <= self._clock():
            del self._entries[user_id]
            return None
        self._entries.move_to_end(user_id)
        # The request's own address; every other field is shared, read-only, by the requests.
        return replace(entry.user, address=address)

    def put(self, user: CurrentUser, *, epoch: int, day: date) -> None:
        self._entries[user.id] = _Entry(epoch, day, self._clock() + self._ttl, replace(user, address=None))
        self._entries.move_to_end(user.id)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)

    def clear(self) -> None:
        self._entries.clear()
