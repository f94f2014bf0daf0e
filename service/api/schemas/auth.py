"""Sign-in and the signed-in user."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel

from service.api.schemas.common import UnitRef


class MeOut(BaseModel):
    id: int
    username: str
    full_name: str
    roles: list[dict[str, Any]]
    unit: UnitRef
    # Administrators only: the Temporal UI's address and namespace, to link each workflow.
    temporal_ui: dict[str, str] | None = None


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int
