"""Submission queries of the API: which lists a user sees, one list with its nominations' progress,
and what the submission letter (tờ trình) prints.

A list is seen by whoever sees its nominations (service/queries/visibility.py): they share the
proposing unit and route, so each has the same access rows. Its nominations are listed in the list's
order: their ids were drawn sorted (service/api/routers/submissions.py), so ordering by id is it.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import ColumnElement, exists, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.rules.catalogue import Catalogue
from models.rules.labels import NOMINEE_KINDS, PHASES
from models.rules.registers import Registers, date_line, number_text
from models.tables import Nomination, Unit, User
from models.tables.submissions import Submission, SubmissionDocument
from service.api.problems import Problem
from service.api.schemas.nominations import Period
from service.api.schemas.submissions import (
    SubmissionDocumentOut,
    SubmissionNominationOut,
    SubmissionOut,
    SubmissionSummary,
)
from service.documents.submission_letter import LetterContent, LetterLine, summary
from service.queries.decisions import KIND_NAMES, issuer_lines, units_by_id
from service.queries.visibility import visible_to
from service.security.principal import CurrentUser

# The phrase of a period in the letter's body.
PERIOD_PHRASES = {
    "annual": "trong năm {year}",
    "preliminary_review": "trong giai đoạn sơ kết năm {year}",
    "final_review": "trong giai đoạn tổng kết năm {year}",
}


def number_symbol(s: Submission) -> str:
    return f"{number_text(s.number)}/{s.symbol}"


def submission_visible(user: CurrentUser) -> ColumnElement[bool]:
    """A list is seen by whoever sees one of its nominations."""
    return exists(select(Nomination.id).where(col(Nomination.submission_id) == col(Submission.id), visible_to(user)))


async def get_visible_submission(session: AsyncSession, user: CurrentUser, submission_id: uuid.UUID) -> Submission:
    found = (
        await session.exec(select(Submission).where(col(Submission.id) == submission_id, submission_visible(user)))
    ).one_or_none()
    if found is None:
        raise Problem(404, "Không tìm thấy tờ trình.", code="submission_not_found")
    return found


async def submission_nominations(session: AsyncSession, submission_id: uuid.UUID) -> list[Nomination]:
    """The list's nominations in the list's order."""
    return list(
        (
            await session.exec(
                select(Nomination).where(col(Nomination.submission_id) == submission_id).order_by(col(Nomination.id))
            )
        ).all()
    )


async def _started(session: AsyncSession, ids: list[uuid.UUID]) -> dict[uuid.UUID, int]:
    if not ids:
        return {}
    rows = (
        await session.exec(
            select(Nomination.submission_id, func.count())
            .where(col(Nomination.submission_id).in_(ids), col(Nomination.version) > 0)
            .group_by(col(Nomination.submission_id))
        )
    ).all()
    return {sid: int(n) for sid, n in rows if sid is not None}


async def summaries(session: AsyncSession, catalogue: Catalogue, rows: Sequence[Submission]) -> list[SubmissionSummary]:
    ids = [s.id for s in rows]
    started = await _started(session, ids)
    units = await units_by_id(session, {s.proposing_unit_id for s in rows})
    users = {
        uid: name
        for uid, name in (
            await session.exec(select(User.id, User.full_name).where(col(User.id).in_({s.created_by for s in rows})))
        ).all()
    }
    out = []
    for s in rows:
        form = catalogue.get(s.award_form)
        out.append(
            SubmissionSummary(
                id=s.id,
                number=s.number,
                symbol=s.symbol,
                number_symbol=number_symbol(s),
                year=s.year,
                award_form=s.award_form,
                award_form_name=form.name if form else None,
                proposing_unit=units[s.proposing_unit_id],
                period=Period(kind=s.period_kind, year=s.period_year),  # type: ignore[arg-type]
                total=s.total,
                started=started.get(s.id, 0),
                source=s.source,
                created_at=s.created_at,
                created_by=users.get(s.created_by, ""),
            )
        )
    return out


async def submission_out(session: AsyncSession, catalogue: Catalogue, s: Submission) -> SubmissionOut:
    head = (await summaries(session, catalogue, [s]))[0]
    # Polled while the workflows start: the few columns shown, not 2,000 dossiers. The list's
    # nominations share one route (one form, one unit, computed once), so one route names every step.
    route = (
        await session.exec(select(Nomination.route).where(col(Nomination.submission_id) == s.id).limit(1))
    ).first() or []
    names = {step.get("key"): step.get("name") for step in route}
    rows = (
        await session.exec(
            select(  # type: ignore[call-overload]
                Nomination.id, Nomination.nominee_name, Nomination.nominee_kind, Nomination.status,
                Nomination.current_step, Nomination.version,
            )
            .where(col(Nomination.submission_id) == s.id)
            .order_by(col(Nomination.id))
        )
    ).all()  # fmt: skip
    items = [
        SubmissionNominationOut(
            id=nid,
            nominee_name=name,
            nominee_kind=kind,
            status=status,
            current_step=step,
            current_step_name=names.get(step) or PHASES.get(step or ""),
            started=version > 0,
        )
        for nid, name, kind, status, step, version in rows
    ]
    docs = (
        await session.exec(
            select(SubmissionDocument.kind, SubmissionDocument.sha256).where(
                col(SubmissionDocument.submission_id) == s.id
            )
        )
    ).all()
    documents = [
        SubmissionDocumentOut(kind=kind, sha256=sha, url=f"/api/v1/submissions/{s.id}/letter.{kind}")
        for kind, sha in sorted(docs)
    ]
    return SubmissionOut(**head.model_dump(), nominations=items, documents=documents)


def _formal(unit: Unit) -> str:
    return ("Ủy ban nhân dân " + unit.name.removeprefix("UBND ")) if unit.name.startswith("UBND ") else unit.name


async def letter_content(
    session: AsyncSession, catalogue: Catalogue, registers: Registers, s: Submission
) -> LetterContent:
    """What the submission letter prints, from the list, its nominations and the reference data."""
    unit = await session.get(Unit, s.proposing_unit_id)
    assert unit is not None
    chain = [unit]
    while chain[-1].parent_id is not None and len(chain) < 20:
        parent = await session.get(Unit, chain[-1].parent_id)
        if parent is None:
            break
        chain.append(parent)
    nominations = await submission_nominations(session, s.id)
    form = catalogue.get(s.award_form)
    award = form.name if form else s.award_form
    heads = catalogue.defaults.head_titles
    # Addressed to the one who decides: the head of the unit of the route's signing step.
    addressee = "cấp có thẩm quyền"
    route = nominations[0].route if nominations else []
    sign = next((step for step in route if step.get("kind") == "sign"), None)
    if sign is not None:
        decider = await session.get(Unit, int(sign["unit_id"]))
        if decider is not None:
            addressee = f"{heads.get(decider.kind, catalogue.defaults.head_title)} {_formal(decider)}"
    units = {u.id: u for u in chain}
    counts: dict[str, int] = {}
    for n in nominations:
        counts[n.nominee_kind] = counts.get(n.nominee_kind, 0) + 1
    parts = [f"{number_text(c)} {KIND_NAMES.get(k, k)}" for k, c in counts.items()]
    who = parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " và " + parts[-1]
    lines = []
    for i, n in enumerate(nominations, start=1):
        details = [str(n.nominee.get(k) or "").strip() for k in ("position", "workplace")]
        if not details[1]:
            details[1] = units[s.proposing_unit_id].name
        lines.append(
            LetterLine(i, n.nominee_name, NOMINEE_KINDS.get(n.nominee_kind, n.nominee_kind),
                       ", ".join(x for x in details if x), summary(n.achievements))
        )  # fmt: skip
    period = PERIOD_PHRASES.get(s.period_kind, "năm {year}").format(year=s.period_year)
    signer = [heads.get(unit.kind, catalogue.defaults.head_title).upper()]
    if unit.kind == "people_committee":
        signer = ["TM. ỦY BAN NHÂN DÂN", signer[0]]
    return LetterContent(
        issuer_lines=issuer_lines(unit, chain[1] if len(chain) > 1 else None),
        number_symbol=number_symbol(s),
        date_line=date_line(registers.place([u.code for u in chain]), s.created_at),
        subject_line=f"Về việc đề nghị khen thưởng {award}",
        addressee=addressee,
        legal_bases=catalogue.legal_bases(s.award_form),
        intro=(
            f"Căn cứ thành tích đạt được {period}, {_formal(unit)} kính trình {addressee} xem xét, tặng {award} "
            f"cho {who} có tên trong danh sách sau:"
        ),
        nominees=lines,
        closing=(
            f"(Kèm theo báo cáo thành tích của {who}.) {_formal(unit)} kính trình {addressee} xem xét, quyết định./."
        ),
        recipients=["Như trên;", "Lưu: VT."],
        signer_title_lines=signer,
    )
