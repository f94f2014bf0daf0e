"""Recording a unit's list (tờ trình kèm danh sách): the letter's number taken from the proposing
unit's register of submission letters for the year, the submission, its nominations with their
access rows and the request's Idempotency-Key, all in ONE transaction.

Concurrent lists of one unit and year serialise on the register's counter row (locked until commit),
so numbers run 1, 2, 3 … without gap or duplicate; a transaction that fails, or that loses the race
for its Idempotency-Key to a concurrent retry, gives its number back with everything else.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col
from sqlmodel.ext.asyncio.session import AsyncSession

from models.rules.registers import register_year
from models.store.nominations import insert_nominations
from models.tables import Nomination
from models.tables.submissions import Submission, SubmissionCounter, SubmissionKey


@dataclass(frozen=True)
class NewSubmission:
    id: uuid.UUID
    proposing_unit_id: int
    award_form: str
    period_kind: str
    period_year: int
    symbol: str
    source: str  # json | xlsx
    created_by: int
    created_at: datetime
    idempotency_key: str
    request_hash: str


async def find_submission(session: AsyncSession, submission_id: uuid.UUID) -> Submission | None:
    conn = await session.connection()
    row = (await conn.execute(select(Submission).where(col(Submission.id) == submission_id))).one_or_none()
    return Submission.model_validate(row._mapping) if row is not None else None


async def find_key(session: AsyncSession, user_id: int, key: str) -> SubmissionKey | None:
    conn = await session.connection()
    row = (
        await conn.execute(
            select(SubmissionKey).where(col(SubmissionKey.user_id) == user_id, col(SubmissionKey.key) == key)
        )
    ).one_or_none()
    return SubmissionKey.model_validate(row._mapping) if row is not None else None


async def record_submission(
    session: AsyncSession, new: NewSubmission, nominations: Sequence[Nomination]
) -> Submission | None:
    """Number and store the submission with its nominations (each carrying the submission's id) and
    commit; None when a concurrent request with the same Idempotency-Key stored its own first (nothing
    of this one is kept, its number included: the caller answers as for a retry)."""
    year = register_year(new.created_at)
    conn = await session.connection()
    number = int(
        (
            await conn.execute(
                insert(SubmissionCounter)
                .values(unit_id=new.proposing_unit_id, year=year, last_number=1)
                .on_conflict_do_update(
                    index_elements=["unit_id", "year"], set_={"last_number": SubmissionCounter.last_number + 1}
                )
                .returning(col(SubmissionCounter.last_number))
            )
        ).scalar_one()
    )
    await conn.execute(
        insert(Submission).values(
            id=new.id,
            proposing_unit_id=new.proposing_unit_id,
            award_form=new.award_form,
            period_kind=new.period_kind,
            period_year=new.period_year,
            year=year,
            number=number,
            symbol=new.symbol,
            total=len(nominations),
            source=new.source,
            created_by=new.created_by,
            created_at=new.created_at,
        )
    )
    # The key before the list: a concurrent retry that holds it is found before 2,000 rows are written.
    claimed = (
        await conn.execute(
            insert(SubmissionKey)
            .values(
                user_id=new.created_by,
                key=new.idempotency_key,
                request_hash=new.request_hash,
                submission_id=new.id,
                created_at=new.created_at,
            )
            .on_conflict_do_nothing()
            .returning(col(SubmissionKey.key))
        )
    ).scalar_one_or_none()
    if claimed is None:
        await session.rollback()
        return None
    for n in nominations:
        n.submission_id = new.id
    await insert_nominations(session, nominations)
    await session.commit()
    found = await find_submission(session, new.id)
    assert found is not None
    return found
