"""Nominations: create (idempotent), list, read, withdraw, resubmit and history."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Response
from sqlalchemy import ColumnElement
from sqlalchemy import select as sa_select
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.rules.labels import STATUSES
from models.rules.registers import number_text
from models.store.nominations import insert_nominations
from models.tables import IdempotencyKey, Nomination
from service.api.deps import AppContext, ContextDep, CurrentUser, SessionDep, UserDep
from service.api.problems import Problem
from service.api.schemas.common import IDEMPOTENCY_KEY_PATTERN, INT4_MAX
from service.api.schemas.nominations import (
    HistoryOut,
    NominationCreate,
    NominationCreated,
    NominationFilters,
    NominationOut,
    NominationPage,
    NominationStatus,
    ResubmitBody,
    WithdrawBody,
)
from service.api.xlsx import MAX_EXPORT_ROWS, XLSX, xlsx_response
from service.core.metrics import NOMINATIONS_CREATED
from service.queries.awards import award_checks, earlier_awards
from service.queries.dossier_rows import NEWEST, as_dicts, listed, listed_columns
from service.queries.history import build_history
from service.queries.nominations import clerk_nomination, get_visible, list_page, nominations_where, to_out
from service.queries.paging import decode_cursor, encode_cursor
from service.queries.proposals import check_proposal, new_nomination
from service.queries.search import search_page
from service.temporal.gateway import NominationRef
from service.temporal.nomination_start import start_nomination
from workflows.contracts import ResubmitInput, WithdrawInput

router = APIRouter(prefix="/api/v1/nominations", tags=["nominations"])


def _request_hash(body: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


async def _start_workflow(ctx: AppContext, nomination: Nomination, user: CurrentUser) -> None:
    # False when it already runs: a retried request.
    await start_nomination(ctx.gateway, nomination, ctx.catalogue, user.actor(("clerk", nomination.proposing_unit_id)))


@router.post("", status_code=201, response_model=NominationCreated)
async def create_nomination(
    body: NominationCreate,
    ctx: ContextDep,
    session: SessionDep,
    user: UserDep,
    # Visible ASCII only: a header is sent as bytes, and other bytes would be stored garbled.
    idempotency_key: Annotated[
        str, Header(alias="Idempotency-Key", min_length=8, max_length=200, pattern=IDEMPOTENCY_KEY_PATTERN)
    ],
) -> NominationCreated:
    data = body.normalised()
    request_hash = _request_hash(data)

    existing = (
        await session.exec(
            select(IdempotencyKey).where(IdempotencyKey.user_id == user.id, IdempotencyKey.key == idempotency_key)
        )
    ).one_or_none()
    if existing is not None:
        return await _replay(session, ctx, user, existing, request_hash)

    proposal = await check_proposal(
        session, ctx.catalogue, user, award_form=body.award_form, proposing_unit_id=body.proposing_unit_id,
        period_kind=body.period.kind, period_year=body.period.year, at=ctx.clock(), nominee_kind=body.nominee.kind,
        trees=ctx.org_trees,
    )  # fmt: skip
    now = datetime.now(UTC)
    nomination = new_nomination(proposal, data, created_by=user.id, now=now)
    await insert_nominations(session, [nomination])
    claimed = (
        await session.exec(
            insert(IdempotencyKey)
            .values(
                user_id=user.id,
                key=idempotency_key,
                request_hash=request_hash,
                nomination_id=nomination.id,
                created_at=now,
            )
            .on_conflict_do_nothing()
            .returning(col(IdempotencyKey.key))
        )
    ).first()
    if claimed is None:  # a concurrent request with the same key won the race
        await session.rollback()
        winner = (
            await session.exec(
                select(IdempotencyKey).where(IdempotencyKey.user_id == user.id, IdempotencyKey.key == idempotency_key)
            )
        ).one()
        return await _replay(session, ctx, user, winner, request_hash)
    await session.commit()

    # Stored first, then started: if Temporal cannot be reached the client gets 503 and the dossier
    # waits at version 0 until a worker starts its workflow (service/temporal/nomination_start.py).
    await _start_workflow(ctx, nomination, user)
    NOMINATIONS_CREATED.labels(award_form=proposal.form.code).inc()
    return NominationCreated(
        id=nomination.id,
        status=nomination.status,
        current_step=nomination.current_step,
        workflow_id=nomination.workflow_id,
    )


async def _replay(
    session: AsyncSession, ctx: AppContext, user: CurrentUser, key: IdempotencyKey, request_hash: str
) -> NominationCreated:
    if key.request_hash != request_hash:
        raise Problem(
            409,
            "Idempotency-Key này đã được dùng cho một hồ sơ khác; hãy dùng khóa mới cho yêu cầu mới.",
            code="idempotency_key_reused",
        )
    nomination = (await session.exec(select(Nomination).where(Nomination.id == key.nomination_id))).one()
    if nomination.version == 0:
        # The first attempt may have stopped before the workflow started: make sure it runs.
        await _start_workflow(ctx, nomination, user)
    return NominationCreated(
        id=nomination.id,
        status=nomination.status,
        current_step=nomination.current_step,
        workflow_id=nomination.workflow_id,
    )


@router.get("", response_model=NominationPage, responses={200: {"content": {XLSX: {}}}})
async def list_nominations(
    ctx: ContextDep,
    session: SessionDep,
    user: UserDep,
    status: Annotated[str | None, Query(max_length=32)] = None,
    unit_id: Annotated[int | None, Query(ge=1, le=INT4_MAX)] = None,
    award_form: Annotated[str | None, Query(max_length=64)] = None,
    year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    overdue: bool | None = None,
    submission_id: uuid.UUID | None = None,
    format: Annotated[Literal["json", "xlsx"], Query()] = "json",
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
) -> NominationPage | Response:
    filters = NominationFilters(
        status=status, unit_id=unit_id, award_form=award_form, year=year, q=q, overdue=overdue,
        submission_id=submission_id,
    )  # fmt: skip
    if format == "xlsx":
        return await _export(ctx, session, nominations_where(user, filters))
    after = None
    if cursor is not None:
        after = decode_cursor(cursor)
        offset = 0
    estimated = False
    if q and q.strip():
        # The search's own way (service/queries/search.py): under the list's other conditions.
        where = nominations_where(user, filters.model_copy(update={"q": None}))
        found = await search_page(session, where, q, after=after, limit=limit, offset=offset)
        rows, total, capped, estimated = found.rows, found.total, found.capped, found.estimated
    else:
        rows, total, capped = await list_page(
            session, nominations_where(user, filters), after=after, limit=limit, offset=offset
        )
    next_cursor = encode_cursor(rows[-1].updated_at, rows[-1].id) if len(rows) == limit else None
    items = await to_out(session, ctx.catalogue, as_dicts(rows), await ctx.org_trees.get(session))
    return NominationPage(
        items=items, total=total,
        total_capped=capped, total_estimated=estimated, limit=limit, offset=offset, next_cursor=next_cursor,
    )  # fmt: skip


async def _export(ctx: AppContext, session: AsyncSession, where: ColumnElement[bool]) -> Response:
    rows = (
        await (await session.connection()).execute(
            sa_select(*listed_columns()).where(where).order_by(*NEWEST).limit(MAX_EXPORT_ROWS)
        )
    ).all()
    items = await to_out(session, ctx.catalogue, as_dicts(rows), await ctx.org_trees.get(session))
    return xlsx_response(
        "de-nghi-khen-thuong.xlsx",
        "Đề nghị khen thưởng",
        ["STT", "Họ tên / Tên tập thể", "Đơn vị đề nghị", "Hình thức khen thưởng", "Năm", "Trạng thái",
         "Bước hiện tại", "Ngày tạo", "Số quyết định"],
        [
            [i + 1, n.nominee.get("name", ""), n.proposing_unit.name, n.award_form_name or n.award_form,
             n.period.year, STATUSES.get(n.status, n.status), n.current_step_name or "", n.created_at,
             f"{number_text(n.decision.number)}/{n.decision.symbol}" if n.decision else ""]
            for i, n in enumerate(items)
        ],
    )  # fmt: skip


@router.get("/{nomination_id}", response_model=NominationOut)
async def get_nomination(
    nomination_id: uuid.UUID, ctx: ContextDep, session: SessionDep, user: UserDep
) -> NominationOut:
    nomination = await get_visible(session, user, nomination_id)
    out = (await to_out(session, ctx.catalogue, [listed(nomination)], await ctx.org_trees.get(session)))[0]
    out.earlier_awards = await earlier_awards(session, ctx.catalogue, nomination)
    out.award_checks = award_checks(ctx.catalogue, nomination, out.earlier_awards)
    return out


@router.post("/{nomination_id}/withdraw", response_model=NominationStatus)
async def withdraw_nomination(
    nomination_id: uuid.UUID, ctx: ContextDep, session: SessionDep, user: UserDep, body: WithdrawBody | None = None
) -> NominationStatus:
    nomination = await clerk_nomination(session, user, nomination_id)
    view = await ctx.gateway.withdraw(
        NominationRef(nomination.workflow_id),
        WithdrawInput(actor=user.actor(("clerk", nomination.proposing_unit_id)), reason=body.reason if body else None),
        release=session,
    )
    return NominationStatus(
        id=nomination.id, status=view.status, current_step=view.current_step, workflow_id=nomination.workflow_id
    )


@router.post("/{nomination_id}/resubmit", response_model=NominationStatus)
async def resubmit_nomination(
    nomination_id: uuid.UUID, body: ResubmitBody, ctx: ContextDep, session: SessionDep, user: UserDep
) -> NominationStatus:
    nomination = await clerk_nomination(session, user, nomination_id)
    changes = body.model_dump(mode="json", exclude_none=True, exclude={"comment"})
    if "nominee" in changes:
        form = ctx.catalogue.get(nomination.award_form)
        if form is not None and changes["nominee"]["kind"] not in form.nominee_kinds:
            raise Problem(
                422,
                f"{form.name} không áp dụng cho đối tượng loại «{changes['nominee']['kind']}».",
                code="nominee_kind",
            )
    view = await ctx.gateway.resubmit(
        NominationRef(nomination.workflow_id),
        ResubmitInput(actor=user.actor(("clerk", nomination.proposing_unit_id)), comment=body.comment, changes=changes),
        release=session,
    )
    return NominationStatus(
        id=nomination.id, status=view.status, current_step=view.current_step, workflow_id=nomination.workflow_id
    )


@router.get("/{nomination_id}/history", response_model=HistoryOut)
async def nomination_history(
    nomination_id: uuid.UUID, ctx: ContextDep, session: SessionDep, user: UserDep, response: Response
) -> HistoryOut:
    nomination = await get_visible(session, user, nomination_id)
    items = await build_history(session, ctx.gateway, nomination, include_system=user.is_admin)
    return HistoryOut(nomination_id=nomination.id, workflow_id=nomination.workflow_id, items=items)
