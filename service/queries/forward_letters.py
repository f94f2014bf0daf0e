"""Submission letters (tờ trình) at a route step of kind `submit`: which nominations one may list, who
may have it, and what it says (the issuer, place and date helpers of the decision)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.rules.catalogue import Catalogue
from models.rules.registers import Registers, date_line, number_text
from models.tables import Nomination, Unit
from service.api.problems import Problem
from service.documents.forward_letter import ForwardLetterContent, ForwardRow
from service.queries.decisions import KIND_NAMES, ancestors, expanded_name, issuer_lines
from service.queries.visibility import visible_to
from service.security.principal import CurrentUser

# Who the letter is addressed to, by the kind of the unit whose head decides (or proposes) next.
ADDRESSEES = {"government": "Thủ tướng Chính phủ", "presidency": "Chủ tịch nước"}


@dataclass
class Forwarding:
    """The nominations a letter lists, in the order asked, and the submit step they share."""

    nominations: list[Nomination]
    step: dict[str, Any]
    index: int

    @property
    def route(self) -> list[dict[str, Any]]:
        return self.nominations[0].route


def _submit_index(nomination: Nomination, key: str) -> int | None:
    return next((i for i, s in enumerate(nomination.route) if s.get("key") == key and s.get("kind") == "submit"), None)


def _reached(nomination: Nomination, index: int) -> bool:
    """At the step or past it: a letter is drafted when the dossier reaches the head, and may be had
    again afterwards (not for a dossier returned, rejected or withdrawn)."""
    if nomination.status == "awarded":
        return True
    keys = [s.get("key") for s in nomination.route]
    return (
        nomination.status == "in_progress"
        and nomination.current_step in keys
        and (keys.index(nomination.current_step) >= index)
    )


def _not_at_step(nomination_id: uuid.UUID) -> Problem:
    return Problem(
        409,
        "Có hồ sơ chưa đến bước trình cấp trên (tờ trình) này; hãy chọn hồ sơ đang chờ trình.",
        code="not_at_submit_step",
        nomination_id=str(nomination_id),
    )


async def forwarding(
    session: AsyncSession, user: CurrentUser, nomination_ids: Sequence[uuid.UUID], step: str | None
) -> Forwarding:
    """The nominations, each at (or past) the same `submit` step, for the head who submits there (or
    whoever acts for them): 404 for one the caller cannot see, 409 for one not at that step (or of
    another form), 403 for a caller who does not submit at that unit."""
    wanted = list(dict.fromkeys(nomination_ids))
    found = {
        n.id: n
        for n in (await session.exec(select(Nomination).where(col(Nomination.id).in_(wanted), visible_to(user)))).all()
    }
    for nid in wanted:
        if nid not in found:
            raise Problem(404, "Không tìm thấy hồ sơ đề nghị khen thưởng.", code="nomination_not_found")
    nominations = [found[nid] for nid in wanted]
    if step is None:
        at = {n.current_step for n in nominations}
        if len(at) > 1:
            raise Problem(
                409, "Các hồ sơ đang ở những bước trình khác nhau; hãy chọn hồ sơ cùng một bước.", code="several_steps"
            )
        step = next(iter(at)) or ""
    indexes = []
    for n in nominations:
        index = _submit_index(n, step)
        if index is None or not _reached(n, index):
            raise _not_at_step(n.id)
        indexes.append(index)
    if len({n.award_form for n in nominations}) > 1:
        raise Problem(
            409, "Một tờ trình đề nghị một hình thức khen thưởng; hãy chọn hồ sơ cùng hình thức.", code="several_forms"
        )
    first = nominations[0]
    chosen = first.route[indexes[0]]
    unit_id = int(chosen["unit_id"])
    if not user.has_role(str(chosen["role"]), unit_id):
        raise Problem(
            403, "Chỉ thủ trưởng đơn vị trình cấp trên (hoặc người được ủy quyền) mới lập được tờ trình này.",
            code="not_forwarder",
        )  # fmt: skip
    return Forwarding(nominations, chosen, indexes[0])


async def _addressee(session: AsyncSession, catalogue: Catalogue, step: dict[str, Any] | None) -> str:
    if step is None:
        return "cấp có thẩm quyền"
    unit = await session.get(Unit, int(step["unit_id"]))
    if unit is None:
        return str(step.get("unit_name") or "cấp có thẩm quyền")
    if unit.kind in ADDRESSEES:
        return ADDRESSEES[unit.kind]
    head = catalogue.defaults.head_titles.get(unit.kind, catalogue.defaults.head_title)
    return f"{head} {expanded_name(unit)}"


async def forward_letter_content(
    session: AsyncSession,
    catalogue: Catalogue,
    registers: Registers,
    user: CurrentUser,
    forwarding: Forwarding,
    now: datetime,
) -> ForwardLetterContent:
    """What the letter prints: the submitting unit, addressed to the head who decides (or proposes)
    next, through the appraisal between, with the list of nominees."""
    step = forwarding.step
    unit = await session.get(Unit, int(step["unit_id"]))
    assert unit is not None
    chain = await ancestors(session, unit)
    nominations = forwarding.nominations
    form = catalogue.get(nominations[0].award_form)
    award = form.name if form else nominations[0].award_form
    after = forwarding.route[forwarding.index + 1 :]
    head_at = next((i for i, s in enumerate(after) if s.get("kind") in ("propose", "sign")), None)
    addressee = await _addressee(session, catalogue, after[head_at] if head_at is not None else None)
    between = next((s for s in after[:head_at] if s.get("kind") == "appraisal"), None) if head_at else None
    before = forwarding.route[forwarding.index - 1] if forwarding.index > 0 else None
    units = {
        u.id: u
        for u in (
            await session.exec(select(Unit).where(col(Unit.id).in_({n.proposing_unit_id for n in nominations})))
        ).all()
    }
    rows = []
    for i, n in enumerate(nominations):
        position = str(n.nominee.get("position") or "").strip()
        proposing = units.get(n.proposing_unit_id)
        detail = ", ".join(x for x in (position, proposing.name if proposing else "") if x)
        rows.append(ForwardRow(i + 1, n.nominee_name, detail, n.achievements.strip()))
    counts: dict[str, int] = {}
    for n in nominations:
        counts[n.nominee_kind] = counts.get(n.nominee_kind, 0) + 1
    who = ", ".join(f"{number_text(c)} {KIND_NAMES.get(k, k)}" for k, c in counts.items())
    symbol = registers.symbol(unit.code, unit.kind).removeprefix("QĐ").removeprefix("-")
    head = catalogue.defaults.head_titles.get(unit.kind, catalogue.defaults.head_title)
    # The head signs, or whoever acts for them ("KT. CHỦ TỊCH – PHÓ CHỦ TỊCH").
    acting = user.acting.get((str(step["role"]), int(step["unit_id"])))
    title_lines = [part.strip() for part in acting.split("–")] if acting else [head.upper()]
    if unit.kind == "people_committee":
        title_lines = ["TM. ỦY BAN NHÂN DÂN", *title_lines]
    recipients = ["Như trên;", *([f"{between['unit_name']};"] if between else []), "Lưu: VT."]
    return ForwardLetterContent(
        issuer_lines=issuer_lines(unit, chain[1] if len(chain) > 1 else None),
        number_symbol=f"      /TTr-{symbol}" if symbol else "      /TTr",
        date_line=date_line(registers.place([u.code for u in chain]), now),
        title_line=f"Về việc đề nghị tặng {award}",
        addressee=addressee,
        via=f"(qua {between['unit_name']})" if between else "",
        legal_bases=catalogue.legal_bases(nominations[0].award_form),
        proposal=f"Xét đề nghị của {before['unit_name']}." if before and before.get("unit_name") else "",
        request=(
            f"{expanded_name(unit)} kính trình {addressee} xem xét, tặng {award} cho {who} "
            "có thành tích xuất sắc trong phong trào thi đua, có tên sau đây:"
        ),
        rows=rows,
        closing=f"{expanded_name(unit)} kính trình {addressee} xem xét, quyết định./.",
        recipients=recipients,
        signer_title_lines=title_lines,
        signer_name=user.full_name,
    )
