"""Council sessions as the API reads them: the nominations waiting at a council, and a session
with its list, results and where each nomination stands now."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.rules.catalogue import Catalogue
from models.tables import Ballot, CouncilSession, CouncilSessionItem, Nomination, Task, Unit, User
from service.api.problems import Problem
from service.api.schemas.council_sessions import SessionItemOut, SessionOut, SessionSummary, WaitingOut
from service.security.principal import CurrentUser

LIVE = ("open", "applying")


def council_step(nomination: Nomination) -> dict[str, Any] | None:
    """The nomination's current step when it is a council's, else None."""
    step = next((s for s in nomination.route if s["key"] == nomination.current_step), None)
    return step if step is not None and step["kind"] == "council" else None


def may_read(user: CurrentUser, council_unit_id: int) -> bool:
    return (
        user.has_role("admin", council_unit_id)
        or user.has_role("council_secretary", council_unit_id)
        or user.has_role("council_member", council_unit_id)
    )


async def unit_names(db: AsyncSession, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    rows = (await db.exec(select(Unit.id, Unit.name).where(col(Unit.id).in_(ids)))).all()
    return {int(i): n for i, n in rows if i is not None}


async def waiting_at(db: AsyncSession, catalogue: Catalogue, council_unit_id: int) -> list[WaitingOut]:
    """Nominations whose open task is this council's step (after any public disclosure), oldest first."""
    rows = (
        await db.exec(
            select(Task, Nomination)
            .join(Nomination, col(Nomination.id) == col(Task.nomination_id))
            .where(
                col(Task.status) == "open",
                col(Task.role) == "council_secretary",
                col(Task.unit_id) == council_unit_id,
                col(Nomination.current_step) == col(Task.step),
            )
            .order_by(col(Task.created_at), col(Task.id))
        )
    ).all()
    ids = [n.id for _, n in rows]
    listed = dict(
        (
            await db.exec(
                select(CouncilSessionItem.nomination_id, CouncilSessionItem.session_id)
                .join(CouncilSession, col(CouncilSession.id) == col(CouncilSessionItem.session_id))
                .where(col(CouncilSessionItem.nomination_id).in_(ids), col(CouncilSession.status).in_(LIVE))
            )
        ).all()
    )
    balloting = set(
        (
            await db.exec(
                select(Ballot.nomination_id).where(col(Ballot.nomination_id).in_(ids), col(Ballot.status) == "open")
            )
        ).all()
    )
    names = await unit_names(db, {n.proposing_unit_id for _, n in rows})
    out = []
    for task, n in rows:
        form = catalogue.get(n.award_form)
        out.append(
            WaitingOut(
                nomination_id=n.id, nominee_name=n.nominee_name, nominee_kind=n.nominee_kind, award_form=n.award_form,
                award_form_name=form.name if form else None, proposing_unit_id=n.proposing_unit_id,
                proposing_unit_name=names.get(n.proposing_unit_id), period_year=n.period_year, step=task.step,
                step_name=task.step_name, in_session=listed.get(n.id), ballot_open=n.id in balloting,
            )
        )  # fmt: skip
    return out


async def load_session(db: AsyncSession, user: CurrentUser, session_id: uuid.UUID) -> CouncilSession:
    found = (await db.exec(select(CouncilSession).where(CouncilSession.id == session_id))).one_or_none()
    if found is None or not may_read(user, found.council_unit_id):
        raise Problem(404, "Không tìm thấy phiên họp.", code="session_not_found")
    return found


async def summaries(db: AsyncSession, user: CurrentUser, council_unit_id: int | None) -> list[SessionSummary]:
    query = select(CouncilSession, User.full_name).join(User, col(User.id) == col(CouncilSession.opened_by))
    if council_unit_id is not None:
        query = query.where(col(CouncilSession.council_unit_id) == council_unit_id)
    rows = [
        (s, name)
        for s, name in (
            await db.exec(
                query.order_by(col(CouncilSession.opened_at).desc(), col(CouncilSession.id).desc()).limit(200)
            )
        ).all()
        if may_read(user, s.council_unit_id)
    ]
    names = await unit_names(db, {s.council_unit_id for s, _ in rows})
    return [_summary(s, name, names) for s, name in rows]


def _summary(s: CouncilSession, opened_by: str | None, names: dict[int, str]) -> SessionSummary:
    return SessionSummary(
        id=s.id, council_unit_id=s.council_unit_id, council_name=names.get(s.council_unit_id), mode=s.mode,
        status=s.status, opened_at=s.opened_at, opened_by=opened_by, applied=s.applied, total=s.total,
    )  # fmt: skip


async def session_out(db: AsyncSession, catalogue: Catalogue, s: CouncilSession) -> SessionOut:
    rows = (
        await db.exec(
            select(CouncilSessionItem, Nomination)
            .join(Nomination, col(Nomination.id) == col(CouncilSessionItem.nomination_id))
            .where(col(CouncilSessionItem.session_id) == s.id)
            .order_by(col(CouncilSessionItem.position))
        )
    ).all()
    names = await unit_names(db, {s.council_unit_id} | {n.proposing_unit_id for _, n in rows})
    opened_by = (await db.exec(select(User.full_name).where(User.id == s.opened_by))).one_or_none()
    papers = None
    if s.mode == "electronic" and rows:
        # Every paper puts one vote in each nominee's box: the first nominee's count is the papers'.
        first = rows[0][0]
        papers = (
            await db.exec(
                select(func.coalesce(func.max(Ballot.participants), 0)).where(
                    col(Ballot.nomination_id) == first.nomination_id, col(Ballot.step) == first.step
                )
            )
        ).one()
    items = []
    for item, n in rows:
        form = catalogue.get(n.award_form)
        items.append(
            SessionItemOut(
                nomination_id=n.id, position=item.position, nominee_name=n.nominee_name, nominee_kind=n.nominee_kind,
                award_form=n.award_form, award_form_name=form.name if form else None,
                proposing_unit_id=n.proposing_unit_id, proposing_unit_name=names.get(n.proposing_unit_id),
                step=item.step, votes_for=item.votes_for, votes_against=item.votes_against,
                written_for=item.written_for, written_against=item.written_against, outcome=item.outcome,
                detail=item.detail, applied_at=item.applied_at, status=n.status, current_step=n.current_step,
            )
        )  # fmt: skip
    base = _summary(s, opened_by, names)
    return SessionOut(
        **base.model_dump(), members=s.members, present=s.present, minutes=s.minutes, results_at=s.results_at,
        closed_at=s.closed_at, papers=int(papers) if papers is not None else None, results=items,
    )  # fmt: skip


async def single_ballot(
    db: AsyncSession, catalogue: Catalogue, n: Nomination, ballot: Ballot, council_unit_id: int
) -> SessionOut:
    """One nomination's own tally or ballot, shaped as a session of one (for its minutes)."""
    names = await unit_names(db, {council_unit_id, n.proposing_unit_id})
    form = catalogue.get(n.award_form)
    outcome = {"passed": "passed", "failed": "failed", "void": "void"}.get(ballot.status)
    item = SessionItemOut(
        nomination_id=n.id, position=1, nominee_name=n.nominee_name, nominee_kind=n.nominee_kind,
        award_form=n.award_form, award_form_name=form.name if form else None, proposing_unit_id=n.proposing_unit_id,
        proposing_unit_name=names.get(n.proposing_unit_id), step=ballot.step, votes_for=ballot.votes_for,
        votes_against=ballot.votes_against, written_for=0, written_against=0, outcome=outcome,
        detail=ballot.reason if outcome == "void" else None, applied_at=ballot.closed_at, status=n.status,
        current_step=n.current_step,
    )  # fmt: skip
    return SessionOut(
        id=n.id, council_unit_id=council_unit_id, council_name=names.get(council_unit_id), mode=ballot.mode,
        status="closed", opened_at=ballot.opened_at, opened_by=None, applied=1, total=1, members=ballot.members,
        present=None, minutes=ballot.minutes, results_at=ballot.closed_at, closed_at=ballot.closed_at,
        papers=ballot.participants, results=[item],
    )  # fmt: skip
