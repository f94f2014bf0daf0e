"""Request and response bodies of /api/v1 notifications."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel


class NotificationItem(BaseModel):
    source: str  # nomination | plan
    kind: str
    message: str
    created_at: datetime
    nomination_id: str | None = None
    plan_id: str | None = None


class NotificationFeed(BaseModel):
    items: list[NotificationItem]
