"""Attachment queries of the API: the dossier's files as they stand, for a decision to record."""

from __future__ import annotations

import uuid

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.db.engine import driver_connection
from models.tables import Nomination, Task
from workflows.contracts import REVISION_STEP, SUPPLEMENT_STEP

# Read at every human step: plain SQL on psycopg's connection, in the session's transaction.
_DIGESTS = (
    "SELECT nomination_id, file_name, sha256 FROM attachments WHERE nomination_id = ANY(%s) ORDER BY created_at, id"
)


async def attachment_digests(session: AsyncSession, nomination_id: uuid.UUID) -> list[str]:
    """Each file of the dossier as "<name> sha256:<hex>", oldest first: what a decision was taken on."""
    return (await attachment_digests_of(session, [nomination_id])).get(nomination_id, [])


async def attachment_digests_of(session: AsyncSession, nomination_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    """`attachment_digests` of several dossiers in one query."""
    if not nomination_ids:
        return {}
    driver = await driver_connection(await session.connection())
    out: dict[uuid.UUID, list[str]] = {}
    for nomination_id, name, digest in await (await driver.execute(_DIGESTS, (nomination_ids,))).fetchall():
        out.setdefault(nomination_id, []).append(f"{name} sha256:{digest}")
    return out


async def files_may_change(session: AsyncSession, nomination: Nomination) -> bool:
    """The dossier's files change while the unit still holds it: before the first reviewer has acted
    (the clerk attaches them right after proposing), and when it is returned for revision or a
    supplement is asked for. Once a step has been decided on them, they stand as that decision saw them."""
    if nomination.current_step in (REVISION_STEP, SUPPLEMENT_STEP):
        return True
    decided = (
        await session.exec(
            select(Task.id).where(
                col(Task.nomination_id) == nomination.id,
                col(Task.status) == "done",
                col(Task.step).not_in((REVISION_STEP, SUPPLEMENT_STEP)),
            )
        )
    ).first()
    return decided is None
