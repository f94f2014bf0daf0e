"""Nominations per second through the whole BANG_KHEN_TINH route, driven over HTTP as the demo users.

Start the service first (`make run`), then:

    .venv/bin/python bench/http_route.py --nominations 200 --concurrency 20

With `--baseline PATH` (the bare Temporal baseline script) it alternates its own run and the
baseline's on the same Temporal server (`--temporal`, make run's by default), `--rounds` times each
(A B A B ...), and prints both figures and their ratio, each run's and the median's: the service's
nominations per second over bare chains per second of the same shape (5 Updates per chain).

Each nomination: the school clerk creates it, then the school council, the commune council, the
Home Affairs appraiser, the provincial council and the provincial chairperson act on it in turn (a
council's secretary records its meeting's tally on the dossier; the others approve the task the
previous answer named). Prints one JSON line with the throughput and latencies.

The load is sent with aiohttp, not httpx: both run on the same two cores as the service, and
httpx spent about three times the CPU per request, which the service's figure paid for.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import time
import uuid

import aiohttp

ROUTE_USERS = ["council.school", "council.commune", "appraiser.home", "council.province", "chair.province"]


async def token(client: aiohttp.ClientSession, username: str) -> str:
    async with client.post("/api/v1/auth/token", data={"username": username, "password": "demo"}) as r:
        r.raise_for_status()
        return str((await r.json())["access_token"])


async def call(client: aiohttp.ClientSession, method: str, path: str, **kw: object) -> tuple[int, dict]:
    async with client.request(method, path, **kw) as r:  # type: ignore[arg-type]
        return r.status, await r.json(content_type=None)


async def route(a: argparse.Namespace) -> dict[str, float]:
    connector = aiohttp.TCPConnector(limit=a.concurrency * 2)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(base_url=a.base, connector=connector, timeout=timeout) as client:
        headers = {u: {"Authorization": f"Bearer {await token(client, u)}"} for u in ["clerk.school", *ROUTE_USERS]}
        _, me = await call(client, "GET", "/api/v1/me", headers=headers["clerk.school"])
        unit_id = me["unit"]["id"]
        durations: list[float] = []
        requests = 0
        sizes: dict[str, int] = {}

        async def council_size(user: str) -> int:
            """The council's roster, read once per secretary from a task in their inbox."""
            nonlocal requests
            while user not in sizes:
                _, inbox = await call(client, "GET", "/api/v1/tasks", headers=headers[user], params={"limit": 1})
                requests += 1
                items = inbox["items"]
                if items:
                    sizes[user] = int(items[0]["council_members"])
                else:
                    await asyncio.sleep(0.05)
            return sizes[user]

        async def one(sem: asyncio.Semaphore, n: int) -> None:
            nonlocal requests
            async with sem:
                t = time.perf_counter()
                code, body = await call(
                    client,
                    "POST",
                    "/api/v1/nominations",
                    headers={**headers["clerk.school"], "Idempotency-Key": str(uuid.uuid4())},
                    json={
                        "award_form": "BANG_KHEN_TINH",
                        "proposing_unit_id": unit_id,
                        "nominee": {"kind": "individual", "name": f"Bench Nguyễn Văn {n}"},
                        "period": {"kind": "annual", "year": 2026},
                        "achievements": "Hoàn thành xuất sắc nhiệm vụ năm học",
                        "criteria": [{"text": "Công dân học tập", "met": True}],
                    },
                )
                if code != 201:
                    raise SystemExit(f"the clerk could not propose: {code} {body}")
                nomination_id = body["id"]
                requests += 1
                task_id = None
                for user in ROUTE_USERS:
                    if user.startswith("council."):
                        # Councils decide by the tally of their meeting (unanimous here), on their roster;
                        # a secretary records it on the dossier, no task id needed.
                        members = await council_size(user)
                        code, body = await call(
                            client, "POST", f"/api/v1/nominations/{nomination_id}/tally", headers=headers[user],
                            json={"present": members, "votes_for": members, "votes_against": 0,
                                  "minutes": f"Biên bản số {n}/BB-HĐTĐKT"},
                        )  # fmt: skip
                        status = body.get("status")
                    else:
                        code, body = await call(
                            client, "POST", f"/api/v1/tasks/{task_id}/complete", headers=headers[user],
                            json={"outcome": "approve"},
                        )  # fmt: skip
                        status = body.get("nomination", {}).get("status")
                    task_id = body.get("next_task_id")
                    requests += 1
                    if code != 200:
                        raise SystemExit(f"{user} could not approve: {code} {body}")
                assert status == "awarded", body
                durations.append(time.perf_counter() - t)

        sem = asyncio.Semaphore(a.concurrency)
        t0 = time.perf_counter()
        await asyncio.gather(*(one(sem, n) for n in range(a.nominations)))
        dt = time.perf_counter() - t0
    durations.sort()
    return {
        "nominations": a.nominations,
        "steps": len(ROUTE_USERS),
        "concurrency": a.concurrency,
        "seconds": round(dt, 2),
        "nominations_per_s": round(a.nominations / dt, 2),
        "decisions_per_s": round(a.nominations * len(ROUTE_USERS) / dt, 1),
        "http_requests": requests,
        "p50_nomination_s": round(statistics.median(durations), 3),
        "p95_nomination_s": round(durations[int(0.95 * (len(durations) - 1))], 3),
    }


def baseline(a: argparse.Namespace) -> dict[str, float]:
    """The bare Temporal baseline, same shape: as many chains as nominations, as many Updates as steps."""
    out = subprocess.run(
        [sys.executable, a.baseline, "--address", a.temporal, "--chains", str(a.nominations),
         "--concurrency", str(a.concurrency), "--steps", str(len(ROUTE_USERS))],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    return dict(json.loads(out.strip().splitlines()[-1]))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", default="http://127.0.0.1:8000", help="the API (make run's by default)")
    ap.add_argument("--nominations", type=int, default=200)
    ap.add_argument("--concurrency", type=int, default=20)
    ap.add_argument("--baseline", help="path of the bare Temporal baseline script to run alternately")
    ap.add_argument("--temporal", default="127.0.0.1:7233", help="the Temporal server (make run's by default)")
    ap.add_argument("--rounds", type=int, default=2, help="runs of each, alternated, with --baseline")
    a = ap.parse_args()
    if not a.baseline:
        print(json.dumps(asyncio.run(route(a))))
        return
    ratios, ours, bare = [], [], []
    for n in range(1, a.rounds + 1):
        mine = asyncio.run(route(a))
        theirs = baseline(a)
        ours.append(mine["nominations_per_s"])
        bare.append(theirs["chains_per_s"])
        ratios.append(round(mine["nominations_per_s"] / theirs["chains_per_s"], 2))
        print(json.dumps({"round": n, "thidua": mine, "bare": theirs, "ratio": ratios[-1]}), flush=True)
    print(
        json.dumps(
            {
                "median_nominations_per_s": statistics.median(ours),
                "median_bare_chains_per_s": statistics.median(bare),
                "median_ratio": statistics.median(ratios),
                "ratios": ratios,
            }
        )
    )


if __name__ == "__main__":
    main()
