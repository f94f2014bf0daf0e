"""Sign-in throttling that slows guessing down without locking anyone out.

Two counters, kept in PostgreSQL (table `login_attempts`) so that every API process shares them:

- **one account from one client address**: the first `free_failures` failures in a row cost nothing;
  from then on each failure makes *that address* wait before it may try *that account* again, twice
  as long each time (`backoff_seconds`, then 2×, 4×, … at most `backoff_max_seconds`). A correct
  password from that address resets the pair. Nobody else is slowed down by it: whoever guesses at
  a chairperson's password from one place cannot keep the chairperson out from another.
- **one client address across accounts** (a password spray): at most N failures per window
  (THIDUA_LOGIN_LIMIT_ADDRESS, e.g. `30/minute;300/hour`); past it that address waits for the window.

An attempt is counted *before* its password is checked, in one transaction that locks the counters,
so that guesses sent in parallel cannot all pass one check; a correct password gives its attempt
back. Times are the database's (`now()`), so API processes with different clocks agree. Rows carry
an expiry: an expired row counts as absent and is deleted now and then.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from limits import parse_many
from sqlalchemy import and_, delete, func, or_, select, text, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

from models.tables import LoginAttempt

if TYPE_CHECKING:
    from service.core.settings import Settings

ACCOUNT = "account"
ADDRESS = "address"
UNKNOWN_ADDRESS = "unknown"
# Expired rows are deleted on one attempt in this many (per API process).
PURGE_EVERY = 200
TABLE = LoginAttempt.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Refusal:
    scope: str  # "account" (this account from this address) | "address" (this address, any account)
    retry_after: int  # seconds


@dataclass(frozen=True)
class Window:
    amount: int
    seconds: int


def parse_windows(notation: str) -> list[Window]:
    """'30/minute;300/hour' -> [Window(30, 60), Window(300, 3600)] (the `limits` notation)."""
    windows = {item.get_expiry(): item.amount for item in parse_many(notation)}
    return [Window(amount=amount, seconds=seconds) for seconds, amount in sorted(windows.items())]


class LoginThrottle:
    def __init__(
        self,
        engine: AsyncEngine,
        *,
        free_failures: int = 5,
        backoff_seconds: int = 1,
        backoff_max_seconds: int = 900,
        forget_seconds: int = 86_400,
        per_address: list[Window] | None = None,
    ) -> None:
        self._engine = engine
        self.free_failures = free_failures
        self.backoff_seconds = backoff_seconds
        self.backoff_max_seconds = backoff_max_seconds
        self.forget_seconds = forget_seconds
        self.per_address = per_address or []
        self._attempts = 0

    @classmethod
    def from_settings(cls, engine: AsyncEngine, settings: Settings) -> LoginThrottle:
        return cls(
            engine,
            free_failures=settings.login_free_failures,
            backoff_seconds=settings.login_backoff_seconds,
            backoff_max_seconds=settings.login_backoff_max_seconds,
            forget_seconds=settings.login_forget_seconds,
            per_address=parse_windows(settings.login_limit_address),
        )

    def delay(self, failures: int) -> int:
        """Seconds the address waits for the account after `failures` failures in a row."""
        if failures < self.free_failures:
            return 0
        doublings = min(failures - self.free_failures, 32)
        return min(self.backoff_max_seconds, self.backoff_seconds * 2**doublings)

    async def attempt(self, account: str, address: str | None) -> Refusal | None:
        """Count one sign-in attempt, or refuse it (without counting) while the pair or the address must wait."""
        address = (address or UNKNOWN_ADDRESS)[:64]
        account = account[:100]
        keys = [(ACCOUNT, account, address, 0)] + [(ADDRESS, "", address, w.seconds) for w in self.per_address]
        async with self._engine.begin() as conn:
            now: datetime = (await conn.execute(select(func.now()))).scalar_one()
            # A fresh row is "expired" until it counts a failure, so a concurrent purge (or a success
            # of the same pair) may remove it between the insert and the locking read: insert again.
            for _ in range(5):
                await conn.execute(
                    insert(LoginAttempt)
                    .values(
                        [
                            {
                                "scope": s,
                                "account": a,
                                "address": ad,
                                "window_seconds": w,
                                "failures": 0,
                                "window_started_at": now,
                                "blocked_until": None,
                                "expires_at": now,
                            }
                            for s, a, ad, w in keys
                        ]
                    )
                    .on_conflict_do_nothing()
                )
                rows = (
                    await conn.execute(
                        select(TABLE)
                        .where(or_(*(_key(*k) for k in keys)))
                        .order_by(col(LoginAttempt.scope), col(LoginAttempt.window_seconds))
                        .with_for_update()
                    )
                ).all()
                found: dict[tuple[str, int], Any] = {(r.scope, r.window_seconds): r for r in rows}
                if len(found) == len(keys):
                    break
            else:
                raise RuntimeError("sign-in counters kept disappearing")

            pair = found[(ACCOUNT, 0)]
            live = pair.expires_at > now
            failures = pair.failures if live else 0
            if live and pair.blocked_until is not None and pair.blocked_until > now:
                return Refusal(ACCOUNT, _seconds_until(pair.blocked_until, now))
            windows = []
            for window in self.per_address:
                row = found[(ADDRESS, window.seconds)]
                started = row.window_started_at
                if started + timedelta(seconds=window.seconds) <= now:
                    started, count = now, 0
                else:
                    count = row.failures
                if count >= window.amount:
                    return Refusal(ADDRESS, _seconds_until(started + timedelta(seconds=window.seconds), now))
                windows.append((window, started, count))

            # Counted as a failure until the password proves otherwise (`succeeded` gives it back).
            failures += 1
            delay = self.delay(failures)
            await conn.execute(
                update(LoginAttempt)
                .where(_key(*keys[0]))
                .values(
                    failures=failures,
                    window_started_at=pair.window_started_at if live and pair.failures else now,
                    blocked_until=now + timedelta(seconds=delay) if delay else None,
                    expires_at=now + timedelta(seconds=self.forget_seconds),
                )
            )
            for window, started, count in windows:
                await conn.execute(
                    update(LoginAttempt)
                    .where(_key(ADDRESS, "", address, window.seconds))
                    .values(
                        failures=count + 1,
                        window_started_at=started,
                        expires_at=started + timedelta(seconds=window.seconds),
                    )
                )
        self._attempts += 1
        if self._attempts % PURGE_EVERY == 0:
            await self.purge()
        return None

    async def succeeded(self, account: str, address: str | None) -> None:
        """A correct password: the pair starts again from zero, and the attempt was no failure of the address."""
        address = (address or UNKNOWN_ADDRESS)[:64]
        async with self._engine.begin() as conn:
            await conn.execute(delete(LoginAttempt).where(_key(ACCOUNT, account[:100], address, 0)))
            await conn.execute(
                update(LoginAttempt)
                .where(
                    col(LoginAttempt.scope) == ADDRESS,
                    col(LoginAttempt.account) == "",
                    col(LoginAttempt.address) == address,
                    col(LoginAttempt.failures) > 0,
                    col(LoginAttempt.expires_at) > func.now(),
                )
                .values(failures=col(LoginAttempt.failures) - 1)
            )

    async def purge(self) -> int:
        """Delete expired counters."""
        async with self._engine.begin() as conn:
            result = await conn.execute(text("DELETE FROM login_attempts WHERE expires_at < now()"))
        return int(getattr(result, "rowcount", 0) or 0)


def _key(scope: str, account: str, address: str, window_seconds: int) -> Any:
    return and_(
        col(LoginAttempt.scope) == scope,
        col(LoginAttempt.account) == account,
        col(LoginAttempt.address) == address,
        col(LoginAttempt.window_seconds) == window_seconds,
    )


def _seconds_until(moment: datetime, now: datetime) -> int:
    return max(1, math.ceil((moment - now).total_seconds()))
