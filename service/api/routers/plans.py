"""Plans (Kế hoạch): list and read, yearly reports, the calendar, and an administrator's amendment."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import ValidationError
from sqlalchemy import update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.rules.calendar import VN_TZ
from models.rules.org_tree import OrgTree, UnknownUnitError
from models.rules.plan_schedule import calendar, describe_event, report_due
from models.rules.plans import PlanDef, PlanFileError, check_units
from models.rules.text import nfc, nfc_deep
from models.store.org import load_org_tree
from models.store.plan_reports import consolidated
from models.tables.plans import Plan, PlanMilestone, PlanReport
from service.api.deps import ContextDep, CurrentUser, SessionDep, UserDep
from service.api.problems import Problem
from service.api.schemas.plans import (
    AmendIn,
    CalendarItem,
    CalendarOut,
    PlanDetail,
    PlanSummary,
    ReportIn,
    ReportOut,
    ReportsOut,
    StreamView,
)
from service.temporal.gateway import PlanRef
from workflows.plan_contracts import PlanAmendment, PlanView

router = APIRouter(prefix="/api/v1/plans", tags=["plans"])
REPORT_ROLES = ("clerk", "secretariat")


# ---- schemas --------------------------------------------------------------------------------------


# ---- helpers --------------------------------------------------------------------------------------


def _definition(plan: Plan) -> PlanDef:
    return PlanDef.model_validate(plan.definition)


def _user_units(user: CurrentUser) -> set[int]:
    return {unit for _, unit in user.roles} | ({user.unit.id} if user.unit.id is not None else set())


def _administers(plan: PlanDef, user: CurrentUser, index: OrgTree) -> bool:
    """An administrator whose scope covers the plan's issuer or scope unit (not any administrator)."""
    units = [index.by_code[c].id for c in (plan.scope_code, plan.issuer) if c in index.by_code]
    return any(user.has_role("admin", unit) for unit in units)


def _sees_all(plan: PlanDef, user: CurrentUser, index: OrgTree) -> bool:
    """The plan's administrators, and the issuer's and the recipients' people see every unit's report."""
    if _administers(plan, user, index):
        return True
    codes = {plan.issuer, *(c for r in plan.reports for c in r.recipients)}
    return any(index.by_id[u].code in codes for u in _user_units(user) if u in index.by_id)


def _visible(plan: PlanDef, user: CurrentUser, index: OrgTree) -> bool:
    if _sees_all(plan, user, index):
        return True
    return any(
        plan.scope_code in {a.code for a in index.ancestors_or_self(u)} for u in _user_units(user) if u in index.by_id
    )


async def _index(session: AsyncSession) -> OrgTree:
    conn = await session.connection()
    return await load_org_tree(conn)


async def _get_plan(session: AsyncSession, user: CurrentUser, plan_id: str) -> tuple[Plan, PlanDef, OrgTree]:
    plan = (await session.exec(select(Plan).where(Plan.id == plan_id))).one_or_none()
    index = await _index(session)
    if plan is None or not _visible(_definition(plan), user, index):
        raise Problem(404, "Không tìm thấy kế hoạch.", code="plan_not_found")
    return plan, _definition(plan), index


def _summary(plan: Plan) -> dict[str, Any]:
    return {
        "id": plan.id,
        "issuer_code": plan.issuer_code,
        "scope_code": plan.scope_code,
        "number": plan.number,
        "issued_on": plan.issued_on,
        "title": plan.title,
        "source_file": plan.source_file,
        "period_start": plan.period_start,
        "period_end": plan.period_end,
        "version": plan.version,
        "workflow_id": PlanRef(plan.id).workflow_id,
    }


def _parse_day(value: str, field: str) -> datetime:
    try:
        if len(value) == 10:
            return datetime.combine(date.fromisoformat(value), time(0, 0), VN_TZ)
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise Problem(422, f"Tham số {field} không phải ngày hợp lệ (YYYY-MM-DD).", code="validation") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=VN_TZ)


# ---- routes ---------------------------------------------------------------------------------------


@router.get("", response_model=list[PlanSummary])
async def list_plans(session: SessionDep, user: UserDep) -> list[dict[str, Any]]:
    plans = (await session.exec(select(Plan).order_by(col(Plan.id)))).all()
    index = await _index(session)
    return [_summary(p) for p in plans if _visible(_definition(p), user, index)]


@router.get("/{plan_id}", response_model=PlanDetail)
async def get_plan(plan_id: str, session: SessionDep, user: UserDep) -> dict[str, Any]:
    plan, _, _ = await _get_plan(session, user, plan_id)
    now = datetime.now(UTC)
    milestones = (
        await session.exec(
            select(PlanMilestone).where(PlanMilestone.plan_id == plan.id).order_by(col(PlanMilestone.opens_at))
        )
    ).all()
    return {
        **_summary(plan),
        "definition": plan.definition,
        "milestones": [
            {**m.model_dump(exclude={"plan_id"}), "open_now": m.opens_at <= now < m.closes_at} for m in milestones
        ],
    }


@router.get("/{plan_id}/calendar", response_model=CalendarOut)
async def plan_calendar(
    plan_id: str,
    session: SessionDep,
    user: UserDep,
    from_: Annotated[str, Query(alias="from", max_length=40)],
    to: Annotated[str, Query(max_length=40)],
) -> CalendarOut:
    _, definition, _ = await _get_plan(session, user, plan_id)
    start, end = _parse_day(from_, "from"), _parse_day(to, "to")
    if end <= start or (end - start).days > 20 * 366:
        raise Problem(
            422, "Khoảng thời gian không hợp lệ: «to» phải sau «from» và không quá 20 năm.", code="validation"
        )
    items = [
        CalendarItem(key=e.key, kind=e.kind, subject=e.subject, at=e.at, label=describe_event(definition, e))
        for e in calendar(definition, start, end)
    ]
    return CalendarOut(plan_id=plan_id, items=items)


@router.get("/{plan_id}/reports", response_model=ReportsOut)
async def plan_reports(
    plan_id: str, session: SessionDep, user: UserDep, year: Annotated[int, Query(ge=2000, le=2100)]
) -> ReportsOut:
    plan, definition, index = await _get_plan(session, user, plan_id)
    query = select(PlanReport).where(PlanReport.plan_id == plan.id, PlanReport.year == year)
    sees_all = _sees_all(definition, user, index)
    if not sees_all:
        query = query.where(col(PlanReport.unit_id).in_(_user_units(user)))
    rows = (await session.exec(query.order_by(col(PlanReport.stream), col(PlanReport.unit_id)))).all()
    streams = []
    if sees_all:
        conn = await session.connection()
        for stream in definition.reports:
            # A year the plan asks no report of (before it was issued, outside its period) has none.
            due = report_due(definition, stream, year)
            if due is None:
                continue
            view = await consolidated(conn, plan.id, year, stream.key)
            streams.append(
                StreamView(stream=stream.key, name=stream.name, due_at=due, recipients=stream.recipients, **view)
            )
    items = [
        ReportOut(
            **r.model_dump(exclude={"id", "plan_id", "submitted_by"}),
            unit_code=index.by_id[r.unit_id].code if r.unit_id in index.by_id else None,
            unit_name=index.by_id[r.unit_id].name if r.unit_id in index.by_id else None,
        )
        for r in rows
    ]
    return ReportsOut(plan_id=plan.id, year=year, streams=streams, items=items)


@router.post("/{plan_id}/reports", response_model=ReportOut)
async def submit_report(plan_id: str, body: ReportIn, session: SessionDep, user: UserDep) -> ReportOut:
    plan, _, index = await _get_plan(session, user, plan_id)
    if not any(user.has_role(role, body.unit_id) for role in REPORT_ROLES):
        raise Problem(
            403,
            "Chỉ cán bộ thi đua hoặc văn phòng của đơn vị mới được gửi báo cáo của đơn vị.",
            code="not_unit_reporter",
        )
    query = select(PlanReport).where(
        PlanReport.plan_id == plan.id, PlanReport.year == body.year, PlanReport.unit_id == body.unit_id
    )
    if body.stream is not None:
        query = query.where(PlanReport.stream == body.stream)
    tasks = (await session.exec(query.with_for_update())).all()
    if not tasks:
        raise Problem(
            409,
            f"Đơn vị chưa có kỳ báo cáo năm {body.year} của kế hoạch này (kỳ báo cáo chưa mở hoặc đơn vị không thuộc diện báo cáo).",
            code="no_report_task",
        )
    if len(tasks) > 1:
        raise Problem(422, "Đơn vị có nhiều loại báo cáo trong kế hoạch; hãy chọn «stream».", code="stream_required")
    task = tasks[0]
    if task.status == "submitted":
        raise Problem(409, "Đơn vị đã gửi báo cáo năm này.", code="already_submitted")
    now = datetime.now(UTC)
    late = now >= task.due_at
    await session.exec(
        update(PlanReport)
        .where(col(PlanReport.id) == task.id, col(PlanReport.status) != "submitted")
        .values(
            status="submitted",
            submitted_at=now,
            late=late,
            text=nfc(body.text),
            key_figures=nfc_deep(body.key_figures),
            attachments=nfc_deep(body.attachments),
            submitted_by=user.id,
        )
    )
    await session.commit()
    await session.refresh(task)
    unit = index.by_id.get(task.unit_id)
    return ReportOut(
        **task.model_dump(exclude={"id", "plan_id", "submitted_by"}),
        unit_code=unit.code if unit else None,
        unit_name=unit.name if unit else None,
    )


async def _amended(session: AsyncSession, user: CurrentUser, plan_id: str, body: AmendIn) -> tuple[Plan, PlanDef]:
    """The plan as the amendment would make it, checked as the workflow would take it (not saved)."""
    if not user.is_admin:
        raise Problem(403, "Chỉ quản trị hệ thống mới được thay đổi kế hoạch đang chạy.", code="not_admin")
    plan, definition, index = await _get_plan(session, user, plan_id)
    if not _administers(definition, user, index):  # an administrator of other units: not theirs to see
        raise Problem(404, "Không tìm thấy kế hoạch.", code="plan_not_found")
    if body.expected_version is not None and body.expected_version != plan.version:
        raise Problem(
            409,
            f"Kế hoạch đã được thay đổi (nay là phiên bản {plan.version}, bạn sửa phiên bản "
            f"{body.expected_version}). Tải lại trang để xem thay đổi trước khi sửa tiếp.",
            code="plan_version_conflict",
        )
    raw = definition.model_dump(mode="json")
    streams = {s["key"]: s for s in raw["reports"]}
    for change in body.reports:
        stream = streams.get(change.key)
        if stream is None:
            raise Problem(422, f"Kế hoạch không có loại báo cáo «{change.key}».", code="unknown_stream")
        if change.due_day is not None:
            stream["due"]["day"] = change.due_day
        if change.due_month is not None:
            stream["due"]["month"] = change.due_month
        units = stream["units"]
        units["codes"] = [c for c in units["codes"] if c not in change.remove_units] + [
            c for c in change.add_units if c not in units["codes"]
        ]
        units["exclude"] = [c for c in units["exclude"] if c not in change.add_units] + [
            c for c in change.remove_units if c not in units["exclude"] and c not in units["codes"]
        ]
    try:
        new = PlanDef.model_validate(raw)
        check_units(new, index, plan.id)
    except ValidationError as exc:
        fields = "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
        raise Problem(422, f"Thay đổi làm kế hoạch không hợp lệ: {fields}.", code="invalid_plan") from None
    except (PlanFileError, UnknownUnitError) as exc:
        raise Problem(422, f"Thay đổi làm kế hoạch không hợp lệ: {exc}.", code="invalid_plan") from None
    return plan, new


@router.post("/{plan_id}/amend/preview", response_model=CalendarOut)
async def preview_amendment(plan_id: str, body: AmendIn, session: SessionDep, user: UserDep) -> CalendarOut:
    """The calendar the amended plan would follow, from today to the end of its period: nothing is saved."""
    _, new = await _amended(session, user, plan_id, body)
    start = datetime.now(VN_TZ).replace(hour=0, minute=0, second=0, microsecond=0)
    end = datetime.combine(date(max(new.period.end, start.year) + 1, 1, 1), time(0, 0), VN_TZ)
    items = [
        CalendarItem(key=e.key, kind=e.kind, subject=e.subject, at=e.at, label=describe_event(new, e))
        for e in calendar(new, start, end)
    ]
    return CalendarOut(plan_id=plan_id, items=items)


@router.post("/{plan_id}/amend", response_model=PlanView)
async def amend_plan(plan_id: str, body: AmendIn, ctx: ContextDep, session: SessionDep, user: UserDep) -> PlanView:
    plan, new = await _amended(session, user, plan_id, body)
    plan_key, next_version = plan.id, plan.version + 1
    return await ctx.gateway.amend_plan(
        PlanRef(plan_key),
        PlanAmendment(
            definition=new.model_dump(mode="json"), version=next_version, actor=user.actor(), reason=body.reason
        ),
        # Release the read before the workflow writes the new version.
        release=session,
    )
