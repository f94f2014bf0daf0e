"""An award round at volume, driven over HTTP as the demo users would drive it.

Start the service first (`make run`), then:

    .venv/bin/python bench/round.py --base http://127.0.0.1:8000 --units 50 --per-unit 20

Fifty units each submit ONE list (tờ trình) of twenty nominees for the provincial Bằng khen; then,
step by step, each council decides everything waiting for it in one session (its secretary opens it
and records every nominee's tally in one form), each appraiser and each head who forwards a list
approves everything waiting with one bulk action, and each signer signs ONE decision for all of
theirs. The users are those of the demo organisation (deploy/demo_org.yaml, password "demo"),
whose role at a unit the bench reads from that file.

Prints one JSON line: wall time, HTTP requests, and the human actions this took against the
actions the same round takes one dossier at a time (one create per nominee, one action per step).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

import httpx
import yaml

DEMO_ORG = Path(__file__).resolve().parents[1] / "deploy" / "demo_org.yaml"
ROLE_OF_KIND = {"council": "council_secretary", "appraisal": "appraiser"}


class Round:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.tokens: dict[str, dict[str, str]] = {}
        self.actions: dict[str, int] = defaultdict(int)
        self.requests = 0
        self.holders: dict[tuple[str, str], str] = {}
        for user in yaml.safe_load(DEMO_ORG.read_text(encoding="utf-8"))["users"]:
            for grant in user["roles"]:
                self.holders.setdefault((grant["role"], grant["unit"]), user["username"])

    async def call(self, method: str, path: str, username: str, **kwargs: Any) -> httpx.Response:
        headers = {**(await self.headers(username)), **kwargs.pop("headers", {})}
        self.requests += 1
        r = await self.client.request(method, path, headers=headers, **kwargs)
        if r.status_code >= 500:
            raise RuntimeError(f"{method} {path}: {r.status_code} {r.text[:300]}")
        return r

    async def headers(self, username: str) -> dict[str, str]:
        if username not in self.tokens:
            self.requests += 1
            r = await self.client.post("/api/v1/auth/token", data={"username": username, "password": "demo"})
            r.raise_for_status()
            self.tokens[username] = {"Authorization": f"Bearer {r.json()['access_token']}"}
        return self.tokens[username]

    def holder(self, kind: str, unit_code: str) -> str:
        role = ROLE_OF_KIND.get(kind, "chairperson")
        found = self.holders.get((role, unit_code))
        if found is None:
            raise RuntimeError(f"no demo user holds {role} at {unit_code}")
        return found


def nominees(unit_code: str, count: int) -> list[dict[str, Any]]:
    return [
        {
            "nominee": {"kind": "individual", "name": f"Nguyễn Văn Đợt {unit_code} {i:03d}", "position": "Viên chức"},
            "achievements": "Hoàn thành xuất sắc nhiệm vụ; tích cực xây dựng xã hội học tập",
            "criteria": [],
        }
        for i in range(1, count + 1)
    ]


async def submit_lists(rnd: Round, units: dict[str, dict[str, Any]], want: int, per_unit: int, form: str) -> list[str]:
    """One list per unit from the units whose clerk may propose `form`; the nominations' ids."""
    ids: list[str] = []
    submitted = 0
    for (role, code), clerk in sorted(rnd.holders.items()):
        if role != "clerk" or submitted >= want or code not in units:
            continue
        r = await rnd.call(
            "POST", "/api/v1/submissions", clerk,
            headers={"Idempotency-Key": str(uuid.uuid4())},
            json={"award_form": form, "proposing_unit_id": units[code]["id"],
                  "period": {"kind": "annual", "year": 2026}, "nominees": nominees(code, per_unit)},
        )  # fmt: skip
        if r.status_code != 201:
            continue  # this unit has no route to the award (or its clerk may not propose it)
        submitted += 1
        rnd.actions["submissions"] += 1
        ids.extend(r.json()["nomination_ids"])
    return ids


async def in_progress(rnd: Round, mine: set[str]) -> dict[str, dict[str, Any]]:
    """The round's nominations not yet ended, by id, with their current step (the administrator's list)."""
    found: dict[str, dict[str, Any]] = {}
    cursor = None
    while True:
        params: dict[str, Any] = {"status": "in_progress", "limit": 200}
        if cursor:
            params["cursor"] = cursor
        page = (await rnd.call("GET", "/api/v1/nominations", "admin", params=params)).json()
        for n in page["items"]:
            if n["id"] in mine:
                found[n["id"]] = n
        cursor = page.get("next_cursor")
        if not cursor:
            return found


async def run_council(rnd: Round, council_code: str, council_id: int) -> None:
    secretary = rnd.holder("council", council_code)
    waiting = (
        await rnd.call("GET", "/api/v1/council-sessions/waiting", secretary, params={"council_unit_id": council_id})
    ).json()
    free = [w["nomination_id"] for w in waiting if not w["in_session"] and not w["ballot_open"]]
    for start in range(0, len(free), 1000):
        batch = free[start : start + 1000]
        r = await rnd.call("POST", "/api/v1/council-sessions", secretary,
                           json={"council_unit_id": council_id, "nomination_ids": batch})  # fmt: skip
        r.raise_for_status()
        session_id = r.json()["id"]
        members = 9
        results = [{"nomination_id": n, "votes_for": members, "votes_against": 0} for n in batch]
        r = await rnd.call("POST", f"/api/v1/council-sessions/{session_id}/results", secretary, json={
            "members": members, "members_reason": "Quyết định kiện toàn Hội đồng: 9 thành viên",
            "present": members, "minutes": "Biên bản phiên họp xét khen thưởng đợt sơ kết", "results": results})  # fmt: skip
        r.raise_for_status()
        rnd.actions["council_sessions"] += 1
        for _ in range(1200):  # at most ten minutes per session
            got = (await rnd.call("GET", f"/api/v1/council-sessions/{session_id}", secretary)).json()
            if got["status"] == "closed":
                break
            await asyncio.sleep(0.5)


async def open_tasks(rnd: Round, username: str, step: str) -> list[dict[str, Any]]:
    tasks: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"step": step, "limit": 200}
        if cursor:
            params["cursor"] = cursor
        page = (await rnd.call("GET", "/api/v1/tasks", username, params=params)).json()
        tasks.extend(page["items"])
        cursor = page.get("next_cursor")
        if not cursor or not page["items"]:
            return tasks


async def approve_all(rnd: Round, username: str, step: str) -> None:
    tasks = await open_tasks(rnd, username, step)
    for start in range(0, len(tasks), 200):
        batch = [t["id"] for t in tasks[start : start + 200]]
        r = await rnd.call("POST", "/api/v1/tasks/bulk", username,
                           json={"task_ids": batch, "outcome": "approve", "comment": "Đồng ý theo danh sách"})  # fmt: skip
        r.raise_for_status()
        rnd.actions["bulk_actions"] += 1


async def sign_all(rnd: Round, username: str, step: str) -> None:
    tasks = await open_tasks(rnd, username, step)
    for start in range(0, len(tasks), 500):
        batch = [t["nomination_id"] for t in tasks[start : start + 500]]
        r = await rnd.call("POST", "/api/v1/decisions", username, headers={"Idempotency-Key": str(uuid.uuid4())},
                           json={"nomination_ids": batch})  # fmt: skip
        if r.status_code not in (201, 202):
            raise RuntimeError(f"signing failed: {r.status_code} {r.text[:300]}")
        rnd.actions["signatures"] += 1


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", default="http://127.0.0.1:8000")
    ap.add_argument("--units", type=int, default=50)
    ap.add_argument("--per-unit", type=int, default=20)
    ap.add_argument("--award-form", default="BANG_KHEN_TINH")
    ap.add_argument("--max-seconds", type=float, default=1800)
    a = ap.parse_args()

    async with httpx.AsyncClient(base_url=a.base, timeout=120) as client:
        rnd = Round(client)
        started = time.perf_counter()
        units = {u["code"]: u for u in (await rnd.call("GET", "/api/v1/units", "admin")).json()}
        by_id = {u["id"]: u for u in units.values()}
        ids = await submit_lists(rnd, units, a.units, a.per_unit, a.award_form)
        mine = set(ids)
        steps_passed: dict[str, set[str]] = defaultdict(set)
        submitted_at = time.perf_counter()
        while time.perf_counter() - started < a.max_seconds:
            pending = await in_progress(rnd, mine)
            if not pending:
                break
            # Wait for every dossier to reach its next step (workflows still starting are at version 0).
            groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
            for n in pending.values():
                step = next((s for s in n["route"] if s["key"] == n["current_step"]), None)
                if step is not None:
                    groups[n["current_step"]].append(step)
                    steps_passed[n["id"]].add(n["current_step"])
            acts = []
            for key, steps in groups.items():
                step = steps[0]
                unit_code = by_id[step["unit_id"]]["code"]
                user = rnd.holder(step["kind"], unit_code)
                if step["kind"] == "council":
                    acts.append(run_council(rnd, unit_code, step["unit_id"]))
                elif step["kind"] == "sign":
                    acts.append(sign_all(rnd, user, key))
                else:
                    acts.append(approve_all(rnd, user, key))
            await asyncio.gather(*acts)
            await asyncio.sleep(0.5)
        wall = time.perf_counter() - started
        left = await in_progress(rnd, mine)
        one_by_one = len(ids) + sum(len(s) for s in steps_passed.values())
        human = sum(rnd.actions.values())
        print(json.dumps({
            "nominations": len(ids), "lists": rnd.actions["submissions"], "not_finished": len(left),
            "wall_seconds": round(wall, 1), "submit_seconds": round(submitted_at - started, 1),
            "http_requests": rnd.requests, "human_actions": human, "actions": dict(rnd.actions),
            "one_by_one_actions": one_by_one, "actions_saved": round(1 - human / one_by_one, 4) if one_by_one else None,
        }, ensure_ascii=False))  # fmt: skip


if __name__ == "__main__":
    asyncio.run(main())
