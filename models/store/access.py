"""Writing a nomination's access rows, in the transaction that stores the nomination."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel.ext.asyncio.session import AsyncSession

from models.rules.access import access_pairs
from models.tables import NominationAccess


async def record_access(
    conn: AsyncConnection | AsyncSession,
    nomination_id: uuid.UUID,
    proposing_unit_id: int,
    route: Iterable[Mapping[str, Any]],
) -> None:
    await record_access_many(conn, [(nomination_id, proposing_unit_id, route)])


async def record_access_many(
    conn: AsyncConnection | AsyncSession,
    nominations: Iterable[tuple[uuid.UUID, int, Iterable[Mapping[str, Any]]]],
) -> None:
    """The access rows of several nominations (a unit's list) in batched statements."""
    rows = [
        {"nomination_id": nomination_id, "role": role, "unit_id": unit}
        for nomination_id, proposing_unit_id, route in nominations
        for role, unit in sorted(access_pairs(proposing_unit_id, route))
    ]
    if rows:
        if isinstance(conn, AsyncSession):
            conn = await conn.connection()
        # One statement, many rows: SQLAlchemy pages them ("insertmanyvalues") under the driver's limits.
        await conn.execute(insert(NominationAccess).on_conflict_do_nothing(), rows)
