"""Attachment queries of the API: the dossier's files as they stand, for a decision to record."""

from __future__ import annotations

import uuid

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.tables import Attachment


async def attachment_digests(session: AsyncSession, nomination_id: uuid.UUID) -> list[str]:
    """Each file of the dossier as "<name> sha256:<hex>", oldest first: what a decision was taken on."""
    rows = (
        await session.exec(
            select(Attachment.file_name, Attachment.sha256)
            .where(Attachment.nomination_id == nomination_id)
            .order_by(col(Attachment.created_at), col(Attachment.id))
        )
    ).all()
    return [f"{name} sha256:{digest}" for name, digest in rows]
