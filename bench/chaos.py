"""Chaos: nominations driven through the whole route while the worker, the API, Temporal and
PostgreSQL are killed (kill -9) in turn.

It starts its own dev stack (`thidua run`, which supervises and restarts each part) in a temporary
data directory on its own ports, so it never touches `make run`'s data:

    .venv/bin/python bench/chaos.py --nominations 100 --concurrency 10 --kill-every 8

Each nomination goes school clerk → school council → commune council → Home Affairs appraisal →
provincial council → provincial chairperson (BANG_KHEN_TINH). Clients retry as a person would:
after a connection error, a 5xx or a 202 they read the nomination again and act only if the step is
still theirs; a create is retried with the same Idempotency-Key. Prints one JSON line: awarded,
stuck, duplicated rows, acknowledged actions missing from the history, client 5xx, and the kills.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import psutil

ROOT = Path(__file__).resolve().parent.parent
ROUTE_USERS = ["council.school", "council.commune", "appraiser.home", "council.province", "chair.province"]
# Which process each target is, by its command line (the dev stack's children).
# The dev stack starts the API and the worker through service.dev.prestart (imported while
# PostgreSQL starts); a part restarted by the supervisor may run as `thidua api|worker` directly.
TARGETS = {
    "worker": lambda cmd: ("service.cli" in cmd or "service.dev.prestart" in cmd) and cmd.split()[-1] == "worker",
    "api": lambda cmd: (
        ("uvicorn" in cmd and "service.app:create_app" in cmd)
        or ("service.dev.prestart" in cmd and cmd.split()[-1] == "api")
    ),
    "temporal": lambda cmd: "server" in cmd and "start-dev" in cmd,
    "postgresql": lambda cmd: cmd.split(" ", 1)[0].endswith("postgres") and " -D " in f" {cmd} ",
}


class StackStopped(Exception):
    """The dev stack is gone: the bench reports it instead of results."""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Stack:
    """`thidua run` in a temporary data directory, on free ports."""

    def __init__(self, data_dir: Path) -> None:
        self.api_port, self.temporal_port, self.ui_port = free_port(), free_port(), free_port()
        self.env = {
            **os.environ,
            "THIDUA_ENV": "dev",
            "THIDUA_DATA_DIR": str(data_dir),
            "THIDUA_API_PORT": str(self.api_port),
            "THIDUA_TEMPORAL_PORT": str(self.temporal_port),
            "THIDUA_TEMPORAL_UI_PORT": str(self.ui_port),
            # Many clients sign in from one address.
            "THIDUA_LOGIN_LIMIT_ADDRESS": "10000/minute",
        }
        self.env.pop("DATABASE_URL", None)
        self.env.pop("TEMPORAL_ADDRESS", None)
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = data_dir / "chaos-stack.log"

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.api_port}"

    def start(self, timeout: float = 180) -> None:
        log = open(self.log, "ab")  # the child keeps it open; closed when the stack stops
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "service.cli", "run"], cwd=ROOT, env=self.env, stdout=log, stderr=log,
            start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.base}/readyz", timeout=2).status_code == 200:
                    return
            if self.proc.poll() is not None:
                raise SystemExit(f"the dev stack exited: see {self.log}")
            time.sleep(0.5)
        raise SystemExit(f"the dev stack did not become ready in {timeout:.0f} s: see {self.log}")

    def check_running(self) -> None:
        """Stop the bench with the reason when the dev stack itself has stopped (its supervisor gives
        up on a part that keeps dying right after each start), instead of waiting for it."""
        assert self.proc is not None
        if self.proc.poll() is not None:
            raise StackStopped(f"the dev stack stopped (exit {self.proc.returncode}): see {self.log}")

    def children(self) -> list[psutil.Process]:
        assert self.proc is not None
        try:
            return psutil.Process(self.proc.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []

    def kill(self, target: str) -> bool:
        """kill -9 the oldest process of the target (the postmaster for PostgreSQL)."""
        matches = []
        for p in self.children():
            with contextlib.suppress(psutil.Error):
                if TARGETS[target](" ".join(p.cmdline())):
                    matches.append(p)
        if not matches:
            return False
        victim = min(matches, key=lambda p: p.create_time())
        with contextlib.suppress(psutil.Error):
            victim.kill()
        return True

    def stop(self) -> None:
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGINT)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)


class Client:
    """An HTTP client that retries as a person would, counting what it sees."""

    def __init__(self, base: str, concurrency: int) -> None:
        limits = httpx.Limits(max_connections=concurrency * 2, max_keepalive_connections=concurrency * 2)
        self.http = httpx.AsyncClient(base_url=base, timeout=30, limits=limits)
        self.tokens: dict[str, str] = {}
        self.server_errors = 0
        self.by_status: dict[int, int] = {}
        self.connection_errors = 0
        self.accepted_202 = 0

    async def request(self, method: str, url: str, user: str | None = None, **kw: Any) -> httpx.Response | None:
        headers = dict(kw.pop("headers", {}))
        if user is not None:
            headers["Authorization"] = f"Bearer {await self.token(user)}"
        try:
            r = await self.http.request(method, url, headers=headers, **kw)
        except httpx.HTTPError:
            self.connection_errors += 1
            return None
        if r.status_code >= 500:
            # 503 (a dependency down, with Retry-After) is the designed answer; a 500 would be a bug.
            self.server_errors += 1
            self.by_status[r.status_code] = self.by_status.get(r.status_code, 0) + 1
            return None
        if r.status_code == 202:
            self.accepted_202 += 1
        if r.status_code == 401 and user is not None:
            self.tokens.pop(user, None)
        return r

    async def token(self, user: str) -> str:
        while user not in self.tokens:
            r = await self.request("POST", "/api/v1/auth/token", data={"username": user, "password": "demo"})
            if r is not None and r.status_code == 200:
                self.tokens[user] = r.json()["access_token"]
            else:
                await asyncio.sleep(1)
        return self.tokens[user]


async def drive(client: Client, n: int, unit_id: int, acknowledged: list[tuple[str, str]], deadline: float) -> str:
    """One nomination through the route; returns its final status (or "stuck")."""
    key = str(uuid.uuid4())
    payload = {
        "award_form": "BANG_KHEN_TINH",
        "proposing_unit_id": unit_id,
        "nominee": {"kind": "individual", "name": f"Chaos Nguyễn Văn {n}"},
        "period": {"kind": "annual", "year": 2026},
        "achievements": "Hoàn thành xuất sắc nhiệm vụ năm học",
        "criteria": [{"text": "Công dân học tập", "met": True}],
    }
    nid = None
    while nid is None:
        if time.monotonic() > deadline:
            return "stuck"
        r = await client.request("POST", "/api/v1/nominations", "clerk.school", json=payload,
                                 headers={"Idempotency-Key": key})  # fmt: skip
        if r is not None and r.status_code == 201:
            nid = r.json()["id"]
        else:
            await asyncio.sleep(1)
    for user in ROUTE_USERS:
        done = False
        while not done:
            if time.monotonic() > deadline:
                return "stuck"
            r = await client.request("GET", "/api/v1/tasks", user, params={"limit": 200})
            task = None
            if r is not None and r.status_code == 200:
                task = next((t for t in r.json()["items"] if t["nomination_id"] == nid), None)
            if task is None:
                # Not (yet, or any more) this user's: did the step already move on?
                d = await client.request("GET", f"/api/v1/nominations/{nid}", "clerk.school")
                if d is not None and d.status_code == 200:
                    step_users = [s for s in d.json()["route"] if s["key"] == d.json()["current_step"]]
                    moved_on = d.json()["status"] == "awarded" or (
                        step_users and step_users[0]["index"] > ROUTE_USERS.index(user)
                    )
                    if moved_on:
                        done = True
                        continue
                await asyncio.sleep(0.5)
                continue
            if task["decided_by_ballot"]:
                members = task["council_members"]
                r = await client.request(
                    "POST", f"/api/v1/nominations/{nid}/tally", user,
                    json={"present": members, "votes_for": members, "votes_against": 0,
                          "minutes": f"Biên bản số {n}/BB-HĐTĐKT"},
                )  # fmt: skip
            else:
                r = await client.request(
                    "POST", f"/api/v1/tasks/{task['id']}/complete", user, json={"outcome": "approve"}
                )
            if r is not None and r.status_code == 200:
                acknowledged.append((nid, task["step"]))
                done = True
            else:
                await asyncio.sleep(0.5)  # a 202, a refusal after a race, or an outage: look again
    for _ in range(120):
        d = await client.request("GET", f"/api/v1/nominations/{nid}", "clerk.school")
        if d is not None and d.status_code == 200 and d.json()["status"] == "awarded":
            return "awarded"
        await asyncio.sleep(0.5)
    return "stuck"


async def watch(stack: Stack) -> None:
    """Ends (StackStopped) when the dev stack has stopped, so that no nomination waits for it."""
    while True:
        stack.check_running()
        await asyncio.sleep(1)


async def killer(stack: Stack, every: float, stop: asyncio.Event, kills: list[str]) -> None:
    order = ["worker", "api", "temporal", "postgresql"]
    i = 0
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=every)
            return
        target = order[i % len(order)]
        if stack.kill(target):
            kills.append(target)
        i += 1


async def audit_of(client: Client, nid: str) -> list[dict[str, Any]]:
    for _ in range(60):
        r = await client.request("GET", f"/api/v1/nominations/{nid}/history", "admin")
        if r is not None and r.status_code == 200:
            return list(r.json()["items"])
        await asyncio.sleep(1)
    return []


async def run(args: argparse.Namespace) -> dict[str, Any]:
    data_dir = Path(tempfile.mkdtemp(prefix="thidua-chaos-"))
    stack = Stack(data_dir)
    stack.start()
    client = Client(stack.base, args.concurrency)
    kills: list[str] = []
    acknowledged: list[tuple[str, str]] = []
    stop = asyncio.Event()
    t0 = time.perf_counter()
    try:
        me = None
        while me is None:
            stack.check_running()
            r = await client.request("GET", "/api/v1/me", "clerk.school")
            me = r.json() if r is not None and r.status_code == 200 else None
        deadline = time.monotonic() + args.timeout
        chaos = asyncio.create_task(killer(stack, args.kill_every, stop, kills))
        sem = asyncio.Semaphore(args.concurrency)

        async def one(n: int) -> str:
            async with sem:
                return await drive(client, n, me["unit"]["id"], acknowledged, deadline)

        work = asyncio.ensure_future(asyncio.gather(*(one(n) for n in range(args.nominations))))
        guard = asyncio.create_task(watch(stack))
        await asyncio.wait({work, guard}, return_when=asyncio.FIRST_COMPLETED)
        if guard.done():
            work.cancel()
            stop.set()
            with contextlib.suppress(asyncio.CancelledError):
                await work
            guard.result()  # raises: the stack stopped
        guard.cancel()
        outcomes = work.result()
        stop.set()
        await chaos
        # Wait for every part to be back before reading the results.
        for _ in range(120):
            stack.check_running()
            r = await client.request("GET", "/readyz")
            if r is not None and r.status_code == 200:
                break
            await asyncio.sleep(1)
        else:
            raise StackStopped(f"the dev stack did not come back within 120 s: see {stack.log}")
        r = await client.request("GET", "/api/v1/nominations", "admin", params={"q": "chaos", "limit": 200})
        rows = r.json()["items"] if r is not None and r.status_code == 200 else []
        names = [row["nominee"]["name"] for row in rows]
        duplicated = len(names) - len(set(names))
        missing = 0
        by_nomination: dict[str, set[str]] = {}
        for nid, step in acknowledged:
            by_nomination.setdefault(nid, set()).add(step)
        for nid, steps in by_nomination.items():
            recorded = {item["step"] for item in await audit_of(client, nid) if item["source"] == "audit"}
            missing += len(steps - recorded)
        return {
            "nominations": args.nominations,
            "awarded": outcomes.count("awarded"),
            "stuck": outcomes.count("stuck"),
            "rows": len(rows),
            "duplicated_rows": duplicated,
            "acknowledged_actions": len(acknowledged),
            "acknowledged_missing_from_history": missing,
            "client_5xx": client.server_errors,
            "client_5xx_by_status": {str(k): v for k, v in sorted(client.by_status.items())},
            "client_connection_errors": client.connection_errors,
            "answers_202": client.accepted_202,
            "kills": {t: kills.count(t) for t in TARGETS},
            "seconds": round(time.perf_counter() - t0, 1),
        }
    finally:
        await client.http.aclose()
        stack.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nominations", type=int, default=100)
    ap.add_argument("--concurrency", type=int, default=10)
    ap.add_argument("--kill-every", type=float, default=8.0, help="seconds between two kills")
    ap.add_argument("--timeout", type=float, default=900.0, help="give up on a nomination after this many seconds")
    try:
        print(json.dumps(asyncio.run(run(ap.parse_args()))))
    except StackStopped as stopped:
        raise SystemExit(str(stopped)) from None


if __name__ == "__main__":
    main()
