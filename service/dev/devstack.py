"""`make run`: embedded Temporal and PostgreSQL (unless pointed elsewhere), the database roles,
migrations and demo data (as the owner role), the worker and the API (as the service role).

Every part is supervised (service/dev/supervisor.py), PostgreSQL included: one that dies is started
again with a log line, after a pause that grows with each crash in a row; one that keeps dying right
after it starts stops the stack with a message naming its log. Ctrl-C stops them all. Data persists
under THIDUA_DATA_DIR."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import stat
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any

import psycopg
import structlog
from sqlalchemy import create_engine, text

from models.db.engine import sqlalchemy_url
from models.db.migrate import migrate
from models.db.roles import inspect, install_roles, prepare
from models.store.seed import seed
from service.core.settings import Settings, get_settings
from service.dev.supervisor import GiveUp, Part, Supervisor, describe_exit
from service.temporal.plan_startup import start_plans
from workflows.search_attributes import dev_server_flags


def log(msg: str) -> None:
    print(f"[thidua] {msg}", flush=True)


class Timeline:
    """When each phase on the way to "ready" ended and how long it took, in seconds since the start:
    a slow start says where its time went."""

    def __init__(self) -> None:
        import psutil  # a dependency of pgserver

        self.logger = structlog.get_logger("thidua.devstack")
        # From the start of the process, not of this object: the interpreter's start and the imports count too.
        self.started = time.monotonic() - (time.time() - psutil.Process().create_time())

    def since_start(self) -> float:
        return time.monotonic() - self.started

    @contextlib.contextmanager
    def phase(self, name: str, **details: Any) -> Iterator[dict[str, Any]]:
        """Times the block; what the block puts in the yielded dict is logged with it."""
        began = time.monotonic()
        yield details
        self.logger.info(
            "phase done", phase=name, took=round(time.monotonic() - began, 2), at=round(self.since_start(), 2), **details
        )


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


def _wait(what: str, ready: Callable[[], bool], timeout: float, part: Part | None = None) -> None:
    """While starting up, a part that exits stops the stack (its log says why)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if part is not None and part.proc is not None and part.proc.poll() is not None:
            raise SystemExit(f"{what} exited with {describe_exit(part.proc.returncode)}; see {part.log_path}")
        if ready():
            return
        time.sleep(0.1)
    raise SystemExit(f"{what} not ready after {timeout:.0f}s")


class EmbeddedPostgres:
    """PostgreSQL from the `pgserver` wheel, run in the foreground as a child of the dev stack (not
    daemonised through pg_ctl), so that the supervisor sees it die and starts it again."""

    def __init__(self, pgdata: Path) -> None:
        from pgserver._commands import POSTGRES_BIN_PATH

        self.pgdata = pgdata
        self.bin = POSTGRES_BIN_PATH
        # PostgreSQL refuses to run as root; pgserver uses a system user of its own then, and so do we.
        self.user = "pgserver" if hasattr(os, "geteuid") and os.geteuid() == 0 else None
        self.socket_dir: Path = pgdata

    def init(self) -> None:
        from pgserver import utils

        self.pgdata.mkdir(parents=True, exist_ok=True)
        if self.user:
            import pwd

            utils.ensure_user_exists(self.user)
            utils.ensure_prefix_permissions(self.pgdata)
            utils.ensure_prefix_permissions(self.bin)
            execute = stat.S_IXGRP | stat.S_IXOTH | stat.S_IRGRP | stat.S_IROTH
            utils.ensure_folder_permissions(self.bin, execute)
            utils.ensure_folder_permissions(self.bin.parent / "lib", stat.S_IRGRP | stat.S_IROTH)
            entry = pwd.getpwnam(self.user)
            os.chown(self.pgdata, entry.pw_uid, entry.pw_gid)
        if not (self.pgdata / "PG_VERSION").exists():
            subprocess.run(
                [str(self.bin / "initdb"), "-D", str(self.pgdata), "--auth=trust", "--auth-local=trust",
                 "--encoding=utf8", "-U", "postgres"],
                check=True, capture_output=True, user=self.user,
            )  # fmt: skip
        self.socket_dir = utils.find_suitable_socket_dir(self.pgdata, Path(tempfile.gettempdir()) / "thidua-pg")
        if self.user and self.socket_dir != self.pgdata:
            self.socket_dir.chmod(0o777)
        self.stop_leftover()

    def _postmaster(self) -> Any:
        """The PostgreSQL server running on this data directory, if any (from postmaster.pid): a psutil.Process."""
        import psutil  # a dependency of pgserver

        try:
            pid = int((self.pgdata / "postmaster.pid").read_text().splitlines()[0])
            proc = psutil.Process(pid)
            if proc.status() != psutil.STATUS_ZOMBIE and "postgres" in proc.name():
                return proc
        except (FileNotFoundError, IndexError, ValueError, psutil.Error):
            pass
        return None

    def stop_leftover(self) -> None:
        """A server left running on this data directory (a stack killed hard, or started by pgserver)."""
        import psutil

        proc = self._postmaster()
        if proc is not None:
            log(f"stopping a PostgreSQL server left running on {self.pgdata} (pid {proc.pid})")
            proc.send_signal(signal.SIGINT)  # fast shutdown
            with contextlib.suppress(psutil.Error):
                proc.wait(timeout=30)

    def before_start(self) -> None:
        """Before every start: a postmaster.pid naming a process that is not this server's is stale (a
        crash); and under root the server's own user must still reach its directory (a tool such as
        pytest may have tightened a parent directory's mode since)."""
        if self._postmaster() is None:
            (self.pgdata / "postmaster.pid").unlink(missing_ok=True)
        if self.user:
            from pgserver import utils

            utils.ensure_prefix_permissions(self.pgdata)

    def command(self) -> list[str]:
        return [str(self.bin / "postgres"), "-D", str(self.pgdata), "-k", str(self.socket_dir),
                "-c", "listen_addresses=", "-p", "5432"]  # fmt: skip

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres:@/{database}?host={self.socket_dir}"

    def ready(self) -> bool:
        if not (self.socket_dir / ".s.PGSQL.5432").exists():
            return False
        try:
            with psycopg.connect(self.url(), connect_timeout=2):
                return True
        except psycopg.Error:
            return False


class DevStack:
    def __init__(self, settings: Settings, supervisor: Supervisor | None = None) -> None:
        self.settings = settings
        self.data_dir = settings.data_dir.resolve()
        self.supervisor = supervisor or Supervisor(log)
        self.timeline = Timeline()
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
            # The workflows set them: a server without them refuses to start a nomination.
            *dev_server_flags(),
        ]  # fmt: skip
        part = self.supervisor.start(Part("temporal", cmd, self.data_dir / "temporal.log", stop_signal=signal.SIGTERM))
        with self.timeline.phase("temporal_up"):
            _wait("Temporal dev server", lambda: _port_open("127.0.0.1", port), 60, part)
        return f"127.0.0.1:{port}"

    def start_postgres(self) -> tuple[str, str]:
        """The database, migrated and seeded as the owner role; returns (owner URL, service URL)."""
        roles = self.settings.db_roles
        if self.settings.database_url:
            log("using the PostgreSQL database from DATABASE_URL")
            owner_url = self.settings.migration_url() or self.settings.database_url
            if inspect(owner_url).superuser:
                install_roles(owner_url, roles)
            migrate(owner_url, roles)
            return owner_url, self.settings.database_url
        pg = EmbeddedPostgres(self.data_dir / "pg")
        with self.timeline.phase("postgres_init"):
            pg.init()
        part = self.supervisor.start(
            Part("postgres", pg.command(), self.data_dir / "postgres.log", user=pg.user, before_start=pg.before_start)
        )
        with self.timeline.phase("postgres_up"):
            _wait("PostgreSQL", pg.ready, 60, part)
        with self.timeline.phase("database"):
            engine = create_engine(sqlalchemy_url(pg.url()), isolation_level="AUTOCOMMIT")
            with engine.connect() as conn:
                if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = 'thidua'")).first():
                    conn.execute(text("CREATE DATABASE thidua"))
            engine.dispose()
        # As in production: the roles (deploy/sql/roles.sql), then the migrations as the owner role.
        with self.timeline.phase("roles_and_migrations"):
            return prepare(pg.url("thidua"), roles)

    def spawn(self, name: str, args: list[str]) -> Part:
        return self.supervisor.start(Part(name, args, self.data_dir / f"{name}.log", env=self.env))

    def stop(self) -> None:
        # Reverse order: API and worker first, then PostgreSQL, then Temporal.
        self.supervisor.stop_all()
        log("stopped")

    def run(self) -> int:
        started = time.monotonic()
        self.timeline.logger.info("phase done", phase="imports", at=round(self.timeline.since_start(), 2))
        self.data_dir.mkdir(parents=True, exist_ok=True)
        temporal = self.start_temporal()
        owner_url, service_url = self.start_postgres()
        self.env.update({"TEMPORAL_ADDRESS": temporal, "DATABASE_URL": service_url, "THIDUA_ENV": self.settings.env})
        with self.timeline.phase("seed"):
            counts = seed(owner_url, self.settings.deploy_dir, demo=self.settings.is_dev)
        log(f"database migrated; seed: {counts}")
        python = sys.executable
        # The worker and the API boot (a few seconds of imports each) while the plans are started.
        self.spawn("worker", [python, "-m", "service.cli", "worker"])
        api = self.spawn(
            "api",
            [
                python, "-m", "uvicorn", "service.app:create_app", "--factory",
                "--host", self.settings.api_host, "--port", str(self.settings.api_port), "--no-access-log",
            ],
        )  # fmt: skip
        # Plans run as workflows from their business key; a running one is left as it is.
        with self.timeline.phase("plans"):
            plans = start_plans(self.settings, temporal, service_url)
        log(f"plan workflows: {plans}")
        base = f"http://{self.settings.api_host}:{self.settings.api_port}"
        with self.timeline.phase("api_ready"):
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
        """Until Ctrl-C (or SIGTERM): restart what dies; give up when a part keeps dying as it starts."""
        stopping = False

        def _on_signal(signum: int, frame: FrameType | None) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, _on_signal)
        signal.signal(signal.SIGTERM, _on_signal)
        while not stopping:
            try:
                self.supervisor.check()
            except GiveUp as exc:
                log(str(exc))
                return 1
            time.sleep(0.2)
        return 0


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
