"""The award register (sổ khen thưởng): every awardee of a decision, searchable accent-insensitively,
and the earlier awards of a nominee shown on a dossier."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, and_, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.rules.catalogue import Catalogue
from models.rules.registers import number_text
from models.rules.text import fold
from models.tables import Decision, DecisionNomination, Nomination
from service.api.schemas.decisions import AwardOut, DecisionRef
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
