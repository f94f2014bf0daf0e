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
