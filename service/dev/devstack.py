"""`make run`: embedded Temporal and PostgreSQL (unless pointed elsewhere), the database roles,
migrations and demo data (as the owner role), the worker and the API (as the service role), stopped
together on Ctrl-C. Data persists under THIDUA_DATA_DIR."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from typing import Any

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from models.db.engine import sqlalchemy_url
from models.db.migrate import migrate
from models.db.roles import inspect, install_roles, prepare
from models.store.seed import seed
from service.core.settings import Settings, get_settings
from service.temporal.plan_startup import start_plans


def log(msg: str) -> None:
    print(f"[thidua] {msg}", flush=True)


def _bin(name: str) -> str:
    local = Path(sys.executable).parent / name
    found = str(local) if local.exists() else shutil.which(name)
    if not found:
        raise SystemExit(f"{name} not found: run `make run` so that the virtual environment is installed")
    return found


def _port_open(host: str, port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.2)
        return s.connect_ex((host, port)) == 0


def _wait(what: str, ready: Callable[[], bool], timeout: float, proc: subprocess.Popen[bytes] | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise SystemExit(f"{what} exited with code {proc.returncode}")
        if ready():
            return
        time.sleep(0.1)
    raise SystemExit(f"{what} not ready after {timeout:.0f}s")


class DevStack:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.data_dir = settings.data_dir.resolve()
        self.children: list[tuple[str, subprocess.Popen[bytes]]] = []
        self.pg: Any = None  # pgserver.PostgresServer when embedded
        self.env = dict(os.environ)
        # The API and the worker never see the owner's connection.
        self.env.pop("THIDUA_MIGRATION_DATABASE_URL", None)

    def start_temporal(self) -> str:
        if self.settings.temporal_address:
            log(f"using Temporal at {self.settings.temporal_address}")
            return self.settings.temporal_address
        port, ui = self.settings.temporal_port, self.settings.temporal_ui_port
        if _port_open("127.0.0.1", port):
            raise SystemExit(f"port {port} is busy: stop the other Temporal server or set THIDUA_TEMPORAL_PORT")
        cmd = [
            _bin("temporal"), "server", "start-dev",
            "--ip", "127.0.0.1", "--port", str(port), "--ui-port", str(ui),
            "--db-filename", str(self.data_dir / "temporal.db"),
            "--sqlite-pragma", "journal_mode=WAL", "--sqlite-pragma", "synchronous=NORMAL",
            "--log-level", "warn",
        ]  # fmt: skip
        log_file = open(self.data_dir / "temporal.log", "ab")
        proc = subprocess.Popen(cmd, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True)
        self.children.append(("temporal", proc))
        _wait("Temporal dev server", lambda: _port_open("127.0.0.1", port), 60, proc)
        return f"127.0.0.1:{port}"

    def start_postgres(self) -> tuple[str, str]:
        """The database, migrated as the owner role; returns (owner URL, service URL)."""
        roles = self.settings.db_roles
        if self.settings.database_url:
            log("using the PostgreSQL database from DATABASE_URL")
            owner_url = self.settings.migration_url() or self.settings.database_url
            if inspect(owner_url).superuser:
                install_roles(owner_url, roles)
            migrate(owner_url, roles)
            return owner_url, self.settings.database_url
        import pgserver

        self.pg = pgserver.get_server(self.data_dir / "pg", cleanup_mode="stop")
        admin_url = self.pg.get_uri()
        engine = create_engine(sqlalchemy_url(admin_url), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = 'thidua'")).first():
                conn.execute(text("CREATE DATABASE thidua"))
        engine.dispose()
        # As in production: the roles (deploy/sql/roles.sql), then the migrations as the owner role.
        return prepare(
            make_url(sqlalchemy_url(admin_url)).set(database="thidua").render_as_string(hide_password=False), roles
        )

    def spawn(self, name: str, args: list[str]) -> None:
        log_file = open(self.data_dir / f"{name}.log", "ab")
        proc = subprocess.Popen(args, env=self.env, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True)
        self.children.append((name, proc))

    def stop(self) -> None:
        # Stop in reverse order: API and worker first, then Temporal, then PostgreSQL.
        for name, proc in reversed(self.children):
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT if name != "temporal" else signal.SIGTERM)
        for name, proc in reversed(self.children):
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                log(f"{name} did not stop in time; killing it")
                proc.kill()
        if self.pg is not None:
            self.pg.cleanup()
            self.pg = None
        log("stopped")

    def run(self) -> int:
        started = time.monotonic()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        temporal = self.start_temporal()
        owner_url, service_url = self.start_postgres()
        self.env.update({"TEMPORAL_ADDRESS": temporal, "DATABASE_URL": service_url, "THIDUA_ENV": self.settings.env})
        counts = seed(owner_url, self.settings.deploy_dir, demo=self.settings.is_dev)
        log(f"database migrated; seed: {counts}")
        # Plans run as workflows from their business key; a running one is left as it is.
        plans = start_plans(self.settings, temporal, service_url)
        log(f"plan workflows: {plans}")
        python = sys.executable
        self.spawn("worker", [python, "-m", "service.cli", "worker"])
        self.spawn(
            "api",
            [
                python, "-m", "uvicorn", "service.app:create_app", "--factory",
                "--host", self.settings.api_host, "--port", str(self.settings.api_port), "--no-access-log",
            ],
        )  # fmt: skip
        base = f"http://{self.settings.api_host}:{self.settings.api_port}"
        api = next(p for n, p in self.children if n == "api")
        _wait("API", lambda: _http_ok(f"{base}/readyz"), 90, api)
        print(
            f"thidua ready in {time.monotonic() - started:.1f}s: API {base}/api/v1, docs {base}/docs, web {base}/"
            + (
                f", Temporal UI http://127.0.0.1:{self.settings.temporal_ui_port}"
                if not self.settings.temporal_address
                else ""
            )
            + " (Ctrl-C stops everything)",
            flush=True,
        )
        return self.supervise()

    def supervise(self) -> int:
        stopping = False

        def _on_signal(signum: int, frame: FrameType | None) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, _on_signal)
        signal.signal(signal.SIGTERM, _on_signal)
        code = 0
        while not stopping:
            for name, proc in self.children:
                if proc.poll() is not None:
                    log(f"{name} exited with code {proc.returncode}; see {self.data_dir / (name + '.log')}")
                    stopping, code = True, 1
            time.sleep(0.3)
        return code


def _http_ok(url: str) -> bool:
    with contextlib.suppress(Exception), urllib.request.urlopen(url, timeout=2) as r:
        return bool(r.status == 200)
    return False


def main() -> int:
    stack = DevStack(get_settings())
    try:
        return stack.run()
    except KeyboardInterrupt:
        return 130
    finally:
        stack.stop()
