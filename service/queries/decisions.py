"""Decision queries of the API: which nominations wait for the caller's signature, the decision a
signature makes, what a user may see of decisions and the award register."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, exists
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.rules.catalogue import Catalogue
from models.rules.registers import VIETNAM, Prizes, Registers, date_line, number_text
from models.store.decisions import Awardee, NewDecision
from models.tables import Decision, DecisionDocument, DecisionNomination, Nomination, Task, Unit
from service.api.problems import Problem
from service.api.schemas.common import UnitRef
from service.api.schemas.decisions import AwardeeOut, DecisionOut, DocumentOut
from service.documents.decision import AwardeeLine, DecisionContent, coefficient_text, money
from service.queries.nominations import visible_to
from service.security.principal import CurrentUser


def is_signing_step(nomination: Nomination, step: str) -> bool:
    """The task's step is where the decision is signed (the route's `sign` step)."""
    return any(s.get("key") == step and s.get("kind") == "sign" for s in nomination.route)


@dataclass
class Waiting:
    task: Task
    nomination: Nomination
    # Signed by this signer already (its Update went through) but not yet in a decision: the API
    # stopped between the Updates and recording the decision. Recorded now, without a second Update.
    already_signed: bool = False


async def signed_without_decision(session: AsyncSession, user: CurrentUser, nomination_id: uuid.UUID) -> Waiting | None:
    """The caller's approved signing task of this nomination when no decision records it yet."""
    rows = (
        await session.exec(
            select(Task, Nomination)
            .join(Nomination, col(Nomination.id) == col(Task.nomination_id))
            .where(
                col(Task.nomination_id) == nomination_id, col(Task.status) == "done", col(Task.outcome) == "approve",
                col(Task.decided_by) == user.id, visible_to(user),
                ~exists(select(DecisionNomination.nomination_id).where(
                    col(DecisionNomination.nomination_id) == nomination_id)),
            )
        )
    ).all()  # fmt: skip
    for task, nomination in rows:
        if is_signing_step(nomination, task.step):
            return Waiting(task, nomination, already_signed=True)
    return None


async def waiting_for_signer(
    session: AsyncSession, user: CurrentUser, nomination_ids: Sequence[uuid.UUID]
) -> list[Waiting]:
    """Each nomination with its open signing task held by the caller, in the order asked; else 409
    naming the first that is not waiting for them (404 for one they cannot see)."""
    wanted = list(dict.fromkeys(nomination_ids))
    rows = (
        await session.exec(
            select(Task, Nomination)
            .join(Nomination, col(Nomination.id) == col(Task.nomination_id))
            .where(col(Task.nomination_id).in_(wanted), col(Task.status) == "open", visible_to(user))
        )
    ).all()
    by_nomination = {n.id: Waiting(t, n) for t, n in rows}
    seen = set(
        (await session.exec(select(Nomination.id).where(col(Nomination.id).in_(wanted), visible_to(user)))).all()
    )
    out = []
    for nid in wanted:
        if nid not in seen:
            raise Problem(404, "Không tìm thấy hồ sơ đề nghị khen thưởng.", code="nomination_not_found")
        w = by_nomination.get(nid) or await signed_without_decision(session, user, nid)
        if (
            w is None
            or not is_signing_step(w.nomination, w.task.step)
            or not user.has_role(w.task.role, w.task.unit_id)
        ):
            raise Problem(
                409,
                "Có hồ sơ không ở bước chờ bạn ký quyết định; hãy tải lại danh sách.",
                code="not_waiting_for_signer",
                nomination_id=str(nid),
            )
        out.append(w)
    units = {w.task.unit_id for w in out}
    if len(units) > 1:
        raise Problem(409, "Các hồ sơ thuộc thẩm quyền của nhiều cơ quan khác nhau.", code="several_issuers")
    forms = {w.nomination.award_form for w in out}
    if len(forms) > 1:
        raise Problem(
            409, "Một quyết định chỉ khen thưởng một hình thức; hãy chọn hồ sơ cùng hình thức.", code="several_forms"
        )
    return out


async def new_decision(
    session: AsyncSession,
    registers: Registers,
    prizes: Prizes,
    *,
    decision_id: uuid.UUID,
    user: CurrentUser,
    signed: list[Waiting],
    signed_at: datetime,
) -> NewDecision:
    """The decision a signature makes: issuer and symbol from the register file, the awardees with
    their prize (coefficient × base salary in force on the signing day)."""
    first = signed[0].task
    unit = await session.get(Unit, first.unit_id)
    assert unit is not None
    day = signed_at.date()
    awardees = []
    for w in signed:
        n = w.nomination
        coefficient, amount = prizes.prize(n.award_form, n.nominee_kind, day)
        awardees.append(
            Awardee(
                nomination_id=n.id,
                nominee_kind=n.nominee_kind,
                nominee_name=n.nominee_name,
                proposing_unit_id=n.proposing_unit_id,
                period_kind=n.period_kind,
                period_year=n.period_year,
                achievements=n.achievements,
                prize_coefficient=coefficient,
                prize_amount=amount,
            )
        )
    return NewDecision(
        id=decision_id,
        issuing_unit_id=unit.id or 0,
        symbol=registers.symbol(unit.code, unit.kind),
        signed_at=signed_at,
        signer_user_id=user.id,
        signer_name=user.full_name,
        signer_title=user.acting.get((first.role, first.unit_id)),
        award_form=signed[0].nomination.award_form,
        awardees=awardees,
    )


def decision_visible(user: CurrentUser) -> ColumnElement[bool]:
    """A decision is seen by whoever sees one of the nominations it awards."""
    return exists(
        select(DecisionNomination.nomination_id)
        .join(Nomination, col(Nomination.id) == col(DecisionNomination.nomination_id))
        .where(col(DecisionNomination.decision_id) == col(Decision.id), visible_to(user))
    )


async def get_visible_decision(session: AsyncSession, user: CurrentUser, decision_id: uuid.UUID) -> Decision:
    found = (
        await session.exec(select(Decision).where(col(Decision.id) == decision_id, decision_visible(user)))
    ).one_or_none()
    if found is None:
        raise Problem(404, "Không tìm thấy quyết định khen thưởng.", code="decision_not_found")
    return found[0] if isinstance(found, tuple) else found  # type: ignore[return-value]


def signer_line(d: Decision) -> str:
    return f"{d.signer_title} {d.signer_name}" if d.signer_title else d.signer_name


async def units_by_id(session: AsyncSession, ids: set[int]) -> dict[int, UnitRef]:
    if not ids:
        return {}
    rows = (await session.exec(select(Unit).where(col(Unit.id).in_(ids)))).all()
    return {u.id or 0: UnitRef.model_validate(u, from_attributes=True) for u in rows}  # type: ignore[union-attr]


async def decision_out(
    session: AsyncSession, catalogue: Catalogue, decisions: Sequence[Decision], *, awardees: bool = True
) -> list[DecisionOut]:
    ids = [d.id for d in decisions]
    entries: dict[uuid.UUID, list[DecisionNomination]] = {}
    docs: dict[uuid.UUID, list[DocumentOut]] = {}
    if ids:
        for e in (
            await session.exec(
                select(DecisionNomination)
                .where(col(DecisionNomination.decision_id).in_(ids))
                .order_by(col(DecisionNomination.position))
            )
        ).all():
            entry = e[0] if isinstance(e, tuple) else e
            entries.setdefault(entry.decision_id, []).append(entry)  # type: ignore[union-attr]
        for decision_id, kind, sha, signed in (
            await session.exec(
                select(
                    DecisionDocument.decision_id,
                    DecisionDocument.kind,
                    DecisionDocument.sha256,
                    DecisionDocument.signed,
                ).where(col(DecisionDocument.decision_id).in_(ids))
            )
        ).all():
            docs.setdefault(decision_id, []).append(
                DocumentOut(
                    kind=kind,
                    sha256=sha,
                    signed=signed,
                    url=f"/api/v1/decisions/{decision_id}/"
                    + ("certificates.pdf" if kind == "certs" else f"document.{kind}"),
                )
            )
    unit_ids = {d.issuing_unit_id for d in decisions} | {e.proposing_unit_id for rows in entries.values() for e in rows}
    units = await units_by_id(session, unit_ids)
    out = []
    for d in decisions:
        form = catalogue.get(d.award_form)
        rows = entries.get(d.id, [])
        out.append(
            DecisionOut(
                id=d.id,
                number=d.number,
                number_symbol=f"{number_text(d.number)}/{d.symbol}",
                symbol=d.symbol,
                year=d.year,
                signed_at=d.signed_at,
                signer=signer_line(d),
                signer_name=d.signer_name,
                signer_title=d.signer_title,
                issuing_unit=units[d.issuing_unit_id],
                award_form=d.award_form,
                award_form_name=form.name if form else None,
                nomination_ids=[e.nomination_id for e in rows],
                awardees=[
                    AwardeeOut(
                        nomination_id=e.nomination_id,
                        position=e.position,
                        nominee_kind=e.nominee_kind,
                        nominee_name=e.nominee_name,
                        proposing_unit=units[e.proposing_unit_id],
                        achievements=e.achievements,
                        prize_coefficient=e.prize_coefficient,
                        prize_amount=e.prize_amount,
                    )
                    for e in rows
                ]
                if awardees
                else [],
                prize_total=sum(e.prize_amount for e in rows),
                documents=sorted(docs.get(d.id, []), key=lambda x: x.kind),
            )
        )
    return out


KIND_NAMES = {"individual": "cá nhân", "collective": "tập thể", "household": "hộ gia đình", "clan": "dòng họ"}


async def ancestors(session: AsyncSession, unit: Unit) -> list[Unit]:
    """The unit, then its parent, up to the root."""
    chain = [unit]
    while chain[-1].parent_id is not None and len(chain) < 20:
        parent = await session.get(Unit, chain[-1].parent_id)
        if parent is None:
            break
        chain.append(parent)
    return chain


def issuer_lines(unit: Unit, parent: Unit | None) -> list[str]:
    """The issuer block: the body above (if any) and the issuer, in capitals (Decree 30/2020)."""
    name = unit.name
    if unit.kind == "people_committee" and name.startswith("UBND "):
        return ["ỦY BAN NHÂN DÂN", name.removeprefix("UBND ").upper()]
    if parent is not None and parent.kind == "people_committee" and unit.level != "central":
        return [parent.name.upper(), name.upper()]
    return [name.upper()]


def expanded_name(unit: Unit) -> str:
    """ "UBND xã Biển Hồ" -> "Ủy ban nhân dân xã Biển Hồ" (a name written out in full in the text)."""
    return ("Ủy ban nhân dân " + unit.name.removeprefix("UBND ")) if unit.name.startswith("UBND ") else unit.name


async def decision_document(
    session: AsyncSession,
    catalogue: Catalogue,
    registers: Registers,
    prizes: Prizes,
    decision: Decision,
    *,
    digitally_signed: bool,
) -> DecisionContent:
    """What the decision's documents print, from the decision, its awardees and the reference data."""
    unit = await session.get(Unit, decision.issuing_unit_id)
    assert unit is not None
    chain = await ancestors(session, unit)
    entries = [
        e
        for e in (
            await session.exec(
                select(DecisionNomination)
                .where(col(DecisionNomination.decision_id) == decision.id)
                .order_by(col(DecisionNomination.position))
            )
        ).all()
    ]
    nominations = {
        n.id: n
        for n in (
            await session.exec(select(Nomination).where(col(Nomination.id).in_([e.nomination_id for e in entries])))
        ).all()
    }
    units = {
        u.id: u
        for u in (
            await session.exec(select(Unit).where(col(Unit.id).in_({e.proposing_unit_id for e in entries})))
        ).all()
    }
    form = catalogue.get(decision.award_form)
    award = form.name if form else decision.award_form
    head = catalogue.defaults.head_titles.get(unit.kind, catalogue.defaults.head_title)
    # Who proposed it to the signer: the step before the signing step on the first dossier's route.
    proposal = ""
    first = nominations.get(entries[0].nomination_id) if entries else None
    if first is not None:
        route = first.route
        sign_at = next((i for i, s in enumerate(route) if s.get("kind") == "sign"), len(route))
        if sign_at > 0 and route[sign_at - 1].get("unit_name"):
            proposal = f"Xét đề nghị của {route[sign_at - 1]['unit_name']}."
    counts: dict[str, int] = {}
    for e in entries:
        counts[e.nominee_kind] = counts.get(e.nominee_kind, 0) + 1
    who = ", ".join(f"{number_text(n)} {KIND_NAMES.get(k, k)}" for k, n in counts.items())
    lines = []
    for e in entries:
        n = nominations.get(e.nomination_id)
        position = str((n.nominee if n else {}).get("position") or "").strip()
        proposing = units.get(e.proposing_unit_id)
        detail = ", ".join(x for x in (position, proposing.name if proposing else "") if x)
        lines.append(AwardeeLine(e.position, e.nominee_name, detail, e.achievements.strip().rstrip(".")))
    groups: dict[tuple[str, float, int], int] = {}
    for e in entries:
        if e.prize_amount:
            key = (e.nominee_kind, e.prize_coefficient, e.prize_amount)
            groups[key] = groups.get(key, 0) + 1
    total = sum(e.prize_amount for e in entries)
    base = prizes.base_salary_on(decision.signed_at.astimezone(VIETNAM).date())
    if groups:
        parts = [
            f"mỗi {KIND_NAMES.get(k, k)} {coefficient_text(c)} lần mức lương cơ sở ({money(base)} đồng), "
            f"bằng {money(a)} đồng × {n}"
            for (k, c, a), n in groups.items()
        ]
        article2 = (
            f"Kèm theo {award} là tiền thưởng: {'; '.join(parts)}. Tổng cộng: {money(total)} đồng. "
            f"Kinh phí khen thưởng chi từ Quỹ thi đua, khen thưởng của {expanded_name(unit)}."
        )
    else:
        article2 = "Việc khen thưởng không kèm theo tiền thưởng."
    title = decision.signer_title
    signer_lines = [part.strip() for part in title.split("–")] if title else [head.upper()]
    return DecisionContent(
        issuer_lines=issuer_lines(unit, chain[1] if len(chain) > 1 else None),
        number_symbol=f"{number_text(decision.number)}/{decision.symbol}",
        date_line=date_line(registers.place([u.code for u in chain]), decision.signed_at),
        title_line=f"Về việc tặng {award}",
        authority=f"{head} {expanded_name(unit)}".upper(),
        legal_bases=catalogue.legal_bases(decision.award_form),
        proposal=proposal,
        article1_intro=f"Tặng {award} cho {who} có tên sau đây:",
        awardees=lines,
        article2=article2,
        article3=(
            f"Quyết định này có hiệu lực kể từ ngày ký. Chánh Văn phòng {expanded_name(unit)}, Thủ trưởng các cơ quan, "
            "đơn vị có liên quan và các tập thể, cá nhân có tên tại Điều 1 chịu trách nhiệm thi hành Quyết định này./."
        ),
        recipients=["Như Điều 3;", "Lưu: VT."],
        signer_title_lines=signer_lines,
        signer_name=decision.signer_name,
        digitally_signed=digitally_signed,
        extra={
            "decision_line": f"Quyết định số {number_text(decision.number)}/{decision.symbol} "
            f"ngày {decision.signed_at.astimezone(VIETNAM):%d/%m/%Y}"
        },
    )
