"""Activities of the plan workflow: the year's schedule, and each event as a few bulk statements.

Opening the yearly-report tasks of 10,000 units is one INSERT ... SELECT FROM unnest(...), a
reminder or an overdue mark one INSERT/UPDATE ... SELECT over the plan's report rows: the work
never shows up as events in the workflow's history. Every write is keyed (plan, year, stream,
unit) or (plan, event key, unit, role), so a retried activity changes nothing twice; the
timeline row counts its runs, which shows a repeated event.
"""

from __future__ import annotations

import time
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, bindparam, func, literal, select, text, update
from sqlalchemy.dialects.postgresql import ARRAY, insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlmodel import col
from temporalio import activity

from models.rules.notices import deadline
from models.rules.org_tree import OrgTree
from models.rules.plan_schedule import (
    DUE,
    OPEN_TASKS,
    REMINDER,
    WINDOW_CLOSE,
    WINDOW_OPEN,
    ScheduledEvent,
    year_schedule,
)
from models.rules.plans import PlanDef
from models.store.org import load_org_tree
from models.store.plan_reports import consolidated
from models.store.plans import write_plan
from models.tables import AuditEntry, Nomination, Unit, User
from models.tables.plans import Plan, PlanEvent, PlanNotification, PlanReport
from workflows.plan_contracts import (
    PLAN_EVENT,
    PLAN_SCHEDULE,
    RECORD_PLAN_VERSION,
    PlanEventInput,
    PlanEventResult,
    PlannedEvent,
    PlanVersionInput,
    ScheduleInput,
)

REPORTER_ROLE = "clerk"
SECRETARIAT_ROLE = "secretariat"
NOMINATIONS_LISTED = 500


def schedule_events(plan: PlanDef, year: int) -> list[PlannedEvent]:
    return [_planned(e) for e in year_schedule(plan, year)]


def _planned(e: ScheduledEvent) -> PlannedEvent:
    return PlannedEvent(key=e.key, kind=e.kind, subject=e.subject, at=e.at, catch_up_until=e.catch_up_until)


def amendment_id(plan_id: str, version: int) -> uuid.UUID:
    """The audit row of a plan's amendment to `version`: one per version, whatever the retries."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"thidua:plan-amendment:{plan_id}:{version}")


def amendment_audit(inp: PlanVersionInput, plan: PlanDef) -> dict[str, Any]:
    """Who amended the plan, when, why, to which version: written with the new version, read by the
    administrators of the plan's scope (its unit) and shown in the plan's workflow timeline."""
    actor = inp.actor
    return {
        "id": amendment_id(inp.plan_id, inp.version),
        "nomination_id": None,
        "at": inp.at,
        # A user since removed (or a tool's actor) does not stop the amendment: the name stays.
        "actor_id": select(col(User.id)).where(col(User.id) == actor.user_id).scalar_subquery(),
        "actor_name": f"{actor.name} ({actor.acting_as})" if actor.acting_as else actor.name,
        "action": "plan_amended",
        "comment": inp.reason,
        "source_address": actor.address,
        "subject_type": "plan",
        "subject_id": inp.plan_id,
        "unit_id": select(col(Unit.id)).where(col(Unit.code) == plan.scope_code).scalar_subquery(),
        "details": {"version": inp.version},
    }


class PlanActivities:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    @activity.defn(name=PLAN_SCHEDULE)
    async def plan_schedule(self, inp: ScheduleInput) -> list[PlannedEvent]:
        return schedule_events(PlanDef.model_validate(inp.definition), inp.year)

    @activity.defn(name=RECORD_PLAN_VERSION)
    async def record_plan_version(self, inp: PlanVersionInput) -> None:
        plan = PlanDef.model_validate(inp.definition)
        async with self._engine.begin() as conn:
            current = (
                await conn.execute(
                    select(col(Plan.version), col(Plan.source_file))
                    .where(col(Plan.id) == inp.plan_id)
                    .with_for_update()
                )
            ).one_or_none()
            if current is not None and current.version >= inp.version:
                return  # a retried activity: already written
            source = current.source_file if current is not None else None
            await conn.run_sync(lambda sync: write_plan(sync, plan, inp.version, source))
            await conn.execute(insert(AuditEntry).values(**amendment_audit(inp, plan)).on_conflict_do_nothing())
            activity.logger.info(
                "plan %s amended to version %s by user %s", inp.plan_id, inp.version, inp.actor.user_id
            )

    @activity.defn(name=PLAN_EVENT)
    async def plan_event(self, inp: PlanEventInput) -> PlanEventResult:
        plan = PlanDef.model_validate(inp.definition)
        event = inp.event
        year = int(event.key.split(":", 1)[0])
        started = time.perf_counter()
        async with self._engine.begin() as conn:
            if event.kind == OPEN_TASKS:
                summary = await self._open_tasks(conn, plan, event, year, inp.fired_at)
            elif event.kind == REMINDER:
                summary = await self._remind(conn, plan, event, year, inp.fired_at)
            elif event.kind == DUE:
                summary = await self._due(conn, plan, event, year, inp.fired_at)
            elif event.kind == WINDOW_OPEN:
                summary = await self._window(conn, plan, event, inp.fired_at, closing=False)
            elif event.kind == WINDOW_CLOSE:
                summary = await self._window(conn, plan, event, inp.fired_at, closing=True)
            else:
                raise ValueError(f"unknown plan event kind {event.kind!r}")
            # Wall-clock time of the bulk work, shown by the scale benchmark.
            summary["elapsed_ms"] = round((time.perf_counter() - started) * 1000, 1)
            values = {
                "plan_id": plan.id,
                "key": event.key,
                "kind": event.kind,
                "subject": event.subject,
                "year": year,
                "scheduled_at": event.at,
                "fired_at": inp.fired_at,
                "runs": 1,
                "summary": summary,
            }
            stmt = insert(PlanEvent).values(**values)
            await conn.execute(
                stmt.on_conflict_do_update(
                    index_elements=["plan_id", "key"],
                    set_={
                        "runs": PlanEvent.runs + 1,  # type: ignore[operator]
                        "summary": stmt.excluded.summary,
                        "scheduled_at": stmt.excluded.scheduled_at,
                        "fired_at": stmt.excluded.fired_at,
                    },
                )
            )
        return PlanEventResult(key=event.key, kind=event.kind, summary=summary)

    # ---- report streams -------------------------------------------------------------------------

    async def _open_tasks(
        self, conn: AsyncConnection, plan: PlanDef, event: PlannedEvent, year: int, at: datetime
    ) -> dict[str, Any]:
        stream = next(r for r in plan.reports if r.key == event.subject)
        index = await load_org_tree(conn)
        units = index.select(stream.units, f"reports.{stream.key}.units")
        due = stream.due.instant(year)
        # One statement for every unit, however many there are.
        result = await conn.execute(
            text(
                "INSERT INTO plan_reports (plan_id, year, stream, unit_id, status, opened_at, due_at, late,"
                " key_figures, attachments)"
                " SELECT :plan_id, :year, :stream, u, 'open', :opened_at, :due_at, false, '{}'::jsonb, '[]'::jsonb"
                " FROM unnest(:units) AS u"
                # Opened again after an amendment: tasks still open take the new due instant.
                " ON CONFLICT (plan_id, year, stream, unit_id) DO UPDATE SET due_at = EXCLUDED.due_at"
                " WHERE plan_reports.status = 'open'"
            ).bindparams(bindparam("units", type_=ARRAY(Integer))),
            {"plan_id": plan.id, "year": year, "stream": stream.key, "opened_at": at, "due_at": due, "units": units},
        )
        return {"units": len(units), "written": result.rowcount, "due_at": due.isoformat()}

    async def _remind(
        self, conn: AsyncConnection, plan: PlanDef, event: PlannedEvent, year: int, at: datetime
    ) -> dict[str, Any]:
        stream = next(r for r in plan.reports if r.key == event.subject)
        due = deadline(stream.due.instant(year))
        message = f"Nhắc báo cáo: «{stream.name}» năm {year} của kế hoạch {plan.number or plan.id}, hạn {due}."
        pending = select(
            literal(plan.id),
            literal(event.key),
            literal("reminder"),
            literal(REPORTER_ROLE),
            col(PlanReport.unit_id),
            literal(message),
            literal(at),
        ).where(
            col(PlanReport.plan_id) == plan.id,
            col(PlanReport.year) == year,
            col(PlanReport.stream) == stream.key,
            col(PlanReport.status) == "open",
        )
        await conn.execute(
            insert(PlanNotification)
            .from_select(["plan_id", "event_key", "kind", "role", "unit_id", "message", "created_at"], pending)
            .on_conflict_do_nothing(index_elements=["plan_id", "event_key", "unit_id", "role"])
        )
        reminded = (
            await conn.execute(
                select(func.count()).where(
                    col(PlanNotification.plan_id) == plan.id, col(PlanNotification.event_key) == event.key
                )
            )
        ).scalar_one()
        return {"reminded": reminded}

    async def _due(
        self, conn: AsyncConnection, plan: PlanDef, event: PlannedEvent, year: int, at: datetime
    ) -> dict[str, Any]:
        stream = next(r for r in plan.reports if r.key == event.subject)
        due = deadline(stream.due.instant(year))
        where = (
            col(PlanReport.plan_id) == plan.id,
            col(PlanReport.year) == year,
            col(PlanReport.stream) == stream.key,
        )
        marked = await conn.execute(
            update(PlanReport).where(*where, col(PlanReport.status) == "open").values(status="overdue", overdue_at=at)
        )
        overdue_message = (
            f"Quá hạn: chưa gửi «{stream.name}» năm {year} (hạn {due}); báo cáo gửi sau sẽ bị ghi nhận nộp muộn."
        )
        late_units = select(
            literal(plan.id),
            literal(event.key),
            literal("overdue"),
            literal(REPORTER_ROLE),
            col(PlanReport.unit_id),
            literal(overdue_message),
            literal(at),
        ).where(*where, col(PlanReport.status) == "overdue")
        await conn.execute(
            insert(PlanNotification)
            .from_select(["plan_id", "event_key", "kind", "role", "unit_id", "message", "created_at"], late_units)
            .on_conflict_do_nothing(index_elements=["plan_id", "event_key", "unit_id", "role"])
        )
        view = await consolidated(conn, plan.id, year, stream.key)
        index = await load_org_tree(conn)
        escalation = (
            f"Tổng hợp «{stream.name}» năm {year} (hạn {due}): {view['submitted']}/{view['total']} đơn vị đã báo cáo, "
            f"{view['overdue']} đơn vị quá hạn chưa báo cáo."
        )
        for code in stream.recipients:
            await conn.execute(
                insert(PlanNotification)
                .values(
                    plan_id=plan.id,
                    event_key=event.key,
                    kind="escalation",
                    role=SECRETARIAT_ROLE,
                    unit_id=index.get_code(code, f"reports.{stream.key}.recipients").id,
                    message=escalation,
                    created_at=at,
                )
                .on_conflict_do_nothing(index_elements=["plan_id", "event_key", "unit_id", "role"])
            )
        return {"marked_overdue": marked.rowcount, **view}

    # ---- milestone windows ----------------------------------------------------------------------

    async def _window(
        self, conn: AsyncConnection, plan: PlanDef, event: PlannedEvent, at: datetime, *, closing: bool
    ) -> dict[str, Any]:
        milestone = next(m for m in plan.milestones if m.key == event.subject)
        summary: dict[str, Any] = {
            "period_kind": milestone.kind,
            "year": milestone.year,
            "opens_at": milestone.window.opens_at().isoformat(),
            "closes_at": milestone.window.closes_at().isoformat(),
            "award_forms": milestone.award_forms,
        }
        index = await load_org_tree(conn)
        recipients = {code for stream in plan.reports for code in stream.recipients}
        if closing:
            scope = index.get_code(plan.scope_code, "scope")
            scope_ids = [scope.id, *index.descendants(scope.id)]
            nominations = (
                await conn.execute(
                    select(
                        col(Nomination.id),
                        col(Nomination.nominee_name),
                        col(Nomination.nominee_kind),
                        col(Nomination.award_form),
                        col(Nomination.status),
                        col(Nomination.proposing_unit_id),
                    )
                    .where(
                        col(Nomination.period_kind) == milestone.kind,
                        col(Nomination.period_year) == milestone.year,
                        col(Nomination.proposing_unit_id).in_(scope_ids),
                    )
                    .order_by(col(Nomination.created_at))
                )
            ).all()
            counted = [n for n in nominations if n.status not in ("withdrawn", "rejected")]
            summary["nominations_total"] = len(nominations)
            summary["nominations"] = [
                {
                    "id": str(n.id),
                    "nominee": n.nominee_name,
                    "nominee_kind": n.nominee_kind,
                    "award_form": n.award_form,
                    "status": n.status,
                    "unit": index.by_id[n.proposing_unit_id].code if n.proposing_unit_id in index.by_id else None,
                }
                for n in nominations[:NOMINATIONS_LISTED]
            ]
            summary["quotas"] = quota_status(plan, milestone.key, index, counted)
            unmet = sum(1 for q in summary["quotas"] if not q["met"])
            message = (
                f"Đã đóng đợt nhận đề nghị khen thưởng – {milestone.name}: {len(nominations)} hồ sơ; "
                f"{unmet} chỉ tiêu điển hình chưa đạt."
            )
        else:
            message = (
                f"Mở đợt nhận đề nghị khen thưởng – {milestone.name}, đến {deadline(milestone.window.closes_at())}."
            )
        for code in sorted(recipients):
            await conn.execute(
                insert(PlanNotification)
                .values(
                    plan_id=plan.id,
                    event_key=event.key,
                    kind="window",
                    role=SECRETARIAT_ROLE,
                    unit_id=index.get_code(code, "reports.recipients").id,
                    message=message,
                    created_at=at,
                )
                .on_conflict_do_nothing(index_elements=["plan_id", "event_key", "unit_id", "role"])
            )
        return summary


def quota_status(plan: PlanDef, milestone_key: str, index: OrgTree, nominations: list[Any]) -> list[dict[str, Any]]:
    """For each unit a quota names: how many nominations of the kind it proposed at this milestone."""
    supervisor = {s.supervises: s.unit for s in plan.supervision}
    out: list[dict[str, Any]] = []
    for quota in plan.quotas:
        if milestone_key not in quota.milestones:
            continue
        for unit_id in index.select(quota.units, f"quotas.{quota.key}.units"):
            unit = index.by_id[unit_id]
            count = sum(
                1 for n in nominations if n.proposing_unit_id == unit_id and n.nominee_kind == quota.nominee_kind
            )
            out.append(
                {
                    "quota": quota.key,
                    "unit": unit.code,
                    "unit_name": unit.name,
                    "nominee_kind": quota.nominee_kind,
                    "required": quota.at_least,
                    "count": count,
                    "met": count >= quota.at_least,
                    "supervised_by": supervisor.get(unit.code),
                }
            )
    return out
