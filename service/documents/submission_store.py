"""A submission letter's documents (tờ trình: PDF and DOCX), generated once on first download and kept
with their SHA-256 (table submission_documents), like a decision's (service/documents/store.py)."""

from __future__ import annotations

import asyncio
import hashlib

from sqlalchemy.dialects.postgresql import insert
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.tables.submissions import Submission, SubmissionDocument
from service.api.deps import AppContext
from service.documents.submission_letter import render_letter_docx, render_letter_pdf
from service.queries.submissions import letter_content

KINDS = ("pdf", "docx")
TEMPLATE = "submission_letter.typ"


async def stored_letter(session: AsyncSession, submission_id: object, kind: str) -> SubmissionDocument | None:
    return (
        await session.exec(
            select(SubmissionDocument).where(
                col(SubmissionDocument.submission_id) == submission_id, col(SubmissionDocument.kind) == kind
            )
        )
    ).one_or_none()


async def ensure_letter(ctx: AppContext, session: AsyncSession, submission: Submission) -> None:
    """Generate the letter's documents unless they exist; concurrent callers store one copy."""
    missing = [k for k in KINDS if await stored_letter(session, submission.id, k) is None]
    if not missing:
        return
    assert ctx.registers is not None
    content = await letter_content(session, ctx.catalogue, ctx.registers, submission)
    template = ctx.settings.deploy_dir / "templates" / TEMPLATE

    def build() -> dict[str, bytes]:
        return {"pdf": render_letter_pdf(content, template), "docx": render_letter_docx(content)}

    built = await asyncio.to_thread(build)
    now = ctx.clock()
    for kind in missing:
        data = built[kind]
        await session.exec(
            insert(SubmissionDocument)  # type: ignore[call-overload]
            .values(
                submission_id=submission.id,
                kind=kind,
                sha256=hashlib.sha256(data).hexdigest(),
                content=data,
                created_at=now,
            )
            .on_conflict_do_nothing(index_elements=["submission_id", "kind"])
        )
    await session.commit()
