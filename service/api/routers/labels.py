"""The Vietnamese names of the server's codes (statuses, actions, roles...), for the web UI and clients.

Public: the sign-in page may need them and they hold no personal data. They change only with a
release, so browsers and proxies may keep them for a few minutes.
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from models.rules.labels import TABLES

router = APIRouter(prefix="/api/v1/labels", tags=["labels"])

CACHE_CONTROL = "public, max-age=300"


@router.get("", summary="Tên tiếng Việt của các mã (trạng thái, thao tác, vai trò...)")
async def labels(response: Response) -> dict[str, dict[str, str]]:
    """Each table maps a code to its Vietnamese name: statuses, actions, outcomes, nominee_kinds,
    period_kinds, roles, step_kinds, phases, ballot_statuses, ballot_modes, ballot_choices,
    delegation_kinds."""
    response.headers["Cache-Control"] = CACHE_CONTROL
    return {name: dict(table) for name, table in TABLES.items()}
