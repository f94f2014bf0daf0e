"""`make run`'s stack for real: embedded Temporal and PostgreSQL, worker and API as child processes.

Starts it on free ports with its own data directory, drives a nomination one step, stops it with
SIGINT (what Ctrl-C sends), checks that every child is gone, starts it again on the same data and
finishes the nomination: in-flight work survives a restart. The start's order is read from its log, not
timed: the API and the worker are started before PostgreSQL is up, "ready" comes after the worker polls,
the plans start after it, and a warm start skips the migrations and the seed. Then the supervision: a worker and a
PostgreSQL server killed with SIGKILL are started again and the API is ready again; and, on fake
parts, the growing pause between restarts and the stack giving up on a part that keeps crashing.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from service.dev.supervisor import GiveUp, Part, Supervisor
from tests.support import paths
from tests.support.api import UNANIMOUS
from tests.support.helpers import free_port

ROOT = paths.ROOT


class Stack:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.ports = {"api": free_port(), "temporal": free_port(), "ui": free_port()}
        self.proc: subprocess.Popen[str] | None = None
        self.lines: list[str] = []
        self._new_line = threading.Condition()
        self._ended: set[int] = set()  # stacks whose output has ended

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.ports['api']}"

    def start(self) -> str:
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "TEMPORAL_ADDRESS")} | {
            "THIDUA_ENV": "dev",
            "THIDUA_DATA_DIR": str(self.data_dir),
            "THIDUA_API_PORT": str(self.ports["api"]),
            "THIDUA_TEMPORAL_PORT": str(self.ports["temporal"]),
            "THIDUA_TEMPORAL_UI_PORT": str(self.ports["ui"]),
        }
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "service.cli", "run"], cwd=ROOT, env=env, text=True,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        )  # fmt: skip
        threading.Thread(target=self._read, args=(self.proc,), daemon=True).start()
        return self.wait_line("ready in", 120)

    def _read(self, proc: subprocess.Popen[str]) -> None:
        """Collect the stack's output as it comes (so that it never blocks on a full pipe)."""
        assert proc.stdout is not None
        for line in proc.stdout:
            with self._new_line:
                self.lines.append(line)
                self._new_line.notify_all()
        with self._new_line:
            self._ended.add(proc.pid)
            self._new_line.notify_all()

    def wait_line(self, text: str, timeout: float, after: int = 0) -> str:
        """The first line from index `after` on that contains `text`, waiting for it up to `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._new_line:
            while True:
                found = next((line for line in self.lines[after:] if text in line), None)
                if found is not None:
                    return found
                left = deadline - time.monotonic()
                if left <= 0 or (self.proc is not None and self.proc.pid in self._ended):
                    raise AssertionError(f"no line with {text!r}:\n" + "".join(self.lines[-30:]))
                self._new_line.wait(min(left, 0.5))

    def index(self, text: str) -> int:
        """Where the first line containing `text` is in the output so far."""
        return next(i for i, line in enumerate(self.lines) if text in line)

    def worker_command(self) -> str:
        """What the worker's command line contains (started early by service/dev/prestart.py)."""
        return f"service.dev.prestart {self.data_dir / 'go'} worker"

    def child(self, matches: str) -> psutil.Process:
        """The stack's direct child whose command line contains `matches`."""
        assert self.proc is not None
        for p in psutil.Process(self.proc.pid).children():
            try:
                command = " ".join(p.cmdline())
            except (psutil.ZombieProcess, psutil.NoSuchProcess):
                continue  # a child that exited and is not reaped yet (a killed part, a finished command)
            if matches in command:
                return p
        raise AssertionError(f"no child process running {matches!r}")

    def stop(self) -> int:
        assert self.proc is not None
        children = psutil.Process(self.proc.pid).children(recursive=True)
        self.proc.send_signal(signal.SIGINT)
        code = self.proc.wait(timeout=60)
        _, alive = psutil.wait_procs(children, timeout=20)
        assert not alive, f"still running after Ctrl-C: {[p.pid for p in alive]}"
        # PostgreSQL runs detached from the stack (pg_ctl): it must be stopped too.
        leftovers = [
            p.pid for p in psutil.process_iter(["cmdline"]) if str(self.data_dir) in " ".join(p.info["cmdline"] or [])
        ]
        assert not leftovers, f"processes still using the data directory: {leftovers}"
        return code


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[Stack]:
    s = Stack(tmp_path / "data")
    yield s
    if s.proc is not None and s.proc.poll() is None:
        # A failed test: stop the stack as Ctrl-C does, so that its children do not outlive it.
        children = psutil.Process(s.proc.pid).children(recursive=True)
        s.proc.send_signal(signal.SIGINT)
        try:
            s.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            s.proc.kill()
        for child in psutil.wait_procs(children, timeout=10)[1]:
            child.kill()


def login(client: httpx.Client, username: str) -> dict[str, str]:
    r = client.post("/api/v1/auth/token", data={"username": username, "password": "demo"})
    r.raise_for_status()
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def wait_task(client: httpx.Client, headers: dict[str, str], nomination_id: str) -> str:
    for _ in range(200):
        items = client.get("/api/v1/tasks", headers=headers).json()["items"]
        found = [t["id"] for t in items if t["nomination_id"] == nomination_id]
        if found:
            return str(found[0])
        time.sleep(0.05)
    raise AssertionError("task not found")


def test_run_stops_cleanly_and_resumes_in_flight_nominations(stack: Stack) -> None:
    ready = stack.start()
    assert f"{stack.base}/docs" in ready and f"http://127.0.0.1:{stack.ports['ui']}" in ready
    # Started in parallel: the API and the worker import while PostgreSQL starts and is migrated.
    assert stack.index("phase=started_temporal_api_worker") < stack.index("phase=postgres_up")
    assert stack.index("phase=migrations") < stack.index("phase=worker_polling") < stack.index("ready in")
    assert "applied=True" in stack.lines[stack.index("phase=migrations")]
    # The plans after "ready", in the background; they do start.
    assert "exit=0" in stack.wait_line("phase=plans", 90)
    assert stack.index("ready in") < stack.index("phase=plans")
    with httpx.Client(base_url=stack.base, timeout=30) as client:
        clerk = login(client, "clerk.school")
        unit = client.get("/api/v1/me", headers=clerk).json()["unit"]["id"]
        r = client.post(
            "/api/v1/nominations",
            headers={**clerk, "Idempotency-Key": str(uuid.uuid4())},
            json={"award_form": "GIAY_KHEN_XA", "proposing_unit_id": unit,
                  "nominee": {"kind": "individual", "name": "Phan Văn Bền"},
                  "period": {"kind": "annual", "year": 2026}, "achievements": "Tự học suốt đời"},
        )  # fmt: skip
        assert r.status_code == 201, r.text
        nid = r.json()["id"]
        school = login(client, "council.school")
        wait_task(client, school, nid)
        assert client.post(f"/api/v1/nominations/{nid}/tally", headers=school, json=UNANIMOUS).status_code == 200
    assert stack.stop() == 0
    assert (stack.data_dir / "temporal.db").exists() and (stack.data_dir / "pg" / "PG_VERSION").exists()

    stack.lines.clear()
    stack.start()
    # Nothing changed since the first start: neither Alembic nor the seed runs again.
    assert "skipped=" in stack.lines[stack.index("phase=migrations")]
    assert "skipped=" in stack.lines[stack.index("phase=seed")]
    with httpx.Client(base_url=stack.base, timeout=30) as client:
        council = login(client, "council.commune")
        wait_task(client, council, nid)
        r = client.post(f"/api/v1/nominations/{nid}/tally", headers=council, json=UNANIMOUS)
        assert r.status_code == 200, r.text
        chair = login(client, "chair.commune")
        r = client.post(
            f"/api/v1/tasks/{wait_task(client, chair, nid)}/complete", headers=chair, json={"outcome": "approve"}
        )
        assert r.status_code == 200, r.text
        assert r.json()["nomination"]["status"] == "awarded"
    assert stack.stop() == 0


def wait_ready(client: httpx.Client, within: float) -> float:
    """Seconds until /readyz answers 200 (PostgreSQL and Temporal reachable)."""
    started = time.monotonic()
    while time.monotonic() - started < within:
        try:
            if client.get("/readyz", timeout=3).status_code == 200:
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise AssertionError(f"/readyz not 200 within {within:.0f}s")


def test_run_restarts_a_killed_worker_and_a_killed_database(stack: Stack) -> None:
    stack.start()
    with httpx.Client(base_url=stack.base, timeout=30) as client:
        assert client.get("/readyz").status_code == 200

        worker = stack.child(stack.worker_command())
        mark = len(stack.lines)
        worker.kill()  # SIGKILL: no chance to clean up
        assert "SIGKILL" in stack.wait_line("worker exited", 15, after=mark)
        stack.wait_line("restarted worker", 30, after=mark)
        assert stack.child(stack.worker_command()).pid != worker.pid

        postgres = stack.child(str(stack.data_dir / "pg"))
        mark = len(stack.lines)
        postgres.kill()
        assert "SIGKILL" in stack.wait_line("postgres exited", 15, after=mark)
        stack.wait_line("restarted postgres", 60, after=mark)
        wait_ready(client, 60)
        assert stack.child(str(stack.data_dir / "pg")).pid != postgres.pid

        # Not only ready: a nomination goes in, and the restarted worker projects its first task.
        clerk = login(client, "clerk.school")
        unit = client.get("/api/v1/me", headers=clerk).json()["unit"]["id"]
        r = client.post(
            "/api/v1/nominations",
            headers={**clerk, "Idempotency-Key": str(uuid.uuid4())},
            json={"award_form": "GIAY_KHEN_XA", "proposing_unit_id": unit,
                  "nominee": {"kind": "individual", "name": "Lý Văn Bền"},
                  "period": {"kind": "annual", "year": 2026}, "achievements": "Tự học suốt đời"},
        )  # fmt: skip
        assert r.status_code == 201, r.text
        wait_task(client, login(client, "council.school"), r.json()["id"])
    assert stack.stop() == 0


# ---- the supervisor on fake parts ------------------------------------------------------------------


def _part(tmp_path: Path, name: str, code: str) -> Part:
    return Part(name, [sys.executable, "-c", code], tmp_path / f"{name}.log")


def _until(supervisor: Supervisor, done: object, within: float = 20.0) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        supervisor.check()
        if callable(done) and done():
            return
        time.sleep(0.02)
    raise AssertionError("condition not reached")


def test_a_dead_part_is_restarted_after_a_pause_that_doubles(tmp_path: Path) -> None:
    lines: list[str] = []
    supervisor = Supervisor(lines.append, quick_seconds=30, max_quick_crashes=10, first_pause=0.1, max_pause=0.4)
    part = supervisor.start(_part(tmp_path, "sleeper", "import time; time.sleep(60)"))
    try:
        pauses = []
        for restart in range(1, 5):
            pid = part.pid
            os.kill(pid or 0, signal.SIGKILL)
            _until(supervisor, lambda r=restart: part.restarts == r and part.proc is not None)  # type: ignore[misc]
            assert part.pid != pid
            exited = next(line for line in reversed(lines) if line.startswith("sleeper exited"))
            pauses.append(float(exited.split("restarting in ")[1].split("s")[0]))
        assert pauses == [0.1, 0.2, 0.4, 0.4]
        assert "restarted sleeper" in lines[-1] and "SIGKILL" in lines[-2]
    finally:
        supervisor.stop_all(timeout=5)
    assert part.proc is not None and part.proc.poll() is not None


# A part that stops on its second SIGINT only: the first is lost, as a Python part's can be when it
# comes while the interpreter is still starting.
DEAF_ONCE = (
    "import signal, sys, time\n"
    "seen = []\n"
    "signal.signal(signal.SIGINT, lambda *a: sys.exit(0) if seen else seen.append(1))\n"
    "print('listening', flush=True)\n"
    "time.sleep(60)\n"
)


def test_a_part_just_started_that_missed_its_stop_signal_is_sent_it_again(tmp_path: Path) -> None:
    lines: list[str] = []
    supervisor = Supervisor(lines.append)
    part = supervisor.start(_part(tmp_path, "deaf", DEAF_ONCE))
    _until(supervisor, lambda: "listening" in (tmp_path / "deaf.log").read_text())
    started = time.monotonic()
    supervisor.stop_all(timeout=5)
    assert part.proc is not None and part.proc.returncode == 0, "stopped by the second signal, not killed"
    assert time.monotonic() - started < 4
    assert not any("killing" in line for line in lines)


def test_a_part_that_has_run_a_while_is_sent_one_stop_signal(tmp_path: Path) -> None:
    # The API server takes a second SIGINT as "stop now": a part past its start gets one, then is killed
    # if it has not stopped in time.
    lines: list[str] = []
    now = [1_000.0]
    supervisor = Supervisor(lines.append, clock=lambda: now[0])
    part = supervisor.start(_part(tmp_path, "deaf", DEAF_ONCE))
    _until(supervisor, lambda: "listening" in (tmp_path / "deaf.log").read_text())
    now[0] += 60
    supervisor.stop_all(timeout=1.5)
    assert part.proc is not None and part.proc.returncode == -signal.SIGKILL
    assert lines[-1] == "deaf did not stop in time; killing it"


def test_a_part_that_keeps_crashing_as_it_starts_makes_the_stack_give_up(tmp_path: Path) -> None:
    lines: list[str] = []
    supervisor = Supervisor(lines.append, quick_seconds=30, max_quick_crashes=3, first_pause=0.05, max_pause=0.1)
    steady = supervisor.start(_part(tmp_path, "steady", "import time; time.sleep(60)"))
    supervisor.start(_part(tmp_path, "broken", "import sys; print('no config'); sys.exit(3)"))
    try:
        with pytest.raises(GiveUp) as gave_up:
            _until(supervisor, lambda: False)
    finally:
        supervisor.stop_all(timeout=5)
    message = str(gave_up.value)
    assert "broken exited 3 times in a row" in message and "code 3" in message
    assert str(tmp_path / "broken.log") in message
    assert (tmp_path / "broken.log").read_text().count("no config") == 3
    assert [line.split(" (")[0] for line in lines] == ["broken exited", "restarted broken"] * 2
    assert steady.proc is not None and steady.proc.poll() is not None  # stopped with the others


def test_a_part_that_ran_a_while_starts_counting_again(tmp_path: Path) -> None:
    now = [0.0]
    supervisor = Supervisor(
        lambda _: None, quick_seconds=10, max_quick_crashes=2, first_pause=0.0, clock=lambda: now[0]
    )
    part = supervisor.start(_part(tmp_path, "flaky", "import sys; sys.exit(1)"))
    try:
        for _ in range(5):  # each run lasts 11 "seconds": never two quick crashes in a row
            assert part.proc is not None
            part.proc.wait(10)
            now[0] += 11
            supervisor.check()  # notices the exit
            supervisor.check()  # restarts it
            assert part.quick_crashes == 1
        assert part.restarts == 5
    finally:
        supervisor.stop_all(timeout=5)


def test_parts_of_a_higher_tier_stop_first(tmp_path: Path) -> None:
    """The API and the worker (tier 1) stop before PostgreSQL and Temporal (tier 0), though started between."""
    stopped = tmp_path / "stopped"
    code = (
        "import signal, sys, time, pathlib; name = sys.argv[1]\n"
        "def stop(*_):\n"
        f"    with open({str(stopped)!r}, 'a') as f: f.write(name + '\\n')\n"
        "    sys.exit(0)\n"
        "signal.signal(signal.SIGINT, stop)\n"
        f"pathlib.Path({str(tmp_path)!r}, name + '.up').touch()\n"
        "time.sleep(60)\n"
    )
    supervisor = Supervisor(lambda _: None)
    for name, tier in (("temporal", 0), ("worker", 1), ("api", 1), ("postgres", 0)):
        supervisor.start(Part(name, [sys.executable, "-c", code, name], tmp_path / f"{name}.log", tier=tier))
    _until(supervisor, lambda: all((tmp_path / f"{n}.up").exists() for n in ("temporal", "worker", "api", "postgres")))
    supervisor.stop_all(timeout=10)
    assert stopped.read_text().split() == ["api", "worker", "postgres", "temporal"]
