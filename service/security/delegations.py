"""Signing on behalf and substitutes: grants a user holds for a period through someone else."""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel.ext.asyncio.session import AsyncSession

from models.rules.calendar import VN_TZ
from models.store.delegations import SIGN_ON_BEHALF, SUBSTITUTE, delegations_touching

__all__ = [
    "NOT_DELEGABLE", "ON_BEHALF_TITLE", "SIGN_ON_BEHALF", "SUBSTITUTE", "SUBSTITUTE_MUST_HOLD", "delegations_in_force",
    "today",
]  # fmt: skip

# The signature block of a deputy signing for the chairperson (Decree 30/2020/NĐ-CP on official documents).
ON_BEHALF_TITLE = "KT. CHỦ TỊCH – PHÓ CHỦ TỊCH"
# Never delegated: a council seat is personal (one seat, one vote), and administration is no step.
NOT_DELEGABLE = frozenset({"council_member", "admin"})
# Who may stand in for a role at a unit: the holder of this role at the same unit. Roles not listed
# go to a person of the same unit (their home unit is the unit or below it).
SUBSTITUTE_MUST_HOLD = {
    "chairperson": "deputy_chairperson",  # the chairperson's substitute is a deputy chairperson
    "council_secretary": "council_member",  # the council's secretary is replaced by one of its members
}


def today() -> date:
    return datetime.now(VN_TZ).date()


async def delegations_in_force(
    session: AsyncSession, user_id: int, day: date | None = None
) -> tuple[set[tuple[str, int]], list[tuple[str, int, str]]]:
    """Both sides of a user's delegations today: the (role, unit) they handed to a substitute
    (suspended for them), and the (role, unit, how they act) handed to them."""
    rows = await delegations_touching(await session.connection(), user_id, day or today())
    suspended = {(d.role, d.unit_id) for d in rows if d.from_user_id == user_id}
    acting = [
        (d.role, d.unit_id, ON_BEHALF_TITLE if d.kind == SIGN_ON_BEHALF else f"thay {d.from_name}")
        for d in rows
        if d.from_user_id != user_id
    ]
    return suspended, acting
