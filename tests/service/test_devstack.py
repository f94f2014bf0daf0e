"""`make run`'s stack for real: embedded Temporal and PostgreSQL, worker and API as child processes.

Starts it on free ports with its own data directory, drives a nomination one step, stops it with
SIGINT (what Ctrl-C sends), checks that every child is gone, starts it again on the same data and
finishes the nomination: in-flight work survives a restart.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import psutil
import pytest

from tests.support import paths

ROOT = paths.ROOT


# A council's meeting: all nine members present and in favour, with the minutes' reference; the demo
# roster has five members, so the nine of the council's founding decision are declared with a reason.
UNANIMOUS = {
    "members": 9,
    "members_reason": "Quyết định thành lập Hội đồng: 9 thành viên",
    "present": 9,
    "votes_for": 9,
    "votes_against": 0,
    "minutes": "Biên bản số 01/BB-HĐTĐKT",
}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Stack:
    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.ports = {"api": free_port(), "temporal": free_port(), "ui": free_port()}
        self.proc: subprocess.Popen[str] | None = None
        self.lines: list[str] = []

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
        assert self.proc.stdout is not None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line and self.proc.poll() is not None:
                break
            self.lines.append(line)
            if "ready in" in line:
                return line
        raise AssertionError("stack did not become ready:\n" + "".join(self.lines[-30:]))

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
        s.proc.kill()


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
    assert any("'new_units': 0, 'new_users': 0" in line for line in stack.lines), "the second seed must change nothing"
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
