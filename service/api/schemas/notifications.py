"""Request and response bodies of /api/v1 notifications."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from service.api.schemas.common import Id


class NotificationItem(BaseModel):
    id: int | None = None
    source: str  # nomination | plan
    kind: str  # models/rules/labels.py NOTIFICATION_KINDS
    message: str
    created_at: datetime
    nomination_id: str | None = None
    plan_id: str | None = None
    decision_id: str | None = None  # a signed decision's
    read: bool = False


class NotificationFeed(BaseModel):
    items: list[NotificationItem]
    unread: int = 0


class NotificationRef(BaseModel):
    model_config = ConfigDict(extra="forbid")
    source: Literal["nomination", "plan"]
    id: Id


class MarkRead(BaseModel):
    """Mark these notifications read, or (all) every one addressed to the caller."""

    model_config = ConfigDict(extra="forbid")
    items: list[NotificationRef] = Field(default_factory=list, max_length=500)
    all: bool = False


class PreferencesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    # An ordinary address (ASCII, as government mail systems issue them): no control characters.
    email: str | None = Field(
        default=None, max_length=254, pattern=r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$"
    )
    email_mode: Literal["immediate", "digest", "off"] = "off"


class PreferencesOut(BaseModel):
    email: str | None
    email_mode: str
