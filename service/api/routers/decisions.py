"""Award decisions: sign one decision for several nominations, the issuing unit's register, one decision."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from typing import Annotated

from fastapi import APIRouter, Header, Query, Response
from sqlalchemy import and_, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.rules.registers import number_text
from models.store.decisions import find_decision
from models.tables import Decision
from service.api.deps import AppContext, ContextDep, CurrentUser, SessionDep, UserDep
from service.api.problems import Problem
from service.api.schemas.common import IDEMPOTENCY_KEY_PATTERN
from service.api.schemas.decisions import DecisionCreate, DecisionOut, DecisionPage, VerificationOut
from service.api.signing import decision_id_for, sign_and_record
from service.documents.signature import load_roots, verify_pdf
from service.documents.store import ensure_documents, stored_document
from service.queries.decisions import decision_out, decision_visible, get_visible_decision, waiting_for_signer

router = APIRouter(prefix="/api/v1/decisions", tags=["decisions"])


@router.post("", response_model=DecisionOut, status_code=201)
async def sign_decision(
    body: DecisionCreate,
    response: Response,
    ctx: ContextDep,
    session: SessionDep,
    user: UserDep,
    idempotency_key: Annotated[
        str | None, Header(alias="Idempotency-Key", min_length=8, max_length=200, pattern=IDEMPOTENCY_KEY_PATTERN)
    ] = None,
) -> DecisionOut:
    """The signer signs ONE decision for all these nominations waiting for their signature."""
    decision_id = decision_id_for(user.id, idempotency_key)
    existing = await find_decision(session, decision_id)
    if existing is not None:
        if existing.signer_user_id != user.id:
            raise Problem(409, "Khóa yêu cầu đã được dùng.", code="idempotency_conflict")
        response.status_code = 200
        return (await decision_out(session, ctx.catalogue, [existing]))[0]
    waiting = await waiting_for_signer(session, user, body.nomination_ids)
    decision, _ = await sign_and_record(ctx, session, user, waiting, decision_id=decision_id)
    response.headers["Location"] = f"/api/v1/decisions/{decision.id}"
    async with ctx.sessions() as own:
        return (await decision_out(own, ctx.catalogue, [decision]))[0]


@router.get("", response_model=DecisionPage)
async def list_decisions(
    ctx: ContextDep,
    session: SessionDep,
    user: UserDep,
    year: Annotated[int | None, Query(ge=1945, le=2200)] = None,
    unit_id: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> DecisionPage:
    filters = [decision_visible(user)]
    if year is not None:
        filters.append(col(Decision.year) == year)
    if unit_id is not None:
        filters.append(col(Decision.issuing_unit_id) == unit_id)
    where = and_(*filters)
    total = (await session.exec(select(func.count()).select_from(Decision).where(where))).one()
    rows = (
        await session.exec(
            select(Decision)
            .where(where)
            .order_by(
                col(Decision.year).desc(), col(Decision.issuing_unit_id), col(Decision.number).desc(), col(Decision.id)
            )
            .limit(limit)
            .offset(offset)
        )
    ).all()
    return DecisionPage(items=await decision_out(session, ctx.catalogue, rows, awardees=False), total=total)


@router.get("/{decision_id}", response_model=DecisionOut)
async def get_decision(decision_id: uuid.UUID, ctx: ContextDep, session: SessionDep, user: UserDep) -> DecisionOut:
    decision = await get_visible_decision(session, user, decision_id)
    return (await decision_out(session, ctx.catalogue, [decision]))[0]


MEDIA = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "certs": "application/pdf",
}


async def _document(
    ctx: AppContext, session: AsyncSession, user: CurrentUser, decision_id: uuid.UUID, kind: str
) -> Response:
    decision = await get_visible_decision(session, user, decision_id)
    await ensure_documents(ctx, session, decision)
    doc = await stored_document(session, decision.id, kind)
    assert doc is not None
    stem = "bang-khen" if kind == "certs" else "quyet-dinh"
    name = f"{stem}-{number_text(decision.number)}-{decision.year}.{'pdf' if kind == 'certs' else kind}"
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


@router.get("/{decision_id}/document.pdf", response_class=Response, responses={200: {"content": {MEDIA["pdf"]: {}}}})
async def decision_pdf(decision_id: uuid.UUID, ctx: ContextDep, session: SessionDep, user: UserDep) -> Response:
    """The decision in the format of Decree 30/2020/NĐ-CP, signed (PAdES) or marked unsigned-digital."""
    return await _document(ctx, session, user, decision_id, "pdf")


@router.get("/{decision_id}/document.docx", response_class=Response, responses={200: {"content": {MEDIA["docx"]: {}}}})
async def decision_docx(decision_id: uuid.UUID, ctx: ContextDep, session: SessionDep, user: UserDep) -> Response:
    """The decision as an editable DOCX (same content)."""
    return await _document(ctx, session, user, decision_id, "docx")


@router.get(
    "/{decision_id}/certificates.pdf", response_class=Response, responses={200: {"content": {MEDIA["pdf"]: {}}}}
)
async def decision_certificates(
    decision_id: uuid.UUID, ctx: ContextDep, session: SessionDep, user: UserDep
) -> Response:
    """The certificates (bằng khen, giấy khen): one page per awardee, for printing onto pre-printed blanks."""
    return await _document(ctx, session, user, decision_id, "certs")


@router.get("/{decision_id}/verify", response_model=VerificationOut)
async def verify_decision(
    decision_id: uuid.UUID, ctx: ContextDep, session: SessionDep, user: UserDep
) -> VerificationOut:
    """Whether the decision's stored PDF is intact and whose signature it carries."""
    decision = await get_visible_decision(session, user, decision_id)
    await ensure_documents(ctx, session, decision)
    doc = await stored_document(session, decision.id, "pdf")
    assert doc is not None
    roots = load_roots(list(ctx.settings.signing_trust_roots))
    content = doc.content
    intact_copy = hashlib.sha256(content).hexdigest() == doc.sha256
    if not doc.signed:
        return VerificationOut(
            decision_id=decision.id, status="unsigned_digital", ok=intact_copy, sha256=doc.sha256, signed=False,
            intact=intact_copy, valid=False, trusted=False, covers_whole_file=False,
            problem="Quyết định được ban hành dưới dạng bản điện tử chưa ký số, cần in, ký và đóng dấu.",
        )  # fmt: skip
    v = await asyncio.to_thread(verify_pdf, content, roots)
    return VerificationOut(
        decision_id=decision.id, status="signed", ok=v.ok and intact_copy, sha256=doc.sha256, signed=v.signed,
        intact=v.intact and intact_copy, valid=v.valid, trusted=v.trusted, covers_whole_file=v.covers_whole_file,
        signer=v.signer, signed_at=v.signed_at, problem=v.problem, signers=list(v.signers),
    )  # fmt: skip
