"""Request and response bodies of /api/v1 audit."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel


class AuditEntryOut(BaseModel):
    id: uuid.UUID
    at: datetime
    actor_id: int | None
    actor_name: str
    action: str
    nomination_id: uuid.UUID | None
    subject_type: str | None
    subject_id: str | None
    unit_id: int | None
    step: str | None
    comment: str | None
    source_address: str | None
    details: dict[str, Any] | None


class AuditPage(BaseModel):
    items: list[AuditEntryOut]
    total: int
