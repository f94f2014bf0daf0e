"""A unit's list (tờ trình kèm danh sách): submit many nominees at once, as JSON or an Excel file; the
template of that file; the lists a user sees; one list with its progress; its submission letter.

The list and all its nominations are stored in ONE transaction with the letter's number
(models/store/submissions.py); the API answers once it commits and then starts each nomination's
workflow in the background (service/temporal/nomination_start.py), a few at a time. A dossier whose
start did not happen (the API stopped) waits at version 0 for the workers' reconciliation.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response
from pydantic import BaseModel
from sqlalchemy import ColumnElement, and_, tuple_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.rules.registers import number_text
from models.rules.submission_sheet import template_xlsx
from models.rules.text import fold
from models.store.submissions import NewSubmission, find_key, find_submission, record_submission
from models.tables import Nomination, Unit
from models.tables.submissions import Submission, SubmissionKey
from service.api.deps import AppContext, ContextDep, CurrentUser, SessionDep, UserDep
from service.api.problems import Problem
from service.api.schemas.common import IDEMPOTENCY_KEY_PATTERN, INT4_MAX
from service.api.schemas.submissions import (
    RowError,
    SubmissionCreate,
    SubmissionCreated,
    SubmissionOut,
    SubmissionPage,
    SubmissionUpload,
)
from service.api.submission_input import ListRequest, check_entries, read_list
from service.api.xlsx import XLSX
from service.core.metrics import NOMINATIONS_CREATED
from service.documents.submission_store import ensure_letter, stored_letter
from service.queries.paging import capped_count, decode_cursor, encode_cursor
from service.queries.proposals import check_proposal, new_nomination
from service.queries.submissions import (
    get_visible_submission,
    number_symbol,
    submission_nominations,
    submission_out,
    submission_visible,
    summaries,
)
from service.temporal.nomination_start import start_nominations

router = APIRouter(prefix="/api/v1/submissions", tags=["submissions"])


def _inline(model: type[BaseModel]) -> dict[str, Any]:
    """The model's JSON schema with its definitions written in place (the body is read by hand, so
    FastAPI does not publish these models among the document's components)."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return resolve(defs[node["$ref"].rsplit("/", 1)[-1]])
            return {k: resolve(v) for k, v in node.items()}
        if isinstance(node, list):
            return [resolve(v) for v in node]
        return node

    return dict(resolve(schema))


_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {"schema": _inline(SubmissionCreate)},
            "multipart/form-data": {"schema": _inline(SubmissionUpload)},
        },
    }
}


def _start_in_background(ctx: AppContext, user: CurrentUser, nominations: list[Nomination]) -> None:
    if nominations:
        actor = user.actor(("clerk", nominations[0].proposing_unit_id))
        ctx.background.spawn(start_nominations(ctx.gateway, nominations, ctx.catalogue, actor))


@router.post("", status_code=201, response_model=SubmissionCreated, openapi_extra=_BODY)
async def create_submission(
    request: Request,
    response: Response,
    ctx: ContextDep,
    session: SessionDep,
    user: UserDep,
    idempotency_key: Annotated[
        str, Header(alias="Idempotency-Key", min_length=8, max_length=200, pattern=IDEMPOTENCY_KEY_PATTERN)
    ],
) -> SubmissionCreated:
    """Propose a unit's list in one submission letter: JSON (`nominees`) or an .xlsx of the template
    (multipart: `file` with award_form, proposing_unit_id, period_kind, period_year, only_valid).
    Any bad row: 422 naming each row and field, nothing created; with only_valid the valid rows are
    created and the others listed in `rejected`."""
    parsed = await read_list(request)
    head = parsed.head
    existing = await find_key(session, user.id, idempotency_key)
    if existing is not None:
        return await _replay(ctx, session, user, existing, parsed, response)

    now = ctx.clock()
    proposal = await check_proposal(
        session, ctx.catalogue, user, award_form=head.award_form, proposing_unit_id=head.proposing_unit_id,
        period_kind=head.period.kind, period_year=head.period.year, at=now, trees=ctx.org_trees,
    )  # fmt: skip
    valid, errors = check_entries(parsed, proposal.form)
    if errors and not head.only_valid:
        raise Problem(
            422,
            f"Danh sách có {len({e.row for e in errors})} dòng không hợp lệ; chưa tạo hồ sơ nào. "
            "Hãy sửa các dòng được nêu rồi gửi lại (hoặc chọn chỉ nộp các dòng hợp lệ).",
            code="invalid_rows",
            errors=[e.model_dump() for e in errors],
        )
    if not valid:
        raise Problem(
            422, "Không có dòng hợp lệ nào trong danh sách; chưa tạo hồ sơ nào.", code="no_valid_rows",
            errors=[e.model_dump() for e in errors],
        )  # fmt: skip
    unit = await session.get(Unit, head.proposing_unit_id)
    assert unit is not None and ctx.registers is not None  # check_proposal found its route
    # Drawn sorted: ordering the list's nominations by id gives back the list's order.
    ids = sorted(uuid.uuid4() for _ in valid)
    # The dossiers' own times as a single create sets them; the letter's date is the API's clock.
    created = datetime.now(UTC)
    nominations = [
        new_nomination(proposal, entry, created_by=user.id, now=created, nomination_id=nid)
        for nid, (_, entry) in zip(ids, valid, strict=True)
    ]
    new = NewSubmission(
        id=uuid.uuid4(), proposing_unit_id=unit.id or 0, award_form=proposal.form.code,
        period_kind=proposal.period_kind, period_year=proposal.period_year,
        symbol=ctx.registers.letter_symbol(unit.code, unit.kind), source=parsed.source, created_by=user.id,
        created_at=now, idempotency_key=idempotency_key, request_hash=parsed.request_hash,
    )  # fmt: skip
    submission = await record_submission(session, new, nominations)
    if submission is None:  # a concurrent request with the same key stored its list first
        winner = await find_key(session, user.id, idempotency_key)
        assert winner is not None
        return await _replay(ctx, session, user, winner, parsed, response)

    # Answered now; the workflows start right after (the workers start any this process leaves).
    _start_in_background(ctx, user, nominations)
    NOMINATIONS_CREATED.labels(award_form=proposal.form.code).inc(len(nominations))
    response.headers["Location"] = f"/api/v1/submissions/{submission.id}"
    return SubmissionCreated(
        id=submission.id, number=submission.number, symbol=submission.symbol,
        number_symbol=number_symbol(submission), nomination_ids=[n.id for n in nominations],
        total=submission.total, rejected=errors,
    )  # fmt: skip


async def _replay(
    ctx: AppContext,
    session: AsyncSession,
    user: CurrentUser,
    key: SubmissionKey,
    parsed: ListRequest,
    response: Response,
) -> SubmissionCreated:
    if key.request_hash != parsed.request_hash:
        raise Problem(
            409,
            "Idempotency-Key này đã được dùng cho một danh sách khác; hãy dùng khoá mới cho yêu cầu mới.",
            code="idempotency_key_reused",
        )
    submission = await find_submission(session, key.submission_id)
    assert submission is not None
    nominations = await submission_nominations(session, submission.id)
    # The first attempt may have stopped before starting every workflow: start those still at version 0.
    _start_in_background(ctx, user, [n for n in nominations if n.version == 0])
    form = ctx.catalogue.get(submission.award_form)
    rejected: list[RowError] = check_entries(parsed, form)[1] if form is not None else []
    response.headers["Location"] = f"/api/v1/submissions/{submission.id}"
    return SubmissionCreated(
        id=submission.id, number=submission.number, symbol=submission.symbol,
        number_symbol=number_symbol(submission), nomination_ids=[n.id for n in nominations],
        total=submission.total, rejected=rejected,
    )  # fmt: skip


@router.get("", response_model=SubmissionPage)
async def list_submissions(
    ctx: ContextDep,
    session: SessionDep,
    user: UserDep,
    unit_id: Annotated[int | None, Query(ge=1, le=INT4_MAX)] = None,
    year: Annotated[int | None, Query(ge=2000, le=2100, description="năm của sổ tờ trình")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
) -> SubmissionPage:
    """The lists the caller sees (those of nominations they see), newest first, the id as tiebreak."""
    filters: list[ColumnElement[bool]] = [submission_visible(user)]
    if unit_id is not None:
        filters.append(col(Submission.proposing_unit_id) == unit_id)
    if year is not None:
        filters.append(col(Submission.year) == year)
    where = and_(*filters)
    total, capped = await capped_count(session, select(col(Submission.id)).where(where))
    page = select(Submission).where(where)
    if cursor is not None:
        page = page.where(tuple_(col(Submission.created_at), col(Submission.id)) < decode_cursor(cursor))
        offset = 0
    rows = list(
        (
            await session.exec(
                page.order_by(col(Submission.created_at).desc(), col(Submission.id).desc()).limit(limit).offset(offset)
            )
        ).all()
    )
    next_cursor = encode_cursor(rows[-1].created_at, rows[-1].id) if len(rows) == limit else None
    return SubmissionPage(
        items=await summaries(session, ctx.catalogue, rows), total=total, total_capped=capped, limit=limit,
        offset=offset, next_cursor=next_cursor,
    )  # fmt: skip


@router.get("/template.xlsx", response_class=Response, responses={200: {"content": {XLSX: {}}}})
async def submission_template(
    ctx: ContextDep,
    user: UserDep,
    award_form: Annotated[str, Query(min_length=1, max_length=64)],
) -> Response:
    """The Excel template of a list for one award form: Vietnamese headers, an example row, the kinds
    as a drop-down, and a second sheet with the form's criteria (codes and texts)."""
    form = ctx.catalogue.get(award_form)
    if form is None:
        raise Problem(404, f"Không có hình thức khen thưởng «{award_form}».", code="award_form_not_found")
    criteria = [(kind, c.code, c.text) for kind in form.nominee_kinds for c in form.checklist(kind)]
    first = form.checklist(form.nominee_kinds[0])[:2]
    data = template_xlsx(form.name, form.nominee_kinds, criteria, [c.code for c in first])
    name = f"mau-danh-sach-{fold(form.code).replace('_', '-')}.xlsx"
    return Response(content=data, media_type=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get("/{submission_id}", response_model=SubmissionOut)
async def get_submission(
    submission_id: uuid.UUID, ctx: ContextDep, session: SessionDep, user: UserDep
) -> SubmissionOut:
    """One list: its number, its nominations with their status, how many workflows have started."""
    submission = await get_visible_submission(session, user, submission_id)
    return await submission_out(session, ctx.catalogue, submission)


MEDIA = {"pdf": "application/pdf", "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}


async def _letter(
    ctx: AppContext, session: AsyncSession, user: CurrentUser, submission_id: uuid.UUID, kind: str
) -> Response:
    submission = await get_visible_submission(session, user, submission_id)
    await ensure_letter(ctx, session, submission)
    doc = await stored_letter(session, submission.id, kind)
    assert doc is not None
    name = f"to-trinh-{number_text(submission.number)}-{submission.year}.{kind}"
    return Response(
        content=doc.content,
        media_type=MEDIA[kind],
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Content-SHA256": doc.sha256,
            "ETag": f'"{doc.sha256}"',
            "Cache-Control": "private, no-store",
        },
    )


@router.get("/{submission_id}/letter.pdf", response_class=Response, responses={200: {"content": {MEDIA["pdf"]: {}}}})
async def submission_letter_pdf(
    submission_id: uuid.UUID, ctx: ContextDep, session: SessionDep, user: UserDep
) -> Response:
    """The submission letter (tờ trình) in the format of Decree 30/2020/NĐ-CP, with the list of nominees."""
    return await _letter(ctx, session, user, submission_id, "pdf")


@router.get("/{submission_id}/letter.docx", response_class=Response, responses={200: {"content": {MEDIA["docx"]: {}}}})
async def submission_letter_docx(
    submission_id: uuid.UUID, ctx: ContextDep, session: SessionDep, user: UserDep
) -> Response:
    """The submission letter as an editable DOCX (same content)."""
    return await _letter(ctx, session, user, submission_id, "docx")
