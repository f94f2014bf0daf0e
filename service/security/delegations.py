"""Signing on behalf and substitutes: grants a user holds for a period through someone else."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import and_, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.rules.calendar import VN_TZ
from models.tables import Delegation, User

SIGN_ON_BEHALF = "sign_on_behalf"
SUBSTITUTE = "substitute"
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


def active_on(day: date):  # type: ignore[no-untyped-def]
    """Delegations in force on `day`: they end by themselves after their end date."""
    return and_(col(Delegation.starts_on) <= day, col(Delegation.ends_on) >= day, col(Delegation.revoked_at).is_(None))


async def delegations_in_force(
    session: AsyncSession, user_id: int, day: date | None = None
) -> tuple[set[tuple[str, int]], list[tuple[str, int, str]]]:
    """Both sides of a user's delegations today, in one query: the (role, unit) they handed to a
    substitute (suspended for them), and the (role, unit, how they act) handed to them."""
    rows = (
        await session.exec(
            select(  # type: ignore[call-overload]
                col(Delegation.kind),
                col(Delegation.role),
                col(Delegation.unit_id),
                col(Delegation.from_user_id),
                col(User.full_name),
            )
            .join(User, col(User.id) == col(Delegation.from_user_id))
            .where(
                or_(
                    col(Delegation.to_user_id) == user_id,
                    and_(col(Delegation.from_user_id) == user_id, col(Delegation.kind) == SUBSTITUTE),
                ),
                active_on(day or today()),
            )
        )
    ).all()
    suspended = {(role, unit) for kind, role, unit, giver, _ in rows if giver == user_id}
    acting = [
        (role, unit, ON_BEHALF_TITLE if kind == SIGN_ON_BEHALF else f"thay {name}")
        for kind, role, unit, giver, name in rows
        if giver != user_id
    ]
    return suspended, acting
