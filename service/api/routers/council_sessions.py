"""Council sessions (phiên họp Hội đồng): a council decides a list of nominations in one meeting.

The secretary opens a session for nominations waiting at the council, then either records
attendance once and each nominee's result in one form (a meeting), or lets every member fill one
ballot paper covering every nominee (an electronic session, through the secret ballot box) and
closes it. Either way a `CouncilSessionWorkflow` applies the results, each to its own nomination
through that nomination's Update, and the session shows its progress until it is closed.
"""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Response
from sqlalchemy import delete, func, text, update
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.rules.text import nfc
from models.store import ballot_box
from models.tables import Ballot, BallotVoter, CouncilSession, CouncilSessionItem, Nomination
from service.api.deps import AppContext, ContextDep, CurrentUser, SessionDep, UserDep
from service.api.problems import Problem
from service.api.schemas.common import IDEMPOTENCY_KEY_PATTERN, INT4_MAX
from service.api.schemas.council_sessions import (
    BallotPaper,
    PaperReceipt,
    SessionApplying,
    SessionOpen,
    SessionOut,
    SessionResults,
    SessionSummary,
    WaitingOut,
)
from service.documents.council_minutes import DOCX, PDF, minutes_document
from service.queries.council_sessions import (
    load_session,
    may_read,
    session_out,
    summaries,
    waiting_at,
)
from service.queries.councils import holds_seat, meeting_membership
from service.security.audit import record_admin_action
from service.temporal.council_sessions import session_input
from service.temporal.gateway import CouncilSessionRef, NominationRef
from workflows.contracts import OpenBallotInput, RouteStep, TallyInput
from workflows.nomination import RefusedAction, check_tally

router = APIRouter(prefix="/api/v1/council-sessions", tags=["council sessions"])
SESSIONS_NAMESPACE = uuid.UUID("6f1f3c1e-5d0a-4a53-9d7e-2f7c1b9e0c11")
ROUTE_FIELDS = {f.name for f in dataclasses.fields(RouteStep)}


def _secretary(user: CurrentUser, council_unit_id: int) -> None:
    if not user.has_role("council_secretary", council_unit_id):
        raise Problem(403, "Chỉ thư ký của Hội đồng này mới được thực hiện.", code="not_council_secretary")


@router.get("/waiting", response_model=list[WaitingOut])
async def waiting(
    council_unit_id: Annotated[int, Query(ge=1, le=INT4_MAX)], ctx: ContextDep, session: SessionDep, user: UserDep
) -> list[WaitingOut]:
    """The nominations waiting at the council's step: what a session can be opened for."""
    if not may_read(user, council_unit_id):
        raise Problem(403, "Bạn không thuộc Hội đồng này.", code="not_council")
    return await waiting_at(session, ctx.catalogue, council_unit_id)


@router.get("", response_model=list[SessionSummary])
async def list_sessions(
    session: SessionDep, user: UserDep, council_unit_id: Annotated[int | None, Query(ge=1, le=INT4_MAX)] = None
) -> list[SessionSummary]:
    return await summaries(session, user, council_unit_id)


@router.post("", status_code=201, response_model=SessionSummary)
async def open_session(
    body: SessionOpen,
    ctx: ContextDep,
    session: SessionDep,
    user: UserDep,
    idempotency_key: Annotated[
        str | None, Header(alias="Idempotency-Key", min_length=8, max_length=200, pattern=IDEMPOTENCY_KEY_PATTERN)
    ] = None,
) -> SessionSummary:
    council_unit_id = body.council_unit_id
    _secretary(user, council_unit_id)
    # The same key gives the same session: its id is made from the caller and the key.
    session_id = uuid.uuid5(SESSIONS_NAMESPACE, f"{user.id}/{idempotency_key}") if idempotency_key else uuid.uuid4()
    existing = (await session.exec(select(CouncilSession).where(CouncilSession.id == session_id))).one_or_none()
    if existing is None:
        members = await ctx.rosters.size(session, council_unit_id)
        if body.mode == "electronic" and members < 1:
            raise Problem(422, "Hội đồng chưa có thành viên nào trong hệ thống.", code="no_members")
        # One session at a time takes a council's nominations: two secretaries opening sessions at once
        # cannot both list the same nominee.
        await session.exec(text("SELECT pg_advisory_xact_lock(:k)").bindparams(k=7_300_000_000 + council_unit_id))  # type: ignore[call-overload]
        waiting_now = {w.nomination_id: w for w in await waiting_at(session, ctx.catalogue, council_unit_id)}
        problems = []
        for i, nomination_id in enumerate(body.nomination_ids, start=1):
            found = waiting_now.get(nomination_id)
            if found is None:
                problems.append({"row": i, "field": "nomination_id", "detail": "Hồ sơ không chờ Hội đồng này xét."})
            elif found.in_session is not None:
                problems.append({"row": i, "field": "nomination_id", "detail": "Hồ sơ đã có trong một phiên họp khác."})
            elif found.ballot_open:
                problems.append(
                    {"row": i, "field": "nomination_id", "detail": "Hồ sơ đang có cuộc bỏ phiếu riêng chưa kết thúc."}
                )
        if problems:
            raise Problem(409, "Một số hồ sơ không thể đưa vào phiên họp.", code="not_waiting", errors=problems)
        now = ctx.clock()
        existing = CouncilSession(
            id=session_id, council_unit_id=council_unit_id, mode=body.mode, status="open", opened_by=user.id,
            opened_at=now, total=len(body.nomination_ids), members=members if body.mode == "electronic" else None,
        )  # fmt: skip
        session.add(existing)
        await session.flush()
        for position, nomination_id in enumerate(body.nomination_ids, start=1):
            session.add(
                CouncilSessionItem(
                    session_id=session_id, nomination_id=nomination_id, position=position,
                    step=waiting_now[nomination_id].step,
                )
            )  # fmt: skip
        record_admin_action(
            session, user, "council_session_opened", subject_type="council_session", subject_id=session_id,
            unit_id=council_unit_id, details={"mode": body.mode, "nominations": len(body.nomination_ids)},
        )  # fmt: skip
        await session.commit()
    elif existing.opened_by != user.id:
        raise Problem(409, "Idempotency-Key này đã được dùng.", code="idempotency_key_reused")
    if existing.mode == "electronic" and existing.status == "open":
        await _open_ballots(ctx, session, user, existing)
    summary = await summaries(session, user, existing.council_unit_id)
    return next(s for s in summary if s.id == existing.id)


async def _open_ballots(ctx: AppContext, db: AsyncSession, user: CurrentUser, s: CouncilSession) -> None:
    """Open each nominee's secret ballot box (an Update each, keyed so that a retry opens none twice).

    A nominee whose nomination refuses (it moved on meanwhile) leaves the session; Temporal away
    is 503, and the same request again opens the rest.
    """
    items = (
        await db.exec(select(CouncilSessionItem, Nomination.workflow_id)
                      .join(Nomination, col(Nomination.id) == col(CouncilSessionItem.nomination_id))
                      .where(col(CouncilSessionItem.session_id) == s.id))
    ).all()  # fmt: skip
    actor = user.actor(("council_secretary", s.council_unit_id))
    members = s.members or 0
    await db.close()
    gate = asyncio.Semaphore(8)

    async def one(item: CouncilSessionItem, workflow_id: str) -> tuple[uuid.UUID, Problem | None]:
        async with gate:
            try:
                await ctx.gateway.open_ballot(
                    NominationRef(workflow_id), OpenBallotInput(actor=actor, members=members, step=item.step),
                    release=None, update_id=f"{CouncilSessionRef(str(s.id)).workflow_id}/open/{item.nomination_id}",
                )  # fmt: skip
            except Problem as problem:
                return item.nomination_id, problem
            return item.nomination_id, None

    outcomes = await asyncio.gather(*(one(item, workflow_id) for item, workflow_id in items))
    refused = [n for n, p in outcomes if p is not None and p.status < 500 and p.code != "ballot_open"]
    if refused:
        async with ctx.engine.begin() as conn:
            await conn.execute(
                delete(CouncilSessionItem).where(
                    col(CouncilSessionItem.session_id) == s.id, col(CouncilSessionItem.nomination_id).in_(refused)
                )
            )
            await conn.execute(
                update(CouncilSession).where(col(CouncilSession.id) == s.id).values(total=s.total - len(refused))
            )
    if any(p is not None and p.status >= 500 for _, p in outcomes):
        raise Problem(
            503, "Chưa mở được phiếu cho mọi hồ sơ; hãy gửi lại yêu cầu.", code="temporal_unavailable", retry_after=5
        )


@router.get("/{session_id}", response_model=SessionOut)
async def get_session(session_id: uuid.UUID, ctx: ContextDep, session: SessionDep, user: UserDep) -> SessionOut:
    found = await load_session(session, user, session_id)
    return await session_out(session, ctx.catalogue, found)


@router.post("/{session_id}/results", status_code=202, response_model=SessionApplying)
async def record_results(
    session_id: uuid.UUID, body: SessionResults, ctx: ContextDep, session: SessionDep, user: UserDep
) -> SessionApplying:
    """The meeting's attendance and each nominee's tally, recorded once; applied by the session's workflow."""
    found = await load_session(session, user, session_id)
    _secretary(user, found.council_unit_id)
    if found.mode != "meeting":
        raise Problem(409, "Phiên họp bỏ phiếu điện tử: hãy kết thúc bỏ phiếu thay vì ghi kết quả.", code="wrong_mode")
    items = {
        i.nomination_id: i
        for i in (await session.exec(select(CouncilSessionItem).where(CouncilSessionItem.session_id == found.id))).all()
    }
    given = {r.nomination_id: r for r in body.results}
    if found.status != "open":
        same = given.keys() == items.keys() and all(
            (items[n].votes_for, items[n].votes_against, items[n].written_for, items[n].written_against)
            == (r.votes_for, r.votes_against, r.written_for, r.written_against)
            for n, r in given.items()
        )
        if found.status in ("applying", "closed") and same:
            return SessionApplying(id=found.id, status=found.status, applied=found.applied, total=found.total)
        raise Problem(409, "Phiên họp đã ghi kết quả hoặc đã hủy.", code="session_not_open")
    errors: list[dict[str, Any]] = []
    if len(given) != len(body.results):
        errors.append({"row": None, "field": "results", "detail": "Một hồ sơ có hai kết quả."})
    for i, r in enumerate(body.results, start=1):
        if r.nomination_id not in items:
            errors.append({"row": i, "field": "nomination_id", "detail": "Hồ sơ không thuộc phiên họp này."})
    missing = [i.position for n, i in items.items() if n not in given]
    if missing:
        errors.append(
            {"row": None, "field": "results",
             "detail": f"Thiếu kết quả của hồ sơ số {', '.join(map(str, sorted(missing)))} trong danh sách."}
        )  # fmt: skip
    if errors:
        raise Problem(422, "Kết quả phiên họp chưa đầy đủ hoặc không hợp lệ.", code="invalid_results", errors=errors)
    members = await meeting_membership(
        session, user, found.council_unit_id, body.members, body.members_reason,
        details={"council_session": str(found.id)}, rosters=ctx.rosters,
    )  # fmt: skip
    routes = dict(
        (await session.exec(select(Nomination.id, Nomination.route).where(col(Nomination.id).in_(list(items))))).all()
    )
    actor = user.actor(("council_secretary", found.council_unit_id))
    minutes = nfc(body.minutes)
    for i, r in enumerate(body.results, start=1):
        item = items[r.nomination_id]
        step = next((s for s in routes[r.nomination_id] if s["key"] == item.step), None)
        if step is None:
            continue
        try:
            check_tally(
                TallyInput(actor=actor, members=members, present=body.present, votes_for=r.votes_for,
                           votes_against=r.votes_against, written_for=r.written_for,
                           written_against=r.written_against, minutes=minutes),
                RouteStep(**{k: v for k, v in step.items() if k in ROUTE_FIELDS}),
            )  # fmt: skip
        except RefusedAction as refused:
            errors.append({"row": i, "field": "votes", "detail": refused.message})
    if errors:
        raise Problem(422, "Kết quả phiên họp chưa đầy đủ hoặc không hợp lệ.", code="invalid_results", errors=errors)
    now = ctx.clock()
    for r in body.results:
        item = items[r.nomination_id]
        item.votes_for, item.votes_against = r.votes_for, r.votes_against
        item.written_for, item.written_against = r.written_for, r.written_against
        session.add(item)
    found.members, found.present, found.minutes = members, body.present, minutes
    return await _start_applying(ctx, session, user, found, actor_data=dataclasses.asdict(actor), now=now)


async def _start_applying(
    ctx: AppContext,
    db: AsyncSession,
    user: CurrentUser,
    found: CouncilSession,
    *,
    actor_data: dict[str, Any],
    now: datetime,
) -> SessionApplying:
    found.status, found.actor, found.results_at = "applying", actor_data, now
    found.workflow_id = CouncilSessionRef(str(found.id)).workflow_id
    db.add(found)
    record_admin_action(
        db, user, "council_session_results", subject_type="council_session", subject_id=found.id,
        unit_id=found.council_unit_id, details={"mode": found.mode, "present": found.present, "total": found.total},
    )  # fmt: skip
    await db.commit()
    inp = await session_input(db, found.id)
    out = SessionApplying(id=found.id, status="applying", applied=found.applied, total=found.total)
    await db.close()
    try:
        await ctx.gateway.start_council_session(CouncilSessionRef(str(found.id)), inp)
    except Problem as problem:
        if problem.status < 500:
            raise
        # Recorded: the workers start the session's workflow as soon as Temporal answers again.
    return out


@router.post("/{session_id}/cancel", response_model=SessionSummary)
async def cancel_session(session_id: uuid.UUID, session: SessionDep, user: UserDep) -> SessionSummary:
    """Give up a meeting session before its results are recorded: its nominations wait again."""
    found = await load_session(session, user, session_id)
    _secretary(user, found.council_unit_id)
    if found.status != "open" or found.mode != "meeting":
        raise Problem(409, "Chỉ hủy được phiên họp chưa ghi kết quả.", code="session_not_open")
    found.status, found.closed_at = "cancelled", datetime.now(UTC)
    session.add(found)
    record_admin_action(
        session, user, "council_session_cancelled", subject_type="council_session", subject_id=found.id,
        unit_id=found.council_unit_id,
    )  # fmt: skip
    await session.commit()
    return next(s for s in await summaries(session, user, found.council_unit_id) if s.id == found.id)


# ---- electronic sessions: one ballot paper per member -----------------------------------------


@router.post("/{session_id}/paper", response_model=PaperReceipt)
async def hand_in_paper(session_id: uuid.UUID, body: BallotPaper, session: SessionDep, user: UserDep) -> PaperReceipt:
    """A member's ballot paper: a choice for every nominee, put in each nominee's secret ballot box in
    ONE transaction (all counted, or none)."""
    found = await load_session(session, user, session_id)
    if not user.has_role("council_member", found.council_unit_id) or not await holds_seat(
        session, user.id, found.council_unit_id
    ):
        raise Problem(403, "Chỉ thành viên Hội đồng này mới được bỏ phiếu.", code="not_council_member")
    if found.mode != "electronic" or found.status != "open":
        raise Problem(409, "Phiên họp không có cuộc bỏ phiếu điện tử đang mở.", code="no_ballot")
    items = {
        i.nomination_id: i
        for i in (await session.exec(select(CouncilSessionItem).where(CouncilSessionItem.session_id == found.id))).all()
    }
    choices = {c.nomination_id: c.choice for c in body.choices}
    if choices.keys() != items.keys() or len(choices) != len(body.choices):
        raise Problem(422, "Phiếu phải có đúng một lựa chọn cho mỗi hồ sơ của phiên họp.", code="invalid_paper")
    numbers = dict(
        (
            await session.exec(
                select(Ballot.nomination_id, Ballot.number).where(
                    col(Ballot.nomination_id).in_(list(items)), col(Ballot.status) == "open"
                )
            )
        ).all()
    )
    conn = await session.connection()
    try:
        for nomination_id, item in sorted(items.items(), key=lambda kv: kv[1].position):
            number = numbers.get(nomination_id)
            if number is None:
                raise ballot_box.BallotBoxError("Cuộc bỏ phiếu của một hồ sơ đã kết thúc.", "no_ballot")
            receipt = await ballot_box.cast(conn, nomination_id, item.step, number, user.id, choices[nomination_id])
            if receipt.box != "database":
                raise ballot_box.BallotBoxError("Hồ sơ này chỉ bỏ phiếu riêng được.", "wrong_box")
    except ballot_box.BallotBoxError as exc:
        await session.rollback()
        raise Problem(409 if exc.code != "invalid_vote" else 422, str(exc), code=exc.code) from None
    await session.commit()
    return PaperReceipt(session_id=found.id, votes=len(items))


@router.get("/{session_id}/paper", response_model=PaperReceipt | None)
async def my_paper(session_id: uuid.UUID, session: SessionDep, user: UserDep) -> PaperReceipt | None:
    """Whether the caller's paper is in (the number of votes it put in), never how it voted."""
    found = await load_session(session, user, session_id)
    first = (
        await session.exec(
            select(CouncilSessionItem)
            .where(CouncilSessionItem.session_id == found.id)
            .order_by(col(CouncilSessionItem.position))
        )
    ).first()
    if first is None:
        return None
    voted = (
        await session.exec(
            select(func.count()).where(
                col(BallotVoter.seat_user_id) == user.id,
                col(BallotVoter.nomination_id) == first.nomination_id,
                col(BallotVoter.step) == first.step,
                col(BallotVoter.number).in_(
                    select(Ballot.number).where(
                        col(Ballot.nomination_id) == first.nomination_id, col(Ballot.status) == "open"
                    )
                ),
            )
        )
    ).one()
    return PaperReceipt(session_id=found.id, votes=found.total) if voted else None


@router.post("/{session_id}/close", status_code=202, response_model=SessionApplying)
async def close_voting(session_id: uuid.UUID, ctx: ContextDep, session: SessionDep, user: UserDep) -> SessionApplying:
    """End an electronic session's voting: each nominee's box is closed and counted by its workflow."""
    found = await load_session(session, user, session_id)
    _secretary(user, found.council_unit_id)
    if found.mode != "electronic":
        raise Problem(409, "Phiên họp trực tiếp: hãy ghi kết quả.", code="wrong_mode")
    if found.status != "open":
        return SessionApplying(id=found.id, status=found.status, applied=found.applied, total=found.total)
    actor = user.actor(("council_secretary", found.council_unit_id))
    return await _start_applying(ctx, session, user, found, actor_data=dataclasses.asdict(actor), now=ctx.clock())


@router.get("/{session_id}/minutes.pdf", response_class=Response)
async def minutes_pdf(session_id: uuid.UUID, ctx: ContextDep, session: SessionDep, user: UserDep) -> Response:
    return await _minutes(ctx, session, user, session_id, PDF)


@router.get("/{session_id}/minutes.docx", response_class=Response)
async def minutes_docx(session_id: uuid.UUID, ctx: ContextDep, session: SessionDep, user: UserDep) -> Response:
    return await _minutes(ctx, session, user, session_id, DOCX)


async def _minutes(ctx: AppContext, db: AsyncSession, user: CurrentUser, session_id: uuid.UUID, kind: str) -> Response:
    found = await load_session(db, user, session_id)
    if found.status != "closed":
        raise Problem(
            409, "Biên bản được lập khi mọi kết quả của phiên họp đã được áp dụng.", code="session_not_closed"
        )
    out = await session_out(db, ctx.catalogue, found)
    content, media_type, digest = await minutes_document(db, ctx, out, kind)
    name = f"bien-ban-phien-hop-{found.id.hex[:8]}.{kind}"
    return Response(
        content, media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{name}"', "X-Content-SHA256": digest},
    )  # fmt: skip
