"""The audit trail of administrative actions, beside the workflow's own records of state changes.

Nomination state changes are written by the workflow's projection activity. Anything else that
changes data (an attachment, a plan, a user, a unit, a setting) records itself with
`record_admin_action`, in the same transaction as the change, so that the change and its record
are committed together or not at all. The table is append-only: a trigger refuses UPDATE and
DELETE (migration 0004).
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from models.rules.text import nfc, nfc_deep
from models.tables import AuditEntry
from service.api.deps import CurrentUser


def record_admin_action(
    session: AsyncSession,
    user: CurrentUser,
    action: str,
    *,
    subject_type: str,
    subject_id: str | uuid.UUID | int,
    unit_id: int | None,
    nomination_id: uuid.UUID | None = None,
    comment: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEntry:
    """Add who did what, on which subject, when and from which address; the caller commits.

    `unit_id` is the unit the subject belongs to: administrators of that unit (or above it, with a
    subtree grant) read the entry at GET /api/v1/audit. `nomination_id` also puts the entry in that
    nomination's history.
    """
    entry = AuditEntry(
        id=uuid.uuid4(),
        nomination_id=nomination_id,
        at=datetime.now(UTC),
        actor_id=user.id,
        actor_name=user.full_name,
        action=action[:32],
        comment=nfc(comment) if comment else None,
        source_address=user.address[:64] if user.address else None,
        subject_type=subject_type[:32],
        subject_id=str(subject_id)[:100],
        unit_id=unit_id,
        details=nfc_deep(details) if details else None,
    )
    session.add(entry)
    return entry
