"""The award register (sổ khen thưởng): every awardee of a decision, searchable accent-insensitively,
the earlier awards of a nominee shown on a dossier, and the catalogue's criteria that are earlier
awards, judged against them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.rules.catalogue import Catalogue
from models.rules.registers import VIETNAM, number_text
from models.rules.text import fold
from models.tables import Decision, DecisionNomination, Nomination
from service.api.schemas.decisions import AwardOut, DecisionRef
from service.api.schemas.nominations import AwardCheckOut
from service.queries.decisions import units_by_id
from service.queries.nominations import visible_to
from service.security.principal import CurrentUser


def register_filters(
    user: CurrentUser, *, q: str | None, unit_id: int | None, year: int | None, award_form: str | None
) -> ColumnElement[bool]:
    filters: list[ColumnElement[bool]] = [visible_to(user)]
    if q and q.strip():
        filters.append(
            func.to_tsvector("simple", DecisionNomination.search_text).op("@@")(func.plainto_tsquery("simple", fold(q)))
        )
    if unit_id is not None:
        filters.append(col(DecisionNomination.proposing_unit_id) == unit_id)
    if year is not None:
        filters.append(col(DecisionNomination.year) == year)
    if award_form:
        filters.append(col(DecisionNomination.award_form) == award_form)
    return and_(*filters)


def _base() -> Any:
    return (
        select(DecisionNomination, Decision)
        .join(Decision, col(Decision.id) == col(DecisionNomination.decision_id))
        .join(Nomination, col(Nomination.id) == col(DecisionNomination.nomination_id))
    )


async def count_awards(session: AsyncSession, where: ColumnElement[bool]) -> int:
    return int(
        (
            await session.exec(
                select(func.count())
                .select_from(DecisionNomination)
                .join(Nomination, col(Nomination.id) == col(DecisionNomination.nomination_id))
                .where(where)
            )
        ).one()
    )


async def list_awards(
    session: AsyncSession, catalogue: Catalogue, where: ColumnElement[bool], *, limit: int, offset: int
) -> list[AwardOut]:
    rows = (
        await session.exec(
            _base()
            .where(where)
            .order_by(
                col(Decision.signed_at).desc(),
                col(Decision.id),
                col(DecisionNomination.position),
                col(DecisionNomination.nomination_id),
            )
            .limit(limit)
            .offset(offset)
        )
    ).all()
    return await _out(session, catalogue, list(rows))


async def _out(session: AsyncSession, catalogue: Catalogue, rows: list[Any]) -> list[AwardOut]:
    units = await units_by_id(session, {e.proposing_unit_id for e, _ in rows} | {d.issuing_unit_id for _, d in rows})
    out = []
    for e, d in rows:
        form = catalogue.get(e.award_form)
        out.append(
            AwardOut(
                nomination_id=e.nomination_id,
                nominee_kind=e.nominee_kind,
                nominee_name=e.nominee_name,
                proposing_unit=units[e.proposing_unit_id],
                award_form=e.award_form,
                award_form_name=form.name if form else None,
                period_kind=e.period_kind,
                period_year=e.period_year,
                achievements=e.achievements,
                decision=DecisionRef(id=d.id, number=d.number, symbol=d.symbol, signed_at=d.signed_at),
                number_symbol=f"{number_text(d.number)}/{d.symbol}",
                issuing_unit=units[d.issuing_unit_id],
            )
        )
    return out


async def earlier_awards(session: AsyncSession, catalogue: Catalogue, nomination: Nomination) -> list[AwardOut]:
    """The nominee's awards in the register before this dossier: same kind of nominee and the same name
    (accent- and case-insensitive), so that criteria like "already holds a provincial Bằng khen" can be
    judged. Seen by whoever sees the dossier."""
    name = fold(nomination.nominee_name).strip()
    rows = (
        await session.exec(
            select(DecisionNomination, Decision)
            .join(Decision, col(Decision.id) == col(DecisionNomination.decision_id))
            .where(
                col(DecisionNomination.nominee_kind) == nomination.nominee_kind,
                col(DecisionNomination.nomination_id) != nomination.id,
                col(DecisionNomination.search_text).startswith(name + " "),
            )
            .order_by(col(Decision.signed_at).desc(), col(Decision.id), col(DecisionNomination.position))
            .limit(50)
        )
    ).all()
    return await _out(session, catalogue, [(e, d) for e, d in rows if fold(e.nominee_name).strip() == name])


def award_checks(catalogue: Catalogue, nomination: Nomination, earlier: list[AwardOut]) -> list[AwardCheckOut]:
    """For each criterion of the dossier's form and nominee kind that names an earlier award, the most
    recent award of the register (`earlier`, newest first) that satisfies it, judged against the
    dossier's period year."""
    form = catalogue.get(nomination.award_form)
    out = []
    for criterion in form.checklist(nomination.nominee_kind) if form else []:
        ref = criterion.requires_award
        if ref is None:
            continue
        match = next(
            (
                a
                for a in earlier
                if ref.accepts(a.award_form, a.decision.signed_at.astimezone(VIETNAM).year, nomination.period_year)
            ),
            None,
        )
        names = [f.name if (f := catalogue.get(code)) else code for code in ref.award_form]
        out.append(
            AwardCheckOut(
                criterion_code=criterion.code,
                criterion_text=criterion.text,
                award_forms=list(ref.award_form),
                award_form_names=names,
                within_years=ref.within_years,
                at_least_years=ref.at_least_years,
                found=match is not None,
                award=match,
                signed_on=match.decision.signed_at.astimezone(VIETNAM).date() if match else None,
            )
        )
    return out
