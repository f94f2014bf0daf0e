"""A database outage answers 503 problem+json with Retry-After and a Vietnamese detail, never 500
nor a dropped connection: with DATABASE_URL on a closed port, and with a real database stopped
under a running application. /readyz keeps answering 503 for the missing dependency."""

from __future__ import annotations

import os
import socket
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import date
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from temporalio.testing import WorkflowEnvironment

from models.db.engine import sqlalchemy_url
from service.app import create_app
from service.core.settings import DEV_SECRET, Settings
from service.security.authz import RULES, Access, api_endpoints
from service.security.tokens import issue_token
from tests.support.bad_input import is_vietnamese
from tests.support.paths import DEPLOY
from tests.support.security import PROBLEM, nomination_body

# Answer without the database: liveness, metrics and the names of codes.
NO_DATABASE = {("GET", "/healthz"), ("GET", "/metrics"), ("GET", "/api/v1/labels")}


def closed_port() -> int:
    """A port on 127.0.0.1 nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@asynccontextmanager
async def app_on(env: WorkflowEnvironment, database_url: str, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    settings = Settings.model_validate(
        {
            "env": "test",
            "DATABASE_URL": database_url,
            "attachment_dir": str(tmp_path),
            "login_limit_address": "1000/minute",
        }
    )
    app: FastAPI = create_app(settings, temporal=env.client)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 5000))
        async with httpx.AsyncClient(transport=transport, base_url="http://thidua.test") as http:
            yield http


def assert_unavailable(r: httpx.Response, what: str) -> None:
    assert r.status_code == 503, f"{what}: {r.status_code} {r.text[:300]}"
    assert r.headers["content-type"] == PROBLEM, what
    assert int(r.headers["retry-after"]) >= 1, what
    body = r.json()
    assert body["status"] == 503 and body["code"] == "database_unavailable", (what, body)
    assert is_vietnamese(body["detail"]), (what, body["detail"])


def sample(method: str, path: str) -> dict[str, Any]:
    year = date.today().year
    ids = {
        "nomination_id": str(uuid.uuid4()),
        "task_id": str(uuid.uuid4()),
        "attachment_id": str(uuid.uuid4()),
        "delegation_id": str(uuid.uuid4()),
        "decision_id": str(uuid.uuid4()),
        "submission_id": str(uuid.uuid4()),
        "session_id": str(uuid.uuid4()),
        "view_id": "1",
        "number": "1",
        "report_id": "1",
        "file_id": str(uuid.uuid4()),
        "plan_id": "gl-65-2024",
        "code": "BANG_KHEN_TINH",
    }
    request: dict[str, Any] = {"url": path.format(**{k: v for k, v in ids.items() if "{" + k + "}" in path})}
    params = {
        "/api/v1/award-forms/{code}/route": {"unit_id": 1},
        "/api/v1/plans/{plan_id}/calendar": {"from": f"{year}-01-01", "to": f"{year}-12-31"},
        "/api/v1/plans/{plan_id}/reports": {"year": year},
    }
    if path in params and method == "GET":
        request["params"] = params[path]
    if (method, path) == ("POST", "/api/v1/auth/token"):
        request["data"] = {"username": "clerk.school", "password": "demo"}
    elif (method, path) == ("POST", "/api/v1/nominations"):
        request["json"] = nomination_body(1)
        request["headers"] = {"Idempotency-Key": str(uuid.uuid4())}
    elif method == "POST":
        request["json"] = {}
    return request


async def test_database_on_a_closed_port_answers_503_everywhere_it_is_read(
    env: WorkflowEnvironment, tmp_path: Path
) -> None:
    url = f"postgresql://thidua:thidua@127.0.0.1:{closed_port()}/thidua"
    async with app_on(env, url, tmp_path) as api:
        # Sign-in, a list and a creation: the three a person meets first.
        r = await api.post("/api/v1/auth/token", data={"username": "clerk.school", "password": "demo"})
        assert_unavailable(r, "sign-in")
        # A token signed before the outage is still a session: what it asks for needs the database.
        bearer = {"Authorization": f"Bearer {issue_token(1, DEV_SECRET, 5)}"}
        assert_unavailable(await api.get("/api/v1/nominations", headers=bearer), "list")
        r = await api.post(
            "/api/v1/nominations",
            json=nomination_body(1),
            headers={**bearer, "Idempotency-Key": str(uuid.uuid4())},
        )
        assert_unavailable(r, "create")

        # Every endpoint that reads the database says so the same way.
        app = api._transport.app  # type: ignore[attr-defined]
        endpoints = api_endpoints(app)
        checked = 0
        for method, path in endpoints:
            request = sample(method, path)
            headers = {**request.pop("headers", {}), **bearer}
            r = await api.request(method, headers=headers, **request)
            if (method, path) in NO_DATABASE:
                assert r.status_code == 200, (method, path, r.status_code)
            elif path == "/readyz":
                assert r.status_code == 503 and r.json()["checks"]["postgresql"] == "unavailable"
            else:
                assert RULES[(method, path)].access is not Access.PUBLIC or path == "/api/v1/auth/token"
                assert_unavailable(r, f"{method} {path}")
                checked += 1
        assert checked >= len(endpoints) - len(NO_DATABASE) - 1 and checked > 30


@pytest.fixture
def temporary_database() -> Any:
    """A PostgreSQL server of this test only (migrated and seeded), to stop while the app runs."""
    pgserver = pytest.importorskip("pgserver", reason="the embedded PostgreSQL (extra `embedded`) is not installed")
    from models.db.roles import Roles, prepare
    from models.store.seed import seed

    os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.gettempdir())
    root = Path(tempfile.mkdtemp(prefix="thidua-outage-"))
    server = pgserver.get_server(root / "pg", cleanup_mode="delete")
    admin = create_engine(sqlalchemy_url(server.get_uri()), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text('CREATE DATABASE "thidua_outage"'))
    admin.dispose()
    admin_url = (
        make_url(sqlalchemy_url(server.get_uri())).set(database="thidua_outage").render_as_string(hide_password=False)
    )
    # As in production: migrated and seeded as the owner role, the app signed in as the service role.
    owner_url, url = prepare(admin_url, Roles(owner="outage_owner", service="outage_app"), password="outage")
    seed(owner_url, DEPLOY, demo=True)
    yield server, url
    server.cleanup()


async def test_stopping_the_real_database_under_a_running_app_answers_503(
    env: WorkflowEnvironment, tmp_path: Path, temporary_database: Any
) -> None:
    server, url = temporary_database
    async with app_on(env, url, tmp_path) as api:
        r = await api.post("/api/v1/auth/token", data={"username": "clerk.school", "password": "demo"})
        assert r.status_code == 200, r.text
        clerk = {"Authorization": f"Bearer {r.json()['access_token']}"}
        r = await api.get("/api/v1/nominations", headers=clerk)
        assert r.status_code == 200, r.text  # the pool now holds live connections
        school = int((await api.get("/api/v1/me", headers=clerk)).json()["unit"]["id"])

        server.cleanup()  # the database server stops; the pooled connections die with it

        r = await api.post("/api/v1/auth/token", data={"username": "clerk.school", "password": "demo"})
        assert_unavailable(r, "sign-in")
        assert_unavailable(await api.get("/api/v1/nominations", headers=clerk), "list")
        r = await api.post(
            "/api/v1/nominations",
            json=nomination_body(school),
            headers={**clerk, "Idempotency-Key": str(uuid.uuid4())},
        )
        assert_unavailable(r, "create")
        r = await api.get("/readyz")
        assert r.status_code == 503 and r.headers["content-type"] == PROBLEM
        assert r.json()["checks"]["postgresql"] == "unavailable"
