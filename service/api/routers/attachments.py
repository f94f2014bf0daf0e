"""Attachments of a nomination: upload (the proposing clerk, while the dossier is open), list and download."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import FileResponse
from sqlalchemy import func
from sqlmodel import col, select

from models.tables.documents import Attachment
from service.api.deps import ContextDep, SessionDep, UserDep
from service.api.files import DOWNLOAD_RESPONSES, commit_or_remove, file_download, receive_upload
from service.api.problems import Problem
from service.api.schemas.attachments import AttachmentOut, AttachmentPage
from service.queries.attachments import files_may_change
from service.queries.nominations import get_visible
from service.security.attachment_store import DOSSIER_TYPES, AttachmentStore, sanitise_filename
from service.security.audit import record_admin_action
from workflows.contracts import OPEN_STATUSES

router = APIRouter(prefix="/api/v1/nominations", tags=["attachments"])

AttachmentKind = Literal["achievement_report", "submission_letter", "minutes", "evidence", "other"]


def _out(a: Attachment) -> AttachmentOut:
    return AttachmentOut.model_validate(a, from_attributes=True)


@router.post("/{nomination_id}/attachments", status_code=201, response_model=AttachmentOut)
async def upload_attachment(
    nomination_id: uuid.UUID,
    ctx: ContextDep,
    session: SessionDep,
    user: UserDep,
    file: Annotated[UploadFile, File(description="PDF, DOCX, JPEG hoặc PNG")],
    kind: Annotated[AttachmentKind, Form()] = "other",
) -> AttachmentOut:
    nomination = await get_visible(session, user, nomination_id)
    if not user.has_role("clerk", nomination.proposing_unit_id):
        raise Problem(403, NOT_UNIT_CLERK, code="not_unit_clerk")
    if nomination.status not in OPEN_STATUSES:
        raise Problem(409, CLOSED, code="nomination_closed")
    if not await files_may_change(session, nomination):
        raise Problem(409, LOCKED, code="dossier_locked")
    count = (
        await session.exec(
            select(func.count()).select_from(Attachment).where(Attachment.nomination_id == nomination.id)
        )
    ).one()
    limit = ctx.settings.max_attachments_per_nomination
    if count >= limit:
        raise Problem(409, f"Mỗi hồ sơ có tối đa {limit} tệp đính kèm.", code="too_many_attachments")

    store = AttachmentStore(ctx.settings.attachments_path)
    attachment_id = uuid.uuid4()
    stored = await receive_upload(
        store,
        file,
        str(nomination.id),
        attachment_id,
        max_bytes=ctx.settings.max_attachment_bytes,
        accepted=DOSSIER_TYPES,
    )
    attachment = Attachment(
        id=attachment_id,
        nomination_id=nomination.id,
        kind=kind,
        file_name=sanitise_filename(file.filename, stored.content_type),
        content_type=stored.content_type,
        size_bytes=stored.size_bytes,
        sha256=stored.sha256,
        storage_key=stored.storage_key,
        uploaded_by=user.id,
        created_at=datetime.now(UTC),
    )
    session.add(attachment)
    record_admin_action(
        session,
        user,
        "attach",
        subject_type="attachment",
        subject_id=attachment_id,
        unit_id=nomination.proposing_unit_id,
        nomination_id=nomination.id,
        comment=attachment.file_name,
        details={"kind": kind, "sha256": stored.sha256, "size_bytes": stored.size_bytes},
    )
    await commit_or_remove(session, store, stored.storage_key)
    return _out(attachment)


NOT_UNIT_CLERK = "Chỉ cán bộ thi đua của đơn vị đề nghị mới được đính kèm tệp vào hồ sơ."
CLOSED = "Hồ sơ đã kết thúc, không thể đính kèm thêm tệp."
LOCKED = "Hồ sơ đang được xét: chỉ bổ sung tệp khi hồ sơ được trả lại để chỉnh sửa hoặc có yêu cầu bổ sung."


@router.get("/{nomination_id}/attachments", response_model=AttachmentPage)
async def list_attachments(
    nomination_id: uuid.UUID, ctx: ContextDep, session: SessionDep, user: UserDep
) -> AttachmentPage:
    """The dossier's files, oldest first, with whether the caller may add one now (and why not)."""
    nomination = await get_visible(session, user, nomination_id)
    rows = (
        await session.exec(
            select(Attachment)
            .where(Attachment.nomination_id == nomination.id)
            .order_by(col(Attachment.created_at), col(Attachment.id))
        )
    ).all()
    limit = ctx.settings.max_attachments_per_nomination
    reason: str | None = None
    if not user.has_role("clerk", nomination.proposing_unit_id):
        reason = NOT_UNIT_CLERK
    elif nomination.status not in OPEN_STATUSES:
        reason = CLOSED
    elif not await files_may_change(session, nomination):
        reason = LOCKED
    elif len(rows) >= limit:
        reason = f"Mỗi hồ sơ có tối đa {limit} tệp đính kèm."
    return AttachmentPage(
        items=[_out(a) for a in rows],
        total=len(rows),
        may_add=reason is None,
        locked_reason=reason,
        max_bytes=ctx.settings.max_attachment_bytes,
        max_files=limit,
        accepted_types=sorted(DOSSIER_TYPES),
    )


@router.get("/{nomination_id}/attachments/{attachment_id}", response_class=FileResponse, responses=DOWNLOAD_RESPONSES)
async def download_attachment(
    nomination_id: uuid.UUID, attachment_id: uuid.UUID, ctx: ContextDep, session: SessionDep, user: UserDep
) -> FileResponse:
    nomination = await get_visible(session, user, nomination_id)
    attachment = (
        await session.exec(
            select(Attachment).where(Attachment.id == attachment_id, Attachment.nomination_id == nomination.id)
        )
    ).one_or_none()
    if attachment is None:
        raise Problem(404, "Không tìm thấy tệp đính kèm.", code="attachment_not_found")
    return file_download(
        AttachmentStore(ctx.settings.attachments_path),
        attachment.storage_key,
        file_name=attachment.file_name,
        content_type=attachment.content_type,
        sha256=attachment.sha256,
    )
