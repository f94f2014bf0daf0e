"""Files users upload and read back through the API: a dossier's attachments and a plan report's files.

Both kinds go through the same attachment store, with the same checks: the upload is copied off
the event loop, counted against the size limit, hashed, and its type read from its content (a
refusal becomes a problem and stores nothing). The caller adds its row and commits with
`commit_or_remove`, so that a failed commit leaves no orphan file. A stored file is always served
as a download, never rendered in the page's origin, with its SHA-256.
"""

from __future__ import annotations

import asyncio
import uuid
from typing import Any
from urllib.parse import quote

from fastapi import UploadFile
from fastapi.responses import FileResponse
from sqlmodel.ext.asyncio.session import AsyncSession

from service.api.problems import Problem
from service.security.attachment_store import AttachmentStore, RejectedFile, StoredFile

# The OpenAPI description of a download route.
DOWNLOAD_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/octet-stream": {}}, "description": "Nội dung tệp"}
}


async def receive_upload(
    store: AttachmentStore,
    upload: UploadFile,
    folder: str,
    file_id: uuid.UUID,
    *,
    max_bytes: int,
    accepted: frozenset[str],
) -> StoredFile:
    """The upload stored as `<folder>/<file id>`, or a 413/415/422 problem and nothing stored."""
    try:
        return await asyncio.to_thread(store.save, upload.file, folder, file_id, max_bytes, accepted)
    except RejectedFile as exc:
        raise Problem(exc.status, str(exc), code=exc.code) from None


async def commit_or_remove(session: AsyncSession, store: AttachmentStore, storage_key: str) -> None:
    """Commit the file's row (and its audit entry); if that fails, the stored bytes go too."""
    try:
        await session.commit()
    except BaseException:
        store.remove(storage_key)
        raise


def file_download(
    store: AttachmentStore, storage_key: str, *, file_name: str, content_type: str, sha256: str
) -> FileResponse:
    path = store.path(storage_key)
    if not path.is_file():
        raise Problem(404, "Tệp đính kèm không còn trong kho lưu trữ.", code="attachment_missing")
    return FileResponse(
        path,
        media_type=content_type,
        headers={
            # Always a download, never rendered in the page's origin.
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(file_name)}",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "X-Checksum-Sha256": sha256,
        },
    )
