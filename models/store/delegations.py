"""Delegations in force, and the (role, unit) pairs a user acts as because of them.

Shared by the API's principal (service/security/principal.py), which checks what a caller may do,
and by the notification e-mail (activities/mail.py), which must reach the same people: whoever acts
for a (role, unit) today is told what is addressed to it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlmodel import col

from models.tables import Delegation, RoleAssignment, UnitAncestor, User

SIGN_ON_BEHALF = "sign_on_behalf"
SUBSTITUTE = "substitute"


def active_on(day: date) -> Any:
    """Delegations in force on `day`: they end by themselves after their end date."""
    return and_(col(Delegation.starts_on) <= day, col(Delegation.ends_on) >= day, col(Delegation.revoked_at).is_(None))


@dataclass(frozen=True)
class InForce:
    kind: str
    role: str
    unit_id: int
    from_user_id: int
    from_name: str


async def delegations_touching(conn: AsyncConnection, user_id: int, day: date) -> list[InForce]:
    """A user's delegations in force on `day`, in one query: those handed to them, and the
    substitutes they handed their own role to (a delegation to sign on behalf suspends nothing)."""
    rows = await conn.execute(
        select(
            col(Delegation.kind), col(Delegation.role), col(Delegation.unit_id), col(Delegation.from_user_id),
            col(User.full_name),
        )
        .join(User, col(User.id) == col(Delegation.from_user_id))
        .where(
            or_(
                col(Delegation.to_user_id) == user_id,
                and_(col(Delegation.from_user_id) == user_id, col(Delegation.kind) == SUBSTITUTE),
            ),
            active_on(day),
        )
    )  # fmt: skip
    return [InForce(kind, role, int(unit), int(giver), name) for kind, role, unit, giver, name in rows.all()]


async def acting_pairs(conn: AsyncConnection, user_id: int, day: date) -> set[tuple[str, int]]:
    """Every (role, unit) the user acts as on `day`, as the principal counts them: their own grants
    (a subtree grant for every unit below) less those handed to a substitute, and those handed to them.
    Administration is not a step role: nothing is addressed to it."""
    delegations = await delegations_touching(conn, user_id, day)
    suspended = {(d.role, d.unit_id) for d in delegations if d.from_user_id == user_id}
    handed_to_me = {(d.role, d.unit_id) for d in delegations if d.from_user_id != user_id}
    own = await conn.execute(
        select(col(RoleAssignment.role), col(RoleAssignment.unit_id), col(UnitAncestor.unit_id))
        .join(UnitAncestor, col(UnitAncestor.ancestor_id) == col(RoleAssignment.unit_id))
        .where(
            col(RoleAssignment.user_id) == user_id,
            col(RoleAssignment.role) != "admin",
            # unit_ancestors holds each unit with itself: a plain grant covers that row only.
            or_(col(RoleAssignment.subtree), col(UnitAncestor.unit_id) == col(RoleAssignment.unit_id)),
        )
    )
    pairs = {(role, int(unit)) for role, root, unit in own.all() if (role, int(root)) not in suspended}
    return pairs | handed_to_me
