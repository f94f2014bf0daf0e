"""Local accounts: argon2, short-lived tokens, rate-limited sign-in; production refuses unsafe settings."""

from __future__ import annotations

import asyncio
import secrets
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.testing import WorkflowEnvironment

from service import cli
from service.app import create_app
from service.core.settings import DEV_SECRET, Settings
from service.security.ratelimit import LoginThrottle, Window, parse_windows
from service.security.tokens import issue_token
from tests.support.security import PROBLEM, ensure_user, running_api

SECRET = DEV_SECRET


def an_address() -> str:
    """A client address of this test only: the counters live in the shared database."""
    n = secrets.randbits(16)
    return f"198.18.{n >> 8}.{n & 255}"


@pytest.fixture
async def api(env: WorkflowEnvironment, engine: AsyncEngine, database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with running_api(env, engine, database_url, client=an_address()) as client:
        yield client


@asynccontextmanager
async def sign_in_service(
    env: WorkflowEnvironment, database_url: str, **settings: Any
) -> AsyncIterator[Callable[[str], httpx.AsyncClient]]:
    """One API process (its own engine, its own throttle); `at(address)` is a client calling from that address."""
    app = create_app(Settings.model_validate({"env": "test", "DATABASE_URL": database_url, **settings}), env.client)
    clients: list[httpx.AsyncClient] = []

    def at(address: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app, client=(address, 5000))
        clients.append(httpx.AsyncClient(transport=transport, base_url="http://thidua.test"))
        return clients[-1]

    async with app.router.lifespan_context(app):
        yield at
        for c in clients:
            await c.aclose()


async def sign_in(client: httpx.AsyncClient, username: str, password: str) -> httpx.Response:
    return await client.post("/api/v1/auth/token", data={"username": username, "password": password})


async def time_passes(engine: AsyncEngine, username: str, address: str) -> None:
    """The pair's wait is over (the row's deadline moved into the past, as the clock would)."""
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "UPDATE login_attempts SET blocked_until = now() - interval '1 second'"
                " WHERE scope = 'account' AND account = :u AND address = :a"
            ),
            {"u": username, "a": address},
        )


async def new_account(owner_engine: AsyncEngine) -> str:
    username = f"chair.throttle.{uuid.uuid4().hex[:8]}"
    await ensure_user(owner_engine, username, "GL-BH-THCS", [], full_name="Chủ tịch Thử Nghiệm")
    return username


async def test_an_attacker_elsewhere_never_locks_the_owner_out(
    env: WorkflowEnvironment, engine: AsyncEngine, owner_engine: AsyncEngine, database_url: str
) -> None:
    chair = await new_account(owner_engine)
    attacker_address, owner_address = an_address(), an_address()
    # Waits long enough that a slow machine cannot outlast one between two attempts.
    throttle = {"login_free_failures": 5, "login_backoff_seconds": 30, "login_limit_address": "1000/minute"}
    async with sign_in_service(env, database_url, **throttle) as at:
        attacker, owner = at(attacker_address), at(owner_address)
        waits: list[int] = []
        failures = 0
        while failures < 20:
            r = await sign_in(attacker, chair, f"đoán-{failures}")
            if r.status_code == 429:
                assert r.headers["content-type"] == PROBLEM and r.json()["code"] == "too_many_attempts"
                assert int(r.headers["Retry-After"]) == r.json()["retry_after"] > 0
                assert r.json()["scope"] == "account" and "tài khoản này từ địa chỉ của bạn" in r.json()["detail"]
                waits.append(r.json()["retry_after"])
                # Refused before the password is looked at: the right one is refused too, from there.
                assert (await sign_in(attacker, chair, "demo")).status_code == 429
                await time_passes(engine, chair, attacker_address)
                continue
            assert r.status_code == 401, r.text
            failures += 1
            # Meanwhile the chairperson signs in from the office, every time.
            assert (await sign_in(owner, chair, "demo")).status_code == 200
        # Five failures are free; then each failure doubles the wait: 30, 60, 120 … seconds, at most 900
        # (as seen a moment after the failure that set it: a second or two may have passed).
        expected = [min(30 * 2**i, 900) for i in range(15)]
        assert len(waits) == 15 and all(e - 3 < w <= e for w, e in zip(waits, expected, strict=True)), waits
        assert (await sign_in(owner, chair, "demo")).status_code == 200


async def test_a_correct_password_resets_its_own_pair(
    env: WorkflowEnvironment, engine: AsyncEngine, owner_engine: AsyncEngine, database_url: str
) -> None:
    chair = await new_account(owner_engine)
    throttle = {"login_free_failures": 5, "login_backoff_seconds": 60, "login_limit_address": "1000/minute"}
    async with sign_in_service(env, database_url, **throttle) as at:
        me = at(an_address())
        for _ in range(4):
            assert (await sign_in(me, chair, "sai")).status_code == 401
        assert (await sign_in(me, chair, "demo")).status_code == 200
        # From zero again: five more free failures before the first wait.
        for _ in range(5):
            assert (await sign_in(me, chair, "sai")).status_code == 401
        r = await sign_in(me, chair, "sai")
        assert r.status_code == 429 and 57 < r.json()["retry_after"] <= 60


async def test_guesses_sent_together_cannot_pass_one_check(
    env: WorkflowEnvironment, owner_engine: AsyncEngine, database_url: str
) -> None:
    chair = await new_account(owner_engine)
    throttle = {"login_free_failures": 3, "login_backoff_seconds": 60, "login_limit_address": "1000/minute"}
    async with sign_in_service(env, database_url, **throttle) as at:
        attacker = at(an_address())
        answers = await asyncio.gather(*(sign_in(attacker, chair, f"đoán-{i}") for i in range(12)))
    codes = sorted(r.status_code for r in answers)
    assert codes == [401] * 3 + [429] * 9


async def test_two_api_processes_share_the_counters(
    env: WorkflowEnvironment, engine: AsyncEngine, owner_engine: AsyncEngine, database_url: str
) -> None:
    chair = await new_account(owner_engine)
    address = an_address()
    settings = {"login_free_failures": 3, "login_backoff_seconds": 60, "login_limit_address": "1000/minute"}
    async with (
        sign_in_service(env, database_url, **settings) as first,
        sign_in_service(env, database_url, **settings) as second,
    ):
        for _ in range(3):
            assert (await sign_in(first(address), chair, "sai")).status_code == 401
        # The other process knows: the same address waits for that account there too.
        r = await sign_in(second(address), chair, "sai")
        assert r.status_code == 429 and 57 < int(r.headers["Retry-After"]) <= 60
        await time_passes(engine, chair, address)
        # A success in one process resets the pair for both.
        assert (await sign_in(second(address), chair, "demo")).status_code == 200
        for _ in range(3):
            assert (await sign_in(first(address), chair, "sai")).status_code == 401
        assert (await sign_in(second(address), chair, "sai")).status_code == 429


async def test_failed_sign_ins_are_limited_per_address(
    env: WorkflowEnvironment, owner_engine: AsyncEngine, database_url: str
) -> None:
    async with sign_in_service(env, database_url, login_limit_address="6/minute") as at:
        sprayer = at(an_address())
        for i in range(6):  # a password spray: a different account each time
            assert (await sign_in(sprayer, f"spray.{uuid.uuid4().hex[:6]}.{i}", "x")).status_code == 401
        r = await sign_in(sprayer, "clerk.school", "demo")
        assert r.status_code == 429 and r.json()["scope"] == "address" and "địa chỉ của bạn" in r.json()["detail"]
        assert 0 < int(r.headers["Retry-After"]) <= 60
        # Everyone else signs in as usual.
        assert (await sign_in(at(an_address()), "clerk.school", "demo")).status_code == 200


def test_backoff_doubles_up_to_its_maximum() -> None:
    throttle = LoginThrottle(None, free_failures=5, backoff_seconds=2, backoff_max_seconds=60)  # type: ignore[arg-type]
    assert [throttle.delay(n) for n in range(1, 12)] == [0, 0, 0, 0, 2, 4, 8, 16, 32, 60, 60]
    assert throttle.delay(10_000) == 60
    assert parse_windows("300/hour;30/minute") == [Window(30, 60), Window(300, 3600)]


def test_the_old_per_account_setting_still_sets_the_free_failures() -> None:
    assert Settings.model_validate({"env": "test"}).login_free_failures == 5
    assert Settings.model_validate({"env": "test", "login_limit_account": "3/minute;20/hour"}).login_free_failures == 3
    explicit = {"env": "test", "login_limit_account": "3/minute", "login_free_failures": 7}
    assert Settings.model_validate(explicit).login_free_failures == 7


async def test_tokens_are_short_lived_and_bound_to_this_service(api: httpx.AsyncClient) -> None:
    r = await api.post("/api/v1/auth/token", data={"username": "council.school", "password": "demo"})
    token = r.json()["access_token"]
    assert r.json()["expires_in"] == 15 * 60
    claims = jwt.decode(token, SECRET, algorithms=["HS256"], audience="thidua-api")
    assert claims["exp"] - claims["iat"] == 15 * 60 and claims["iss"] == "thidua"

    me = await api.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.status_code == 200
    user_id = int(claims["sub"])
    now = datetime.now(UTC)
    forged: list[str] = [
        jwt.encode(
            {"sub": str(user_id), "exp": now - timedelta(seconds=5), "iss": "thidua", "aud": "thidua-api"}, SECRET
        ),
        jwt.encode({"sub": str(user_id), "exp": now + timedelta(minutes=5)}, SECRET),  # no issuer or audience
        jwt.encode(
            {"sub": str(user_id), "exp": now + timedelta(minutes=5), "iss": "thidua", "aud": "thidua-api"}, "x" * 40
        ),
        jwt.encode(
            {"sub": str(user_id), "exp": now + timedelta(minutes=5), "iss": "thidua", "aud": "thidua-api"},
            None,
            algorithm="none",
        ),  # type: ignore[arg-type]
    ]
    for bad in forged:
        r = await api.get("/api/v1/me", headers={"Authorization": f"Bearer {bad}"})
        assert r.status_code == 401 and r.headers["content-type"] == PROBLEM
    # Sessions are bearer tokens only: a cookie does not sign anyone in (no cross-site requests).
    r = await api.get("/api/v1/me", headers={"Cookie": f"thidua_token={issue_token(user_id, SECRET, 5)}"})
    assert r.status_code == 401


def test_production_refuses_default_or_missing_secret_and_names_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("THIDUA_JWT_SECRET", raising=False)
    monkeypatch.setenv("THIDUA_ENV", "prod")
    for value in (None, DEV_SECRET, "short-secret"):
        if value is None:
            monkeypatch.delenv("THIDUA_JWT_SECRET", raising=False)
        else:
            monkeypatch.setenv("THIDUA_JWT_SECRET", value)
        with pytest.raises(ValidationError, match="THIDUA_JWT_SECRET"):
            Settings()
        with pytest.raises(ValidationError, match="THIDUA_JWT_SECRET"):
            create_app()  # the API factory itself refuses to build
    monkeypatch.setenv("THIDUA_JWT_SECRET", "s" * 40)
    assert Settings().env == "prod"


@pytest.mark.parametrize(
    ("settings", "named"),
    [
        ({"oidc_issuer": "https://id.example"}, "THIDUA_OIDC_AUDIENCE"),
        ({"oidc_issuer": "https://id.example", "oidc_audience": "thidua"}, "THIDUA_OIDC_JWKS_URL"),
        (
            {
                "oidc_issuer": "https://id.example",
                "oidc_audience": "thidua",
                "oidc_jwks_url": "https://id.example/jwks",
                "oidc_algorithms": ["RS256", "HS256"],
            },
            "THIDUA_OIDC_ALGORITHMS",
        ),
        (
            {"oidc_issuer": "https://id.example", "oidc_audience": "thidua", "oidc_jwks_url": "http://id.example/j"},
            "THIDUA_OIDC_JWKS_URL",
        ),
        ({"login_limit_account": "often"}, "THIDUA_LOGIN_LIMIT_ACCOUNT"),
    ],
)
def test_unsafe_settings_name_the_setting(settings: dict[str, Any], named: str) -> None:
    with pytest.raises(ValidationError, match=named):
        Settings.model_validate({"env": "prod", "jwt_secret": "s" * 40, **settings})


def test_attachments_may_not_live_under_the_web_root(tmp_path: Path) -> None:
    from service.web import STATIC_DIR

    with pytest.raises(RuntimeError, match="THIDUA_ATTACHMENT_DIR"):
        create_app(Settings.model_validate({"env": "test", "attachment_dir": str(STATIC_DIR / "files")}))


def test_demo_users_are_seeded_only_in_dev(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[bool] = []

    def record_seed(url: str, deploy_dir: Path, *, demo: bool) -> dict[str, int]:
        calls.append(demo)
        return {}

    import models.db.migrate
    import models.db.roles
    import models.store.seed

    monkeypatch.setattr(models.db.migrate, "migrate", lambda url, roles=None: None)
    monkeypatch.setattr(models.db.migrate, "mark_migrated", lambda url, roles=None: "head")
    monkeypatch.setattr(models.db.roles, "inspect", lambda url: models.db.roles.Connected("thidua_owner", False, 20))
    monkeypatch.setattr(models.store.seed, "seed", record_seed)
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@db.invalid/thidua")
    monkeypatch.setenv("THIDUA_JWT_SECRET", "s" * 40)
    for env, demo in (("prod", False), ("test", False), ("dev", True)):
        monkeypatch.setenv("THIDUA_ENV", env)
        cli.get_core_settings.cache_clear()
        assert cli.main(["migrate"]) == 0
        assert calls[-1] is demo
    cli.get_core_settings.cache_clear()
