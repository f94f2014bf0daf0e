"""Storing new nominations (dossiers at version 0) with their access rows, one or a unit's list at a
time, in the caller's transaction. The workflow of each is started after the commit."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.dialects.postgresql import insert
from sqlmodel.ext.asyncio.session import AsyncSession

from models.store.access import record_access_many
from models.tables import Nomination


async def insert_nominations(session: AsyncSession, nominations: Sequence[Nomination]) -> None:
    """Insert the rows and who may see each (models/rules/access.py); nothing is committed here."""
    if not nominations:
        return
    conn = await session.connection()
    # Batched (a list of 2,000 is a handful of statements, not 2,000 round trips).
    await conn.execute(insert(Nomination), [n.model_dump() for n in nominations])
    await record_access_many(conn, [(n.id, n.proposing_unit_id, n.route) for n in nominations])
