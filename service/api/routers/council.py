"""Council ballots, public disclosure comments and supplement requests on a nomination."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Path, Response
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.rules.text import nfc, nfc_deep
from models.store import ballot_box
from models.tables import Ballot, BallotVoter, DisclosureComment, Nomination
from service.api.deps import ContextDep, CurrentUser, SessionDep, UserDep
from service.api.problems import Problem
from service.api.schemas.council import (
    BallotOpen,
    BallotOut,
    CommentBody,
    CommentOut,
    DisclosedOut,
    OpenBallotOut,
    SupplementAnswerBody,
    SupplementRequestBody,
    TallyBody,
    VoteBody,
    VoteReceipt,
)
from service.api.schemas.nominations import NominationStatus
from service.documents.council_minutes import ballot_minutes
from service.queries.attachments import attachment_digests
from service.queries.council_sessions import single_ballot
from service.queries.councils import holds_seat, meeting_membership
from service.queries.nominations import get_visible
from service.queries.tasks import open_task_of
from service.temporal.gateway import NominationRef
from workflows.contracts import (
    CloseBallotInput,
    NominationView,
    OpenBallotInput,
    SupplementAnswerInput,
    SupplementRequestInput,
    TallyInput,
    VoteInput,
)

router = APIRouter(prefix="/api/v1", tags=["council"])


def _status(n: Nomination, view: NominationView) -> NominationStatus:
    return NominationStatus(
        id=n.id, status=view.status, current_step=view.current_step, workflow_id=n.workflow_id,
        next_task_id=uuid.UUID(view.open_task_id) if view.open_task_id else None,
    )  # fmt: skip


def _council_step(n: Nomination) -> dict[str, Any]:
    step = next((s for s in n.route if s["key"] == n.current_step), None)
    if step is None or step["kind"] != "council":
        raise Problem(409, "Hồ sơ không ở bước xét của Hội đồng.", code="wrong_step")
    return step


async def _secretary_step(
    session: AsyncSession, user: CurrentUser, nomination_id: uuid.UUID
) -> tuple[Nomination, dict[str, Any]]:
    n = await get_visible(session, user, nomination_id)
    step = _council_step(n)
    if not user.has_role("council_secretary", step["unit_id"]):
        raise Problem(403, "Chỉ thư ký Hội đồng của bước này mới được thực hiện.", code="not_your_task")
    return n, step


@router.post("/nominations/{nomination_id}/ballot", response_model=NominationStatus)
async def open_ballot(
    nomination_id: uuid.UUID, body: BallotOpen, ctx: ContextDep, session: SessionDep, user: UserDep
) -> NominationStatus:
    n, step = await _secretary_step(session, user, nomination_id)
    members = await ctx.rosters.size(session, step["unit_id"])
    if members < 1:
        raise Problem(422, "Hội đồng chưa có thành viên nào trong hệ thống.", code="no_members")
    view = await ctx.gateway.open_ballot(
        NominationRef(n.workflow_id),
        OpenBallotInput(actor=user.actor(("council_secretary", step["unit_id"])), members=members, step=step["key"]),
        release=session,
    )
    return _status(n, view)


@router.post("/nominations/{nomination_id}/ballot/votes", response_model=VoteReceipt)
async def cast_vote(
    nomination_id: uuid.UUID, body: VoteBody, ctx: ContextDep, session: SessionDep, user: UserDep
) -> VoteReceipt:
    """Put the member's vote into the secret ballot box.

    One transaction records that the seat voted (no choice) and adds one to a counter (no name); the
    workflow sees only the totals when the secretary closes the ballot.
    """
    n = await get_visible(session, user, nomination_id)
    step = _council_step(n)
    # Only a member of this council votes, for their own seat: the role is never delegated.
    if not user.has_role("council_member", step["unit_id"]) or not await holds_seat(session, user.id, step["unit_id"]):
        raise Problem(403, "Chỉ thành viên Hội đồng của bước này mới được bỏ phiếu.", code="not_council_member")
    conn = await session.connection()
    try:
        receipt = await ballot_box.cast(conn, n.id, step["key"], body.ballot, user.id, body.choice)
    except ballot_box.BallotBoxError as exc:
        await session.rollback()
        raise Problem(409 if exc.code != "invalid_vote" else 422, str(exc), code=exc.code) from None
    await session.commit()
    out = VoteReceipt(
        nomination_id=n.id, step=receipt.step, ballot=receipt.ballot, participants=receipt.participants,
        members=receipt.members,
    )  # fmt: skip
    if receipt.box == "database":
        return out
    # A ballot opened before version 3 counts in its workflow: the seat register above refuses a
    # second vote, and the workflow gets a random token, so its history never links a member to a choice.
    try:
        await ctx.gateway.vote(
            NominationRef(n.workflow_id), VoteInput(voter_token=uuid.uuid4().hex, choice=body.choice), release=session
        )
    except Problem:
        async with ctx.engine.begin() as undo:
            await ballot_box.withdraw_seat(undo, n.id, receipt.step, receipt.ballot, user.id)
        raise
    return out


@router.post("/nominations/{nomination_id}/ballot/close", response_model=NominationStatus)
async def close_ballot(
    nomination_id: uuid.UUID, ctx: ContextDep, session: SessionDep, user: UserDep
) -> NominationStatus:
    n, step = await _secretary_step(session, user, nomination_id)
    files = await attachment_digests(session, n.id)
    view = await ctx.gateway.close_ballot(
        NominationRef(n.workflow_id),
        CloseBallotInput(actor=user.actor(("council_secretary", step["unit_id"])), step=step["key"], attachments=files),
        release=session,
    )
    return _status(n, view)


@router.post("/nominations/{nomination_id}/tally", response_model=NominationStatus)
async def record_tally(
    nomination_id: uuid.UUID, body: TallyBody, ctx: ContextDep, session: SessionDep, user: UserDep
) -> NominationStatus:
    n, step = await _secretary_step(session, user, nomination_id)
    members = await meeting_membership(
        session, user, step["unit_id"], body.members, body.members_reason, nomination_id=n.id,
        details={"step": step["key"]}, rosters=ctx.rosters,
    )  # fmt: skip
    data = nfc_deep(body.model_dump(exclude={"members", "members_reason"}))
    files = await attachment_digests(session, n.id)
    view = await ctx.gateway.record_tally(
        NominationRef(n.workflow_id),
        TallyInput(
            actor=user.actor(("council_secretary", step["unit_id"])), members=members, step=step["key"],
            attachments=files, **data,
        ),
        release=session,
    )  # fmt: skip
    return _status(n, view)


@router.get("/nominations/{nomination_id}/ballots", response_model=list[BallotOut])
async def list_ballots(nomination_id: uuid.UUID, session: SessionDep, user: UserDep) -> list[BallotOut]:
    n = await get_visible(session, user, nomination_id)
    rows = (
        await session.exec(
            select(Ballot)
            .where(Ballot.nomination_id == n.id)
            .order_by(col(Ballot.opened_at), col(Ballot.step), col(Ballot.number))
        )
    ).all()
    # While a ballot is open nobody sees the split, only that it is open.
    return [
        BallotOut(
            **b.model_dump(exclude={"votes_for", "votes_against", "nomination_id"}),
            votes_for=None if b.status == "open" else b.votes_for,
            votes_against=None if b.status == "open" else b.votes_against,
        )
        for b in rows
    ]


@router.get(
    "/nominations/{nomination_id}/ballots/{number}/minutes.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
async def ballot_minutes_pdf(
    nomination_id: uuid.UUID,
    number: Annotated[int, Path(ge=1, le=1_000)],
    ctx: ContextDep,
    session: SessionDep,
    user: UserDep,
) -> Response:
    """The minutes (biên bản) of one council meeting tally or electronic ballot on this nomination."""
    n = await get_visible(session, user, nomination_id)
    ballot = (
        await session.exec(
            select(Ballot)
            .where(col(Ballot.nomination_id) == n.id, col(Ballot.number) == number)
            .order_by(col(Ballot.opened_at).desc())
        )
    ).first()
    if ballot is None or ballot.status in ("open", "counting"):
        raise Problem(404, "Không có cuộc biểu quyết đã kết thúc với số này.", code="ballot_not_found")
    step = next((s for s in n.route if s["key"] == ballot.step), None)
    if step is None:
        raise Problem(404, "Không có cuộc biểu quyết đã kết thúc với số này.", code="ballot_not_found")
    pdf = await ballot_minutes(session, ctx, await single_ballot(session, ctx.catalogue, n, ballot, step["unit_id"]))
    return Response(
        pdf, media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="bien-ban-bieu-quyet-{number:02d}.pdf"'},
    )  # fmt: skip


@router.get("/ballots", response_model=list[OpenBallotOut])
async def my_open_ballots(session: SessionDep, user: UserDep) -> list[OpenBallotOut]:
    """Open electronic ballots of the councils the caller is a member of."""
    councils = user.units_for("council_member")
    if not councils:
        return []
    rows = (
        await session.exec(
            select(Ballot, Nomination)
            .join(Nomination, col(Nomination.id) == col(Ballot.nomination_id))
            .where(col(Ballot.status) == "open", col(Nomination.current_step) == col(Ballot.step))
            .order_by(col(Ballot.opened_at), col(Ballot.nomination_id), col(Ballot.step), col(Ballot.number))
        )
    ).all()
    voted = {
        (v.nomination_id, v.step, v.number)
        for v in (await session.exec(select(BallotVoter).where(col(BallotVoter.seat_user_id) == user.id))).all()
    }
    out = []
    for b, n in rows:
        step = next((s for s in n.route if s["key"] == b.step), None)
        if step is not None and step["unit_id"] in councils:
            out.append(OpenBallotOut(nomination_id=n.id, nominee_name=n.nominee_name, award_form=n.award_form,
                                     step=b.step, number=b.number, members=b.members, opened_at=b.opened_at,
                                     voted=(n.id, b.step, b.number) in voted))  # fmt: skip
    return out


@router.get("/disclosures", response_model=list[DisclosedOut])
async def disclosed_now(session: SessionDep, user: UserDep) -> list[DisclosedOut]:
    """Nominee lists under public disclosure: anyone signed in may read and comment."""
    now = datetime.now(UTC)
    rows = (
        await session.exec(
            select(Nomination)
            .where(col(Nomination.current_step) == "disclosure", col(Nomination.disclosure_until) > now)
            .order_by(col(Nomination.disclosure_until), col(Nomination.id))
        )
    ).all()
    return [
        DisclosedOut(id=n.id, nominee_name=n.nominee_name, award_form=n.award_form,
                     proposing_unit_id=n.proposing_unit_id, disclosure_until=n.disclosure_until)  # type: ignore[arg-type]
        for n in rows
    ]  # fmt: skip


@router.post("/nominations/{nomination_id}/comments", status_code=201, response_model=CommentOut)
async def comment_on_disclosure(
    nomination_id: uuid.UUID, body: CommentBody, session: SessionDep, user: UserDep
) -> CommentOut:
    n = (await session.exec(select(Nomination).where(Nomination.id == nomination_id))).one_or_none()
    now = datetime.now(UTC)
    if n is None or n.current_step != "disclosure" or n.disclosure_until is None or n.disclosure_until <= now:
        raise Problem(404, "Không có danh sách đang công khai với mã này.", code="not_disclosed")
    comment = DisclosureComment(
        id=uuid.uuid4(), nomination_id=n.id, author_id=user.id, author_name=user.full_name, text=body.text,
        created_at=now,
    )  # fmt: skip
    session.add(comment)
    await session.commit()
    return CommentOut(id=comment.id, author_name=comment.author_name, text=comment.text, created_at=comment.created_at)


@router.get("/nominations/{nomination_id}/comments", response_model=list[CommentOut])
async def disclosure_comments(nomination_id: uuid.UUID, session: SessionDep, user: UserDep) -> list[CommentOut]:
    n = await get_visible(session, user, nomination_id)
    rows = (
        await session.exec(
            select(DisclosureComment)
            .where(DisclosureComment.nomination_id == n.id)
            .order_by(col(DisclosureComment.created_at), col(DisclosureComment.id))
        )
    ).all()
    return [CommentOut(id=c.id, author_name=c.author_name, text=c.text, created_at=c.created_at) for c in rows]


@router.post("/tasks/{task_id}/supplement", response_model=NominationStatus)
async def request_supplement(
    task_id: uuid.UUID, body: SupplementRequestBody, ctx: ContextDep, session: SessionDep, user: UserDep
) -> NominationStatus:
    task, n = await open_task_of(session, user, task_id)
    view = await ctx.gateway.request_supplement(
        NominationRef(n.workflow_id),
        SupplementRequestInput(
            task_id=str(task.id),
            actor=user.actor((task.role, task.unit_id)),
            items=[nfc(i) for i in body.items],
            comment=nfc(body.comment) if body.comment else None,
        ),
        release=session,
    )
    return _status(n, view)


@router.post("/nominations/{nomination_id}/supplement", response_model=NominationStatus)
async def answer_supplement(
    nomination_id: uuid.UUID, body: SupplementAnswerBody, ctx: ContextDep, session: SessionDep, user: UserDep
) -> NominationStatus:
    n = await get_visible(session, user, nomination_id)
    if not user.has_role("clerk", n.proposing_unit_id):
        raise Problem(403, "Chỉ cán bộ thi đua của đơn vị đề nghị mới được bổ sung hồ sơ.", code="not_unit_clerk")
    view = await ctx.gateway.answer_supplement(
        NominationRef(n.workflow_id),
        SupplementAnswerInput(
            actor=user.actor(("clerk", n.proposing_unit_id)),
            answers=nfc_deep(body.answers),
            comment=nfc(body.comment) if body.comment else None,
        ),
        release=session,
    )
    return _status(n, view)
