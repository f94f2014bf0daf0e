"""Local accounts: argon2, short-lived tokens, rate-limited sign-in; production refuses unsafe settings."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import jwt
import pytest
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.testing import WorkflowEnvironment

from models.tables import User
from service import cli
from service.app import create_app
from service.core.settings import DEV_SECRET, Settings
from service.security.tokens import issue_token
from tests.support.security import PROBLEM, ensure_user, login, running_api

SECRET = DEV_SECRET


@pytest.fixture
async def api(env: WorkflowEnvironment, engine: AsyncEngine, database_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with running_api(
        env, engine, database_url, login_limit_account="3/minute", login_limit_address="6/minute"
    ) as client:
        yield client


async def test_passwords_are_argon2_hashes(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        hashes = (await conn.execute(select(User.password_hash).where(User.username == "clerk.school"))).scalars()  # type: ignore[call-overload]
        assert next(iter(hashes)).startswith("$argon2id$")


async def test_failed_sign_ins_are_limited_per_account(
    api: httpx.AsyncClient, engine: AsyncEngine, owner_engine: AsyncEngine
) -> None:
    await ensure_user(owner_engine, "limit.account", "GL-BH-THCS", [])
    for _ in range(3):
        r = await api.post("/api/v1/auth/token", data={"username": "limit.account", "password": "sai"})
        assert r.status_code == 401
    # Locked now, even with the right password.
    r = await api.post("/api/v1/auth/token", data={"username": "limit.account", "password": "demo"})
    assert r.status_code == 429 and r.headers["content-type"] == PROBLEM
    assert r.json()["code"] == "too_many_attempts" and r.json()["retry_after"] > 0
    assert int(r.headers["Retry-After"]) == r.json()["retry_after"]
    assert "tài khoản" in r.json()["detail"]
    # Another account from the same address still signs in.
    await login(api, "clerk.school")


async def test_failed_sign_ins_are_limited_per_address(api: httpx.AsyncClient, engine: AsyncEngine) -> None:
    for i in range(6):  # a password spray: a different account each time
        r = await api.post("/api/v1/auth/token", data={"username": f"spray.{i}", "password": "x"})
        assert r.status_code == 401
    r = await api.post("/api/v1/auth/token", data={"username": "clerk.school", "password": "demo"})
    assert r.status_code == 429 and "địa chỉ" in r.json()["detail"]


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
    monkeypatch.setattr(models.db.roles, "inspect", lambda url: models.db.roles.Connected("thidua_owner", False, 20))
    monkeypatch.setattr(models.store.seed, "seed", record_seed)
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:p@db.invalid/thidua")
    monkeypatch.setenv("THIDUA_JWT_SECRET", "s" * 40)
    for env, demo in (("prod", False), ("test", False), ("dev", True)):
        monkeypatch.setenv("THIDUA_ENV", env)
        cli.get_settings.cache_clear()
        assert cli.main(["migrate"]) == 0
        assert calls[-1] is demo
    cli.get_settings.cache_clear()
