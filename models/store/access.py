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
    rows = [
        {"nomination_id": nomination_id, "role": role, "unit_id": unit}
        for role, unit in sorted(access_pairs(proposing_unit_id, route))
    ]
    await conn.execute(insert(NominationAccess).values(rows).on_conflict_do_nothing())
