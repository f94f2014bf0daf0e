"""Plans (Kế hoạch): list and read, yearly reports with their files, the calendar, and an
administrator's amendment."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time
from typing import Annotated, Any

from fastapi import APIRouter, File, Path, Query, Response, UploadFile
from fastapi.responses import FileResponse
from pydantic import ValidationError
from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.rules.calendar import VN_TZ
from models.rules.org_tree import OrgTree, UnknownUnitError
from models.rules.plan_schedule import calendar, describe_event, report_due
from models.rules.plans import PlanDef, PlanFileError, check_units
from models.rules.text import nfc, nfc_deep
from models.store.plan_reports import consolidated
from models.tables.plans import Plan, PlanMilestone, PlanReport, PlanReportFile
from service.api.deps import ContextDep, CurrentUser, SessionDep, UserDep
from service.api.files import DOWNLOAD_RESPONSES, commit_or_remove, file_download, receive_upload
from service.api.problems import Problem
from service.api.schemas.plans import (
    AmendIn,
    CalendarItem,
    CalendarOut,
    PlanDetail,
    PlanSummary,
    ReportFileOut,
    ReportFilePage,
    ReportIn,
    ReportOut,
    ReportsOut,
    StreamView,
)
from service.queries.plans import (
    administers,
    get_report,
    org_index,
    plan_definition,
    sees_all,
    user_units,
    visible,
    visible_plan,
)
from service.security.attachment_store import REPORT_TYPES, AttachmentStore, sanitise_filename
from service.security.audit import record_admin_action
from service.temporal.gateway import PlanRef
from workflows.plan_contracts import PlanAmendment, PlanView

router = APIRouter(prefix="/api/v1/plans", tags=["plans"])
REPORT_ROLES = ("clerk", "secretariat")
# A report's id (a bigint): out of range is 422, never a database error.
ReportId = Annotated[int, Path(ge=1, le=9_223_372_036_854_775_807)]
# A report is a few documents (the signed report, its figures, photographs), not a dossier.
MAX_FILES_PER_REPORT = 10


# ---- helpers --------------------------------------------------------------------------------------


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
    index = await org_index(session)
    return [_summary(p) for p in plans if visible(plan_definition(p), user, index)]


@router.get("/{plan_id}", response_model=PlanDetail)
async def get_plan(plan_id: str, session: SessionDep, user: UserDep) -> dict[str, Any]:
    plan, _, _ = await visible_plan(session, user, plan_id)
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
    _, definition, _ = await visible_plan(session, user, plan_id)
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
    plan, definition, index = await visible_plan(session, user, plan_id)
    query = select(PlanReport).where(PlanReport.plan_id == plan.id, PlanReport.year == year)
    everyone = sees_all(definition, user, index)
    if not everyone:
        query = query.where(col(PlanReport.unit_id).in_(user_units(user)))
    rows = (await session.exec(query.order_by(col(PlanReport.stream), col(PlanReport.unit_id)))).all()
    streams = []
    if everyone:
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
    files = await _files_of(session, [r.id for r in rows if r.id is not None])
    items = [_report_out(r, index, files.get(r.id or 0, [])) for r in rows]
    return ReportsOut(plan_id=plan.id, year=year, streams=streams, items=items)


def _report_out(report: PlanReport, index: OrgTree, files: list[ReportFileOut]) -> ReportOut:
    unit = index.by_id.get(report.unit_id)
    return ReportOut(
        **report.model_dump(exclude={"plan_id", "submitted_by"}),
        unit_code=unit.code if unit else None,
        unit_name=unit.name if unit else None,
        files=files,
    )


async def _files_of(session: AsyncSession, report_ids: list[int]) -> dict[int, list[ReportFileOut]]:
    """The files of these reports, oldest first, by report."""
    out: dict[int, list[ReportFileOut]] = {}
    if not report_ids:
        return out
    rows = (
        await session.exec(
            select(PlanReportFile)
            .where(col(PlanReportFile.report_id).in_(report_ids))
            .order_by(col(PlanReportFile.created_at), col(PlanReportFile.id))
        )
    ).all()
    for f in rows:
        out.setdefault(f.report_id, []).append(ReportFileOut.model_validate(f, from_attributes=True))
    return out


@router.post("/{plan_id}/reports", response_model=ReportOut)
async def submit_report(plan_id: str, body: ReportIn, session: SessionDep, user: UserDep) -> ReportOut:
    plan, _, index = await visible_plan(session, user, plan_id)
    if not any(user.has_role(role, body.unit_id) for role in REPORT_ROLES):
        raise Problem(403, NOT_UNIT_REPORTER, code="not_unit_reporter")
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
    assert task.id is not None
    return _report_out(task, index, (await _files_of(session, [task.id])).get(task.id, []))


# ---- a report's files -------------------------------------------------------------------------------

NOT_UNIT_REPORTER = "Chỉ cán bộ thi đua hoặc văn phòng của đơn vị mới được gửi báo cáo của đơn vị."
REPORT_SENT = "Báo cáo đã gửi: không thể thêm hoặc gỡ tệp."


def _why_no_change(report: PlanReport, user: CurrentUser, count: int | None = None) -> tuple[int, str, str] | None:
    """Why the caller may not add (count given) or remove a file of this report now, as (status,
    Vietnamese reason, code); None when it may."""
    if not any(user.has_role(role, report.unit_id) for role in REPORT_ROLES):
        return 403, NOT_UNIT_REPORTER, "not_unit_reporter"
    if report.status == "submitted":
        return 409, REPORT_SENT, "report_submitted"
    if count is not None and count >= MAX_FILES_PER_REPORT:
        return 409, f"Mỗi báo cáo có tối đa {MAX_FILES_PER_REPORT} tệp.", "too_many_files"
    return None


async def _file_count(session: AsyncSession, report_id: int) -> int:
    return (
        await session.exec(
            select(func.count()).select_from(PlanReportFile).where(PlanReportFile.report_id == report_id)
        )
    ).one()


@router.get("/{plan_id}/reports/{report_id}/files", response_model=ReportFilePage)
async def list_report_files(
    plan_id: str, report_id: ReportId, ctx: ContextDep, session: SessionDep, user: UserDep
) -> ReportFilePage:
    """A report's files with their size and SHA-256, and whether the caller may add one now (and why not)."""
    _, _, _, report = await get_report(session, user, plan_id, report_id)
    files = (await _files_of(session, [report_id])).get(report_id, [])
    refused = _why_no_change(report, user, len(files))
    return ReportFilePage(
        items=files,
        total=len(files),
        may_add=refused is None,
        may_remove=_why_no_change(report, user) is None,
        locked_reason=refused[1] if refused else None,
        max_bytes=ctx.settings.max_attachment_bytes,
        max_files=MAX_FILES_PER_REPORT,
        accepted_types=sorted(REPORT_TYPES),
    )


@router.post("/{plan_id}/reports/{report_id}/files", status_code=201, response_model=ReportFileOut)
async def upload_report_file(
    plan_id: str,
    report_id: ReportId,
    ctx: ContextDep,
    session: SessionDep,
    user: UserDep,
    response: Response,
    file: Annotated[UploadFile, File(description="PDF, DOCX, XLSX, JPEG hoặc PNG")],
) -> ReportFileOut:
    """Attach a file to a unit's report before it is sent. The same bytes twice are stored once: the
    second upload answers 200 with the file already there."""
    _, _, _, report = await get_report(session, user, plan_id, report_id)
    if refused := _why_no_change(report, user, await _file_count(session, report_id)):
        raise Problem(refused[0], refused[1], code=refused[2])
    # Release the read (and its connection) while the bytes are copied.
    await session.close()

    store = AttachmentStore(ctx.settings.attachments_path)
    file_id = uuid.uuid4()
    stored = await receive_upload(
        store,
        file,
        f"plan-reports/{report_id}",
        file_id,
        max_bytes=ctx.settings.max_attachment_bytes,
        accepted=REPORT_TYPES,
    )
    try:
        # Checked again with the report locked: a report sent (or filled) meanwhile takes no more.
        _, _, _, report = await get_report(session, user, plan_id, report_id, for_update=True)
        same = (
            await session.exec(
                select(PlanReportFile).where(
                    PlanReportFile.report_id == report_id, PlanReportFile.sha256 == stored.sha256
                )
            )
        ).one_or_none()
        if same is not None:
            store.remove(stored.storage_key)
            await session.close()
            response.status_code = 200
            return ReportFileOut.model_validate(same, from_attributes=True)
        if refused := _why_no_change(report, user, await _file_count(session, report_id)):
            raise Problem(refused[0], refused[1], code=refused[2])
    except BaseException:
        store.remove(stored.storage_key)
        raise
    row = PlanReportFile(
        id=file_id,
        report_id=report_id,
        file_name=sanitise_filename(file.filename, stored.content_type),
        content_type=stored.content_type,
        size_bytes=stored.size_bytes,
        sha256=stored.sha256,
        storage_key=stored.storage_key,
        uploaded_by=user.id,
        created_at=datetime.now(UTC),
    )
    session.add(row)
    record_admin_action(
        session,
        user,
        "attach",
        subject_type="plan_report",
        subject_id=report_id,
        unit_id=report.unit_id,
        comment=row.file_name,
        details={
            "plan_id": plan_id,
            "year": report.year,
            "stream": report.stream,
            "file_id": str(file_id),
            "sha256": stored.sha256,
            "size_bytes": stored.size_bytes,
        },
    )
    out = ReportFileOut.model_validate(row, from_attributes=True)
    try:
        await commit_or_remove(session, store, stored.storage_key)
    except IntegrityError:
        # The same bytes uploaded at the same moment by another request: that one's row stands.
        await session.rollback()
        same = (
            await session.exec(
                select(PlanReportFile).where(
                    PlanReportFile.report_id == report_id, PlanReportFile.sha256 == stored.sha256
                )
            )
        ).one_or_none()
        if same is None:
            raise
        response.status_code = 200
        return ReportFileOut.model_validate(same, from_attributes=True)
    return out


async def _report_file(session: AsyncSession, report_id: int, file_id: uuid.UUID) -> PlanReportFile:
    row = (
        await session.exec(
            select(PlanReportFile).where(PlanReportFile.id == file_id, PlanReportFile.report_id == report_id)
        )
    ).one_or_none()
    if row is None:
        raise Problem(404, "Không tìm thấy tệp của báo cáo.", code="report_file_not_found")
    return row


@router.get("/{plan_id}/reports/{report_id}/files/{file_id}", response_class=FileResponse, responses=DOWNLOAD_RESPONSES)
async def download_report_file(
    plan_id: str, report_id: ReportId, file_id: uuid.UUID, ctx: ContextDep, session: SessionDep, user: UserDep
) -> FileResponse:
    """For those who see the report: the unit's people and those who consolidate the plan's reports."""
    await get_report(session, user, plan_id, report_id)
    row = await _report_file(session, report_id, file_id)
    return file_download(
        AttachmentStore(ctx.settings.attachments_path),
        row.storage_key,
        file_name=row.file_name,
        content_type=row.content_type,
        sha256=row.sha256,
    )


@router.delete("/{plan_id}/reports/{report_id}/files/{file_id}", status_code=204)
async def remove_report_file(
    plan_id: str, report_id: ReportId, file_id: uuid.UUID, ctx: ContextDep, session: SessionDep, user: UserDep
) -> Response:
    """A file chosen by mistake, removed by the unit's reporter before the report is sent."""
    _, _, _, report = await get_report(session, user, plan_id, report_id, for_update=True)
    if refused := _why_no_change(report, user):
        raise Problem(refused[0], refused[1], code=refused[2])
    row = await _report_file(session, report_id, file_id)
    storage_key = row.storage_key
    await session.delete(row)
    record_admin_action(
        session,
        user,
        "detach",
        subject_type="plan_report",
        subject_id=report_id,
        unit_id=report.unit_id,
        comment=row.file_name,
        details={"plan_id": plan_id, "file_id": str(file_id), "sha256": row.sha256},
    )
    await session.commit()
    AttachmentStore(ctx.settings.attachments_path).remove(storage_key)
    return Response(status_code=204)


async def _amended(session: AsyncSession, user: CurrentUser, plan_id: str, body: AmendIn) -> tuple[Plan, PlanDef]:
    """The plan as the amendment would make it, checked as the workflow would take it (not saved)."""
    if not user.is_admin:
        raise Problem(403, "Chỉ quản trị hệ thống mới được thay đổi kế hoạch đang chạy.", code="not_admin")
    plan, definition, index = await visible_plan(session, user, plan_id)
    if not administers(definition, user, index):  # an administrator of other units: not theirs to see
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
