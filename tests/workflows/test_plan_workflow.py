"""Plans as data and as durable workflows: files, schedules, the real PlanWorkflow on the
time-skipping server (due instants 2024–2030 of every seed plan, a plan started in November 2026,
a worker restart mid-year, an administrator's amendment) and milestone nomination windows."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import yaml
from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import WorkflowExecutionStatus, WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from models.rules.plan_schedule import year_schedule
from models.rules.plans import PlanDef, PlanFileError, check_units, parse_plan
from models.store.org import load_org_tree
from models.store.plans import write_plan
from models.tables import AuditEntry, Unit
from models.tables.plans import Plan, PlanEvent, PlanMilestone, PlanNotification, PlanReport
from service.api.problems import Problem
from service.dev.plan_simulator import preview_input, read_timeline, run_timeline
from service.queries.plan_windows import check_milestone_window
from tests.support.helpers import assert_eq_eventually, new_worker
from tests.support.plans import DEPLOY, FILES, PLANS, setup_plan, suffixed, vn
from workflows.contracts import Actor
from workflows.plan import PlanWorkflow
from workflows.plan_contracts import PlanAmendment

# These tests change reference data (units, users, council members, plans): each gets its own database.
pytestmark = pytest.mark.own_database


# ---- plan files -----------------------------------------------------------------------------------


def test_five_seed_plans_ship_as_data_citing_their_seed() -> None:
    assert {p.source.file for p in PLANS.values()} == {
        "000_45e76f9cd6bac601.txt",
        "001_1c9a175cc8e2e304.txt",
        "002_842c3c6ae8ca409e.txt",
        "003_98e0618f2cd27c5a.txt",
        "004_a4e5037fea2a139a.txt",
    }
    tt = PLANS["yb-tt-246-2024"]
    assert (tt.number, tt.issued_on, tt.issuer) == ("246/KH-UBND", date(2024, 10, 15), "YB-TT")
    assert len(tt.supervision) == 12 and {q.nominee_kind for q in tt.quotas} == {"collective", "individual"}
    final = next(m for m in tt.milestones if m.kind == "final_review")
    prelim = next(m for m in tt.milestones if m.kind == "preliminary_review")
    assert "HUAN_CHUONG_LAO_DONG_HANG_BA" in final.award_forms
    assert not any(f.startswith("HUAN_CHUONG") for f in prelim.award_forms)
    assert PLANS["gl-65-2024"].number == "65/QĐ-UBND"


def _raw(plan_id: str) -> dict[str, Any]:
    return dict(yaml.safe_load(FILES[plan_id].read_text(encoding="utf-8")))


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda r: r["reports"][0]["due"].update(day=31, month=11), "reports.0.due"),
        (lambda r: r["reports"][0]["due"].update(month=13), "reports.0.due.month"),
        (lambda r: r["reports"][0].pop("recipients"), "reports.0.recipients"),
        (lambda r: r["reports"][0]["units"].update(under="yb tt"), "reports.0.units.under"),
        (lambda r: r["milestones"][0]["window"].update(closes=date(2025, 1, 1)), "milestones.0.window"),
        (lambda r: r["milestones"][1].update(kind="annual"), "milestones.1.kind"),
        (lambda r: r["milestones"][0].update(award_forms=["bằng khen"]), "milestones.0.award_forms"),
        (lambda r: r["quotas"][0].update(milestones=["mid_review"]), "quotas"),
        (lambda r: r.update(period={"start": 2030, "end": 2023}), "period"),
        (lambda r: r.update(due_day=5), "due_day"),
    ],
)
def test_a_plan_file_with_a_mistake_names_the_file_and_field(mutate: Any, field: str) -> None:
    raw = _raw("yb-tt-246-2024")
    mutate(raw)
    with pytest.raises(PlanFileError) as err:
        parse_plan(raw, "yb-tt-246-2024.yaml")
    assert str(err.value).startswith("yb-tt-246-2024.yaml: ")
    assert f"field {field}" in str(err.value), str(err.value)


def test_unknown_unit_code_is_a_clear_error() -> None:
    from models.rules.org_tree import OrgTree, OrgUnit

    index = OrgTree.build([OrgUnit(1, "YB-TT", "UBND huyện Trạm Tấu", "people_committee", "district", None)])
    with pytest.raises(
        PlanFileError,
        match=r"yb-tt-246-2024.yaml: field reports.district_bodies.recipients: unknown unit code 'YB-TT-PGDDT'",
    ):
        check_units(PLANS["yb-tt-246-2024"], index, "yb-tt-246-2024.yaml")


def test_year_schedule_is_holiday_aware() -> None:
    # 24/11 is Vietnamese Culture Day, a public holiday from 2026: the last reminder before the
    # Sóc Trăng deadline (start of 25/11/2026) is on Monday 23/11.
    events = [(e.kind, e.at) for e in year_schedule(PLANS["st-snv-2024"], 2026)]
    assert events == [
        ("open_tasks", vn(2026, 10, 26, 8)),
        ("reminder", vn(2026, 11, 17, 8)),
        ("reminder", vn(2026, 11, 23, 8)),
        ("due", vn(2026, 11, 25)),
    ]


async def test_shipped_plans_resolve_against_the_shipped_demo_organisation(engine: AsyncEngine) -> None:
    async with engine.connect() as conn:
        index = await load_org_tree(conn)
    missing = sorted({c for p in PLANS.values() for _, c in p.referenced_codes() if c not in index.by_code})
    assert not missing, f"the demo organisation lacks unit codes the plans name: {', '.join(missing)}"
    for plan_id, plan in PLANS.items():
        check_units(plan, index, FILES[plan_id].name)
        for stream in plan.reports:
            assert index.select(stream.units), f"{plan_id}: {stream.key} selects no unit"


async def test_seeded_plans_are_in_the_database(engine: AsyncEngine) -> None:
    async with AsyncSession(engine) as s:
        rows = (await s.exec(select(Plan.id, Plan.source_file).where(col(Plan.id).in_(list(PLANS))))).all()  # type: ignore[call-overload]
    assert {r[0]: r[1] for r in rows} == {pid: f.name for pid, f in FILES.items()}


# ---- plans in a test organisation of their own -----------------------------------------------------


async def run_preview(
    env: WorkflowEnvironment, engine: AsyncEngine, plan: PlanDef, start: datetime, end: datetime
) -> None:
    task_queue = f"plan-{uuid.uuid4()}"
    async with new_worker(env.client, engine, task_queue):
        await run_timeline(env.client, engine, task_queue, plan, start, end, await env.get_current_time())


# Hand-written: "trước ngày dd/mm" is due at the start of that day, Asia/Ho_Chi_Minh.
YEARS = range(2024, 2031)
EXPECTED_DUE = {
    "gl-65-2024": [("province_bodies", vn(y, 12, 5)) for y in YEARS],
    "dt-ttt-2024": [("inspectorate", vn(y, 11, 30)) for y in YEARS],
    "yb-tt-246-2024": [(s, vn(y, 12, 1)) for y in YEARS for s in ("district_bodies", "district_to_province")],
    "ct-1315-2024": [("districts", vn(y, 11, 30)) for y in YEARS],
    "st-snv-2024": [("office", vn(y, 11, 25)) for y in YEARS],
}


@pytest.mark.parametrize("plan_id", sorted(EXPECTED_DUE))
async def test_due_instants_2024_to_2030_on_the_time_skipping_server(
    env: WorkflowEnvironment, engine: AsyncEngine, owner_engine: AsyncEngine, plan_id: str
) -> None:
    plan = await setup_plan(owner_engine, plan_id)
    await run_preview(env, engine, plan, vn(2024, 1, 1), vn(2031, 1, 1))
    timeline = await read_timeline(engine, plan.id)
    due = sorted((e.subject, e.scheduled_at) for e in timeline if e.kind == "due")
    assert due == sorted(EXPECTED_DUE[plan_id])
    # Every event ran once, at its instant (in the plan's clock), and each year opened its tasks.
    assert all(e.runs == 1 for e in timeline)
    assert all(abs((e.fired_at - e.scheduled_at).total_seconds()) < 60 for e in timeline)
    opened = [e for e in timeline if e.kind == "open_tasks"]
    assert len(opened) == len(EXPECTED_DUE[plan_id]) and all(e.summary["units"] >= 1 for e in opened)
    windows = [(e.kind, e.scheduled_at) for e in timeline if e.kind.startswith("window")]
    assert windows == [
        ("window_open", vn(2025, 7, 1)),
        ("window_close", vn(2025, 11, 1)),
        ("window_open", vn(2030, 7, 1)),
        ("window_close", vn(2030, 11, 1)),
    ]
    async with engine.connect() as conn:
        overdue = (
            await conn.execute(
                select(func.count()).where(col(PlanReport.plan_id) == plan.id, col(PlanReport.status) == "overdue")
            )
        ).scalar_one()
        escalations = (
            await conn.execute(
                select(func.count()).where(
                    col(PlanNotification.plan_id) == plan.id, col(PlanNotification.kind) == "escalation"
                )
            )
        ).scalar_one()
    assert overdue == sum(e.summary["units"] for e in opened)  # nobody reported in this preview
    assert escalations == sum(len(r.recipients) for r in plan.reports) * len(YEARS)


async def test_plan_notifications_give_their_dates_as_people_read_them(
    env: WorkflowEnvironment, engine: AsyncEngine, owner_engine: AsyncEngine
) -> None:
    plan = await setup_plan(owner_engine, "ct-1315-2024")
    await run_preview(env, engine, plan, vn(2025, 6, 1), vn(2026, 1, 1))
    async with engine.connect() as conn:
        messages = (
            await conn.execute(select(col(PlanNotification.kind), col(PlanNotification.message)).where(
                col(PlanNotification.plan_id) == plan.id))
        ).all()  # fmt: skip
    kinds = {kind for kind, _ in messages}
    assert {"reminder", "overdue", "escalation", "window"} <= kinds, kinds
    # dd/mm/yyyy in Asia/Ho_Chi_Minh, never an ISO date with its offset.
    for _, message in messages:
        assert not re.search(r"\d{4}-\d{2}-\d{2}|\+0700", message), message
    reminder = next(m for k, m in messages if k == "reminder")
    assert "hạn 00:00 ngày 30/11/2025" in reminder, reminder


async def test_a_plan_started_in_november_2026_skips_2025_and_meets_its_next_deadline(
    env: WorkflowEnvironment, engine: AsyncEngine, owner_engine: AsyncEngine
) -> None:
    plan = await setup_plan(owner_engine, "st-snv-2024")
    task_queue = f"plan-{uuid.uuid4()}"
    started = vn(2026, 11, 15, 9)
    server_now = await env.get_current_time()
    async with new_worker(env.client, engine, task_queue):
        await env.client.execute_workflow(
            PlanWorkflow.run,
            preview_input(plan, now=started, server_now=server_now, until=vn(2027, 1, 1)),
            id=f"plan-{plan.id}",
            task_queue=task_queue,
        )
    timeline = await read_timeline(engine, plan.id)
    assert [(e.kind, e.scheduled_at) for e in timeline] == [
        ("open_tasks", vn(2026, 10, 26, 8)),  # caught up at the start: its deadline is ahead
        ("reminder", vn(2026, 11, 17, 8)),
        ("reminder", vn(2026, 11, 23, 8)),
        ("due", vn(2026, 11, 25)),
    ]
    assert abs((timeline[0].fired_at - started).total_seconds()) < 60


async def test_a_worker_restart_mid_year_loses_and_repeats_nothing(
    env: WorkflowEnvironment, engine: AsyncEngine, owner_engine: AsyncEngine
) -> None:
    plan = await setup_plan(owner_engine, "ct-1315-2024")
    task_queue = f"plan-{uuid.uuid4()}"
    start = vn(2026, 10, 1)
    server_now = await env.get_current_time()
    workflow_id = f"plan-{plan.id}"

    async def fired() -> list[str]:
        async with engine.connect() as conn:
            rows = (await conn.execute(select(PlanEvent.key).where(col(PlanEvent.plan_id) == plan.id))).all()  # type: ignore[call-overload]
        return sorted(r[0] for r in rows)

    # The first worker keeps no workflow in its cache: the test server does not move a workflow off
    # a stopped worker's sticky queue, and a real restart loses the cache anyway.
    config = new_worker(env.client, engine).config()  # the real worker's workflows and activities
    first = Worker(**{**config, "task_queue": task_queue, "max_cached_workflows": 0})
    async with first:
        handle = await env.client.start_workflow(
            PlanWorkflow.run,
            preview_input(plan, now=start, server_now=server_now, until=vn(2027, 1, 1), skip_before=start),
            id=workflow_id,
            task_queue=task_queue,
        )
        # Into the year: the tasks open on 31/10 and the first reminder goes out on 20/11.
        await env.sleep(timedelta(days=51))
        await assert_eq_eventually(["2026:districts:open_tasks", "2026:districts:reminder:5"], fired)
    # The first worker is gone mid-year; a new one (no cached state: it replays the history) takes
    # over with the plan waiting for its second reminder and its deadline.
    assert await fired() == ["2026:districts:open_tasks", "2026:districts:reminder:5"]
    async with new_worker(env.client, engine, task_queue):
        await handle.result()
    timeline = await read_timeline(engine, plan.id)
    assert [(e.key, e.runs) for e in timeline] == [
        ("2026:districts:open_tasks", 1),
        ("2026:districts:reminder:5", 1),
        ("2026:districts:reminder:1", 1),
        ("2026:districts:due", 1),
    ]
    async with engine.connect() as conn:
        reminders = (
            await conn.execute(
                select(func.count()).where(
                    col(PlanNotification.plan_id) == plan.id, col(PlanNotification.kind) == "reminder"
                )
            )
        ).scalar_one()
    assert reminders == 2 * 9  # two reminders to each of the nine districts, once each
    assert (await handle.describe()).status == WorkflowExecutionStatus.COMPLETED


async def test_an_amendment_applies_from_the_next_event_on(
    env: WorkflowEnvironment, engine: AsyncEngine, owner_engine: AsyncEngine
) -> None:
    plan = await setup_plan(owner_engine, "st-snv-2024")
    extra = f"ST-NEW-{uuid.uuid4().hex[:6].upper()}"
    async with AsyncSession(owner_engine) as s:
        s.add(Unit(code=extra, name="Phòng mới", kind="department", level="province"))
        await s.commit()
    task_queue = f"plan-{uuid.uuid4()}"
    start = vn(2026, 11, 10)
    server_now = await env.get_current_time()
    async with new_worker(env.client, engine, task_queue):
        handle = await env.client.start_workflow(
            PlanWorkflow.run,
            preview_input(plan, now=start, server_now=server_now, until=vn(2027, 1, 1), skip_before=start),
            id=f"plan-{plan.id}",
            task_queue=task_queue,
        )

        async def next_event() -> str | None:
            return (await handle.query(PlanWorkflow.view)).next_event

        await assert_eq_eventually("2026:office:reminder:5", next_event)
        raw = plan.model_dump(mode="json")
        raw["reports"][0]["due"]["day"] = 28
        raw["reports"][0]["units"]["codes"].append(extra)
        admin = Actor(user_id=0, name="Quản trị", grants=None)
        view = await handle.execute_update(
            PlanWorkflow.amend, PlanAmendment(definition=raw, version=2, actor=admin, reason="Lùi hạn")
        )
        assert view.version == 2
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await handle.execute_update(PlanWorkflow.amend, PlanAmendment(definition=raw, version=2, actor=admin))
        assert "phiên bản kế tiếp" in str(refused.value.cause)
        await handle.result()
    timeline = await read_timeline(engine, plan.id)
    assert [(e.kind, e.scheduled_at) for e in timeline] == [
        ("open_tasks", vn(2026, 10, 29, 8)),  # opened at the amendment: the new unit gets its task
        ("reminder", vn(2026, 11, 20, 8)),
        ("reminder", vn(2026, 11, 27, 8)),
        ("due", vn(2026, 11, 28)),
    ]
    async with AsyncSession(engine) as s:
        stored = (await s.exec(select(Plan).where(Plan.id == plan.id))).one()  # type: ignore[call-overload]
        stored = stored[0]
        reports = (await s.exec(select(PlanReport).where(PlanReport.plan_id == plan.id))).all()  # type: ignore[call-overload]
    assert stored.version == 2 and stored.definition["reports"][0]["due"]["day"] == 28
    assert len(reports) == 2 and all(r[0].due_at == vn(2026, 11, 28) for r in reports)
    # Audited with the new version, once, even for an actor that is no user of the database.
    async with engine.connect() as conn:
        audit = (
            await conn.execute(
                select(col(AuditEntry.actor_id), col(AuditEntry.actor_name), col(AuditEntry.comment),
                       col(AuditEntry.details), col(AuditEntry.unit_id))
                .where(col(AuditEntry.subject_type) == "plan", col(AuditEntry.subject_id) == plan.id,
                       col(AuditEntry.action) == "plan_amended")
            )
        ).all()  # fmt: skip
    assert [tuple(a)[:4] for a in audit] == [(None, "Quản trị", "Lùi hạn", {"version": 2})]
    assert audit[0].unit_id is not None  # the plan's scope unit: its administrators read the entry


# ---- milestone windows --------------------------------------------------------------------------


async def test_milestone_windows_refuse_outside_nominations_and_forms_not_allowed(
    engine: AsyncEngine, owner_engine: AsyncEngine
) -> None:
    plan = await setup_plan(owner_engine, "yb-tt-246-2024")
    async with AsyncSession(engine) as s:
        commune = (await s.exec(select(Unit).where(Unit.code == f"{plan.scope_code}-X0-PEOP"))).one()  # type: ignore[call-overload]
        unit_id = commune[0].id
        prelim_open = vn(2025, 8, 1)
        final_open = vn(2030, 9, 30, 23)
        # Inside the windows, with forms the milestone allows: accepted.
        await check_milestone_window(s, "GIAY_KHEN_XA", "preliminary_review", 2025, unit_id, prelim_open)
        await check_milestone_window(s, "HUAN_CHUONG_LAO_DONG_HANG_BA", "final_review", 2030, unit_id, final_open)
        # Annual nominations are not tied to a window.
        await check_milestone_window(s, "HUAN_CHUONG_LAO_DONG_HANG_BA", "annual", 2026, unit_id, vn(2026, 11, 21))
        refusals = [
            ("GIAY_KHEN_XA", "preliminary_review", 2025, vn(2026, 11, 21), "outside_window"),
            ("GIAY_KHEN_XA", "preliminary_review", 2025, vn(2025, 11, 1), "outside_window"),  # closed at 00:00
            ("GIAY_KHEN_XA", "final_review", 2030, vn(2026, 11, 21), "outside_window"),
            ("GIAY_KHEN_XA", "final_review", 2029, vn(2030, 8, 1), "outside_window"),
            ("HUAN_CHUONG_LAO_DONG_HANG_BA", "preliminary_review", 2025, prelim_open, "award_not_allowed_at_milestone"),
        ]
        for form, kind, year, at, code in refusals:
            with pytest.raises(Problem) as err:
                await check_milestone_window(s, form, kind, year, unit_id, at)
            assert (err.value.status, err.value.code) == (422, code), (form, kind, year, at)
            assert err.value.detail
        orphan = Unit(
            code=f"ORPHAN-{uuid.uuid4().hex[:6].upper()}",
            name="Đơn vị ngoài kế hoạch",
            kind="school",
            level="grassroots",
        )
        async with AsyncSession(owner_engine) as owner:  # units are reference data: the owner's
            owner.add(orphan)
            await owner.flush()
            orphan_id = orphan.id
            assert orphan_id is not None
            await owner.commit()
        with pytest.raises(Problem) as err:
            await check_milestone_window(s, "GIAY_KHEN_XA", "preliminary_review", 2025, orphan_id, prelim_open)
        assert err.value.code == "outside_window" and "Không có kế hoạch" in err.value.detail


async def test_seeding_a_plan_twice_changes_nothing_and_a_changed_file_bumps_the_version(
    owner_engine: AsyncEngine,
) -> None:
    engine = owner_engine  # the seed writes plans as the owner role
    plan = suffixed("gl-65-2024", uuid.uuid4().hex[:6].upper())

    def write_if_changed(sync: Any, p: PlanDef) -> None:
        from models.store.plans import definition_hash

        row = sync.execute(select(Plan.definition_hash, Plan.version).where(Plan.id == p.id)).one_or_none()  # type: ignore[call-overload]
        if row is None or row[0] != definition_hash(p):
            write_plan(sync, p, 1 if row is None else row[1] + 1, "test.yaml")

    async with engine.begin() as conn:
        await conn.run_sync(write_if_changed, plan)
        await conn.run_sync(write_if_changed, plan)
    async with engine.connect() as conn:
        assert (await conn.execute(select(Plan.version).where(Plan.id == plan.id))).scalar_one() == 1  # type: ignore[call-overload]
    changed = plan.model_copy(deep=True)
    changed.reports[0].due.day = 6
    async with engine.begin() as conn:
        await conn.run_sync(write_if_changed, changed)
    async with engine.connect() as conn:
        assert (await conn.execute(select(Plan.version).where(Plan.id == plan.id))).scalar_one() == 2  # type: ignore[call-overload]
        milestones = (
            await conn.execute(select(func.count()).where(col(PlanMilestone.plan_id) == plan.id))
        ).scalar_one()
    assert milestones == 2
    async with engine.begin() as conn:
        await conn.execute(delete(PlanMilestone).where(col(PlanMilestone.plan_id) == plan.id))
        await conn.execute(delete(Plan).where(col(Plan.id) == plan.id))


def test_seed_plans_is_idempotent(database_url: str) -> None:
    from sqlalchemy import create_engine

    from models.db.engine import sqlalchemy_url
    from models.store.plans import seed_plans

    eng = create_engine(sqlalchemy_url(database_url))
    try:
        with eng.begin() as conn:
            assert seed_plans(conn, DEPLOY) == 0  # the session's seed loaded them already
            versions = {r[0]: r[1] for r in conn.execute(select(Plan.id, Plan.version)).all()}  # type: ignore[call-overload]
        assert all(versions[p] == 1 for p in PLANS)
    finally:
        eng.dispose()


def test_utc_instants_are_exact() -> None:
    due = PLANS["ct-1315-2024"].reports[0].due.instant(2026)
    assert due.astimezone(UTC) == datetime(2026, 11, 29, 17, 0, tzinfo=UTC)
