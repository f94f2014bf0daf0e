"""Recording an award decision: its number taken from the issuing unit's register for the year, in
the same transaction that records the decision, its awardees, and the notifications that tell each
awardee's proposing unit.

Idempotent on the decision id the caller chose: recording the same id again returns the decision
already recorded and takes no number. Concurrent decisions of one unit and year serialise on the
register's counter row (the row lock is held until commit), so numbers run 1, 2, 3 … without gap or
duplicate; a transaction that fails releases its number with everything else.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlmodel import col

from models.rules import notices
from models.rules.registers import number_text, register_year
from models.rules.text import fold
from models.store.notices import notify
from models.tables.catalogue import AwardForm
from models.tables.decisions import Decision, DecisionCounter, DecisionNomination


@dataclass(frozen=True)
class Awardee:
    nomination_id: uuid.UUID
    nominee_kind: str
    nominee_name: str
    proposing_unit_id: int
    period_kind: str
    period_year: int
    achievements: str
    prize_coefficient: float = 0.0
    prize_amount: int = 0


@dataclass(frozen=True)
class NewDecision:
    id: uuid.UUID
    issuing_unit_id: int
    symbol: str
    signed_at: datetime
    signer_user_id: int
    signer_name: str
    signer_title: str | None
    award_form: str
    awardees: list[Awardee] = field(default_factory=list)


async def _notify_signed(conn: AsyncConnection, new: NewDecision, number: int) -> None:
    """Tell each awardee's proposing unit (its clerks) that the decision is signed, with its number:
    in the decision's transaction, so a decision is never recorded without them nor told twice."""
    form = (
        await conn.execute(select(col(AwardForm.name)).where(col(AwardForm.code) == new.award_form))
    ).scalar_one_or_none() or new.award_form
    number_symbol = f"{number_text(number)}/{new.symbol}"
    for a in new.awardees:
        await notify(
            conn, kind=notices.DECISION_SIGNED, role="clerk", unit_id=a.proposing_unit_id,
            nomination_id=a.nomination_id, decision_id=new.id,
            message=notices.decision_signed(number_symbol, new.signed_at, a.nominee_name, str(form)),
            at=new.signed_at, event_key=f"{notices.DECISION_SIGNED}:{new.id}:{a.nomination_id}",
        )  # fmt: skip


async def find_decision(session: AsyncSession, decision_id: uuid.UUID) -> Decision | None:
    conn = await session.connection()
    row = (await conn.execute(select(Decision).where(col(Decision.id) == decision_id))).one_or_none()
    return Decision.model_validate(row._mapping) if row is not None else None


async def record_decision(session: AsyncSession, new: NewDecision) -> tuple[Decision, bool]:
    """(the decision, whether this call recorded it). Commits."""
    existing = await find_decision(session, new.id)
    if existing is not None:
        await session.rollback()
        return existing, False
    year = register_year(new.signed_at)
    counter = (
        insert(DecisionCounter)
        .values(unit_id=new.issuing_unit_id, year=year, last_number=1)
        .on_conflict_do_update(
            index_elements=["unit_id", "year"], set_={"last_number": DecisionCounter.last_number + 1}
        )
        .returning(col(DecisionCounter.last_number))
    )
    conn = await session.connection()
    number = int((await conn.execute(counter)).scalar_one())
    inserted = (
        await conn.execute(
            insert(Decision)
            .values(
                id=new.id,
                issuing_unit_id=new.issuing_unit_id,
                year=year,
                number=number,
                symbol=new.symbol,
                signed_at=new.signed_at,
                signer_user_id=new.signer_user_id,
                signer_name=new.signer_name,
                signer_title=new.signer_title,
                award_form=new.award_form,
            )
            .on_conflict_do_nothing(index_elements=["id"])
            .returning(col(Decision.id))
        )
    ).scalar_one_or_none()
    if inserted is None:
        # The same decision was recorded meanwhile by a concurrent retry: give the number back.
        await session.rollback()
        found = await find_decision(session, new.id)
        assert found is not None
        return found, False
    if new.awardees:
        await conn.execute(
            insert(DecisionNomination).values(
                [
                    {
                        "decision_id": new.id,
                        "nomination_id": a.nomination_id,
                        "position": i + 1,
                        "nominee_kind": a.nominee_kind,
                        "nominee_name": a.nominee_name,
                        "proposing_unit_id": a.proposing_unit_id,
                        "award_form": new.award_form,
                        "year": year,
                        "period_kind": a.period_kind,
                        "period_year": a.period_year,
                        "achievements": a.achievements,
                        "search_text": fold(f"{a.nominee_name} {a.achievements}"),
                        "prize_coefficient": a.prize_coefficient,
                        "prize_amount": a.prize_amount,
                    }
                    for i, a in enumerate(new.awardees)
                ]
            )
        )
        await _notify_signed(conn, new, number)
    await session.commit()
    # The row as inserted (every column is one of these values): no second read after the commit.
    recorded = Decision.model_validate(
        {
            "id": new.id, "issuing_unit_id": new.issuing_unit_id, "year": year, "number": number,
            "symbol": new.symbol, "signed_at": new.signed_at.astimezone(UTC), "signer_user_id": new.signer_user_id,
            "signer_name": new.signer_name, "signer_title": new.signer_title, "award_form": new.award_form,
        }
    )  # fmt: skip
    return recorded, True
