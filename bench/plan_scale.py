"""One plan with 10,000 reporting units: how long a deadline takes, and how long the plan's history gets.

Runs the real PlanWorkflow and its activities on the time-skipping Temporal test server against a
temporary database (on an embedded PostgreSQL, see service/dev/plan_simulator.py), for one
report year: the tasks of every unit open, two reminders go out, the deadline marks the missing
reports overdue and escalates to the recipient. 30% of the units have reported before the deadline.

    .venv/bin/python bench/plan_scale.py --units 10000

Prints one JSON line: the seconds of each event's bulk work, the wall-clock seconds of the year,
and the history length of every run of the workflow (it continues-as-new each year).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import Integer, bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY
from temporalio.api.enums.v1 import EventType
from temporalio.testing import WorkflowEnvironment

from models.db.engine import make_engine
from models.rules.calendar import VN_TZ
from models.rules.plans import PlanDef
from service.dev.plan_simulator import (
    _test_server_path,
    prepare_plan,
    preview_input,
    read_timeline,
    simulation_databases,
)
from service.worker import build_worker
from workflows.plan import PlanWorkflow


def plan_for(root: str, recipient: str) -> PlanDef:
    return PlanDef.model_validate(
        {
            "id": f"bench-{root.lower()}",
            "issuer": root,
            "title": "Kế hoạch thử tải: 10.000 đơn vị báo cáo",
            "source": {"document": "Kế hoạch thử tải", "file": "bench/plan_scale.py"},
            "period": {"start": 2026, "end": 2030},
            "phases": [{"name": "Giai đoạn thử", "start": 2026, "end": 2030}],
            "reports": [
                {
                    "key": "units",
                    "name": "Báo cáo hằng năm của các đơn vị",
                    "due": {"day": 30, "month": 11},
                    "recipients": [recipient],
                    "units": {"under": root, "kinds": ["people_committee"]},
                }
            ],
        }
    )


async def main(units: int) -> dict[str, object]:
    admin_url = os.environ.get("THIDUA_MIGRATION_DATABASE_URL") or os.environ.get("DATABASE_URL")
    async with simulation_databases(os.environ.get("DATABASE_URL"), admin_url=admin_url) as (owner_url, url):
        engine = make_engine(url, pool_size=10)
        root, recipient = f"BENCH-{uuid.uuid4().hex[:6].upper()}", ""
        recipient = f"{root}-SGDDT"
        # Units are reference data: the owner adds them, as the seed does.
        owner = make_engine(owner_url, pool_size=2)
        async with owner.begin() as conn:
            root_id = (
                await conn.execute(
                    text(
                        "INSERT INTO units (code, name, kind, level) VALUES (:c, 'UBND tỉnh thử tải', "
                        "'people_committee', 'province') RETURNING id"
                    ),
                    {"c": root},
                )
            ).scalar_one()
            await conn.execute(
                text(
                    "INSERT INTO units (code, name, kind, level, parent_id) VALUES (:c, 'Sở GD&ĐT thử tải', "
                    "'department', 'province', :p)"
                ),
                {"c": recipient, "p": root_id},
            )
            await conn.execute(
                text(
                    "INSERT INTO units (code, name, kind, level, parent_id) SELECT :root || '-' || i, 'Xã thử tải ' || i,"
                    " 'people_committee', 'commune', :p FROM generate_series(1, :n) AS i"
                ),
                {"root": root, "p": root_id, "n": units},
            )
        plan = plan_for(root, recipient)
        await prepare_plan(engine, plan, "bench")
        # 30% of the units have reported before the deadline.
        async with engine.begin() as conn:
            ids = [
                r[0]
                for r in await conn.execute(
                    text("SELECT id FROM units WHERE parent_id = :p AND kind = 'people_committee' ORDER BY id"),
                    {"p": root_id},
                )
            ]
            reported = ids[: len(ids) * 3 // 10]
            await conn.execute(
                text(
                    "INSERT INTO plan_reports (plan_id, year, stream, unit_id, status, opened_at, due_at, submitted_at,"
                    " late, text, key_figures, attachments) SELECT :plan, 2026, 'units', u, 'submitted', :at, :due, :at,"
                    " false, 'Báo cáo', jsonb_build_object('cong_dan_hoc_tap', u % 100), '[]'::jsonb"
                    " FROM unnest(:ids) AS u"
                ).bindparams(bindparam("ids", type_=ARRAY(Integer))),
                {
                    "plan": plan.id,
                    "at": datetime(2026, 11, 1, tzinfo=UTC),
                    "due": datetime(2026, 11, 30, tzinfo=VN_TZ),
                    "ids": reported,
                },
            )
        env = await WorkflowEnvironment.start_time_skipping(test_server_existing_path=_test_server_path())
        try:
            task_queue = f"bench-{uuid.uuid4()}"
            workflow_id = f"plan-bench-{uuid.uuid4().hex[:8]}"
            started = time.perf_counter()
            start, end = datetime(2026, 1, 1, tzinfo=VN_TZ), datetime(2027, 1, 1, tzinfo=VN_TZ)
            async with build_worker(env.client, engine, task_queue):
                handle = await env.client.start_workflow(
                    PlanWorkflow.run,
                    preview_input(
                        plan, now=start, server_now=await env.get_current_time(), until=end, skip_before=start
                    ),
                    id=workflow_id,
                    task_queue=task_queue,
                )
                await handle.result()
            wall = time.perf_counter() - started
            # Follow the runs from the first (the plan continues-as-new every year); count each run's events.
            histories = []
            run_id: str | None = handle.first_execution_run_id
            while run_id:
                history = await env.client.get_workflow_handle(workflow_id, run_id=run_id).fetch_history()
                kinds = [e.event_type for e in history.events]
                histories.append(
                    {"events": len(kinds), "activities": kinds.count(EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)}
                )
                last = history.events[-1]
                run_id = (
                    last.workflow_execution_continued_as_new_event_attributes.new_execution_run_id
                    if last.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW
                    else None
                )
        finally:
            await env.shutdown()
        timeline = await read_timeline(engine, plan.id)
        await engine.dispose()
        await owner.dispose()
    return {
        "units": units,
        "events": {
            e.key: {
                "bulk_seconds": e.summary.get("elapsed_ms", 0) / 1000,
                **{
                    k: v
                    for k, v in e.summary.items()
                    if k in ("units", "reminded", "marked_overdue", "submitted", "total")
                },
            }
            for e in timeline
        },
        "due_bulk_seconds": next(e.summary["elapsed_ms"] / 1000 for e in timeline if e.kind == "due"),
        "year_wall_seconds": round(wall, 2),
        "history": histories,
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--units", type=int, default=10_000)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(main(args.units)), ensure_ascii=False))
