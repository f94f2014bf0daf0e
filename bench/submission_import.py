"""Seconds to import a unit's list of 1,000 nominees in one submission letter, over HTTP as the demo
school clerk: until the 201 (validated, numbered and stored in one transaction), and until every
nomination's workflow has started and projected its first state (`started` of the letter).

Start the service first (`make run`), then:

    .venv/bin/python bench/submission_import.py --base http://127.0.0.1:8000 --rows 1000

Prints one JSON line.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import uuid

import httpx


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--base", default="http://127.0.0.1:8000")
    ap.add_argument("--rows", type=int, default=1000)
    ap.add_argument("--award-form", default="BANG_KHEN_TINH")
    ap.add_argument("--wait", type=float, default=600, help="seconds to wait for every workflow to start")
    a = ap.parse_args()

    async with httpx.AsyncClient(base_url=a.base, timeout=120) as client:
        r = await client.post("/api/v1/auth/token", data={"username": "clerk.school", "password": "demo"})
        r.raise_for_status()
        headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
        unit_id = (await client.get("/api/v1/me", headers=headers)).json()["unit"]["id"]
        run = uuid.uuid4().hex[:6]
        body = {
            "award_form": a.award_form,
            "proposing_unit_id": unit_id,
            "period": {"kind": "annual", "year": 2026},
            "nominees": [
                {
                    "nominee": {"kind": "individual", "name": f"Bench {run} Nguyễn Văn {i}", "position": "Giáo viên"},
                    "achievements": "Hoàn thành xuất sắc nhiệm vụ năm học 2025–2026",
                    "criteria": [{"code": "CN-1", "text": "Công dân học tập", "met": True}],
                }
                for i in range(a.rows)
            ],
        }
        t0 = time.perf_counter()
        r = await client.post(
            "/api/v1/submissions", json=body, headers={**headers, "Idempotency-Key": f"bench-{uuid.uuid4()}"}
        )
        answered = time.perf_counter() - t0
        if r.status_code != 201:
            raise SystemExit(f"the list was refused: {r.status_code} {r.text[:500]}")
        created = r.json()
        started = 0
        while time.perf_counter() - t0 < a.wait:
            started = (await client.get(f"/api/v1/submissions/{created['id']}", headers=headers)).json()["started"]
            if started >= created["total"]:
                break
            await asyncio.sleep(0.5)
        all_started = time.perf_counter() - t0
    print(
        json.dumps(
            {
                "rows": a.rows,
                "number_symbol": created["number_symbol"],
                "seconds_to_201": round(answered, 2),
                "rows_per_s_to_201": round(a.rows / answered, 1),
                "started": started,
                "seconds_to_all_started": round(all_started, 1) if started >= created["total"] else None,
            }
        )
    )


if __name__ == "__main__":
    asyncio.run(main())
