"""Request and response bodies of /api/v1 attachments."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel


class AttachmentOut(BaseModel):
    id: uuid.UUID
    nomination_id: uuid.UUID
    kind: str
    file_name: str
    content_type: str
    size_bytes: int
    sha256: str
    uploaded_by: int
    created_at: datetime


class AttachmentPage(BaseModel):
    items: list[AttachmentOut]
    total: int
    # Whether the caller may add a file now, and why not (Vietnamese) when not; the limits the API
    # checks, so that the page checks them before sending.
    may_add: bool = False
    locked_reason: str | None = None
    max_bytes: int
    max_files: int
    accepted_types: list[str]
