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

from psycopg.errors import UniqueViolation
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlmodel import col

from models.db.engine import driver_connection
from models.rules import notices
from models.rules.registers import number_text, register_year
from models.rules.text import fold
from models.store.notices import notify
from models.tables.decisions import Decision


class AlreadyInDecision(Exception):
    """A nomination of the new decision is an awardee of another decision already."""


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


# The number and the decision in one statement: no number is taken for a decision id already
# recorded (`fresh`), and the counter's row lock serialises the unit's decisions of the year until
# commit. A concurrent retry of the same id waits for that lock, then finds the id taken (ON CONFLICT:
# no row returned) and rolls its number back. The award form's name is for the notifications.
_NUMBER_AND_RECORD = """
WITH fresh AS (
    SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM decisions WHERE id = %(id)s)
), counter AS (
    INSERT INTO decision_counters (unit_id, year, last_number)
    SELECT %(unit_id)s, %(year)s, 1 FROM fresh
    ON CONFLICT (unit_id, year) DO UPDATE SET last_number = decision_counters.last_number + 1
    RETURNING last_number
)
INSERT INTO decisions (id, issuing_unit_id, year, number, symbol, signed_at, signer_user_id, signer_name,
                       signer_title, award_form)
SELECT %(id)s, %(unit_id)s, %(year)s, last_number, %(symbol)s, %(signed_at)s, %(signer_user_id)s,
       %(signer_name)s, %(signer_title)s, %(award_form)s
FROM counter
ON CONFLICT (id) DO NOTHING
RETURNING number, (SELECT name FROM award_forms WHERE code = %(award_form)s)
"""

_INSERT_AWARDEE = """
INSERT INTO decision_nominations (decision_id, nomination_id, position, nominee_kind, nominee_name,
    proposing_unit_id, award_form, year, period_kind, period_year, achievements, search_text,
    prize_coefficient, prize_amount)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
"""


async def _notify_signed(conn: AsyncConnection, new: NewDecision, number: int, form: str) -> None:
    """Tell each awardee's proposing unit (its clerks) that the decision is signed, with its number:
    in the decision's transaction, so a decision is never recorded without them nor told twice."""
    number_symbol = f"{number_text(number)}/{new.symbol}"
    for a in new.awardees:
        await notify(
            conn, kind=notices.DECISION_SIGNED, role="clerk", unit_id=a.proposing_unit_id,
            nomination_id=a.nomination_id, decision_id=new.id,
            message=notices.decision_signed(number_symbol, new.signed_at, a.nominee_name, form),
            at=new.signed_at, event_key=f"{notices.DECISION_SIGNED}:{new.id}:{a.nomination_id}",
        )  # fmt: skip


async def find_decision(session: AsyncSession, decision_id: uuid.UUID) -> Decision | None:
    conn = await session.connection()
    row = (await conn.execute(select(Decision).where(col(Decision.id) == decision_id))).one_or_none()
    return Decision.model_validate(row._mapping) if row is not None else None


async def record_decision(session: AsyncSession, new: NewDecision) -> tuple[Decision, bool]:
    """(the decision, whether this call recorded it). Commits.

    Plain SQL on psycopg's connection in the session's transaction, as the projection's (a decision
    is recorded at every signature): the number and the decision in one statement, then the
    awardees and their notices in one batch."""
    year = register_year(new.signed_at)
    conn = await session.connection()
    pg = await driver_connection(conn)
    cur = pg.cursor()
    params = {
        "id": new.id, "unit_id": new.issuing_unit_id, "year": year, "symbol": new.symbol,
        "signed_at": new.signed_at, "signer_user_id": new.signer_user_id, "signer_name": new.signer_name,
        "signer_title": new.signer_title, "award_form": new.award_form,
    }  # fmt: skip
    row = await (await cur.execute(_NUMBER_AND_RECORD, params)).fetchone()
    if row is None:
        # Recorded already, or meanwhile by a concurrent retry (whose number is then given back).
        await session.rollback()
        found = await find_decision(session, new.id)
        assert found is not None
        return found, False
    number, form = int(row[0]), str(row[1] or new.award_form)
    if new.awardees:
        try:
            async with pg.pipeline():
                await cur.executemany(
                    _INSERT_AWARDEE,
                    [
                        (
                            new.id, a.nomination_id, i + 1, a.nominee_kind, a.nominee_name, a.proposing_unit_id,
                            new.award_form, year, a.period_kind, a.period_year, a.achievements,
                            fold(f"{a.nominee_name} {a.achievements}"), a.prize_coefficient, a.prize_amount,
                        )
                        for i, a in enumerate(new.awardees)
                    ],
                )  # fmt: skip
                await _notify_signed(conn, new, number, form)
        except UniqueViolation:
            # An awardee is in another decision already (one decision per nomination): nothing is
            # recorded and the number goes back to the register.
            await session.rollback()
            raise AlreadyInDecision(new.id) from None
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
