"""Who is calling: the signed-in user with their grants, subtree scopes and delegations in force.

The API builds a `CurrentUser` per request from a local token or an OpenID Connect token; the
workflow receives it as an `Actor` and checks the grants again in its validators.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from models.tables import RoleAssignment, Unit, User
from service.api.problems import Problem
from service.security.authz import ScopedGrant, expand_scope, roles_over_every_unit
from service.security.delegations import delegations_in_force
from service.security.oidc import OidcError, OidcVerifier
from service.security.oidc_users import oidc_user_row
from workflows.contracts import Actor, Grant

log = logging.getLogger(__name__)


@dataclass
class CurrentUser:
    id: int
    username: str
    full_name: str
    unit: Unit
    # The (role, unit) pairs as granted; `scope` adds the units of subtree grants.
    roles: list[tuple[str, int]] = field(default_factory=list)
    address: str | None = None
    grants: list[ScopedGrant] = field(default_factory=list)
    scope: dict[str, frozenset[int]] = field(default_factory=dict)
    via: str = "local"  # local | oidc
    # (role, unit) held only through a delegation in force today, and how the user then acts.
    acting: dict[tuple[str, int], str] = field(default_factory=dict)
    # Roles whose subtree grants cover every unit of the organisation (a province-wide administrator):
    # their lists need no condition on the unit (service/queries/visibility.py).
    whole_tree: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if not self.grants:
            self.grants = [ScopedGrant(role, unit) for role, unit in self.roles]
        if not self.scope:
            scope: dict[str, set[int]] = {}
            for role, unit in self.roles:
                scope.setdefault(role, set()).add(unit)
            self.scope = {role: frozenset(units) for role, units in scope.items()}

    @property
    def is_admin(self) -> bool:
        return any(role == "admin" for role, _ in self.roles)

    def has_role(self, role: str, unit_id: int) -> bool:
        """Whether a grant of `role` covers `unit_id` (the unit itself, or below a subtree grant)."""
        return unit_id in self.scope.get(role, ())

    def units_for(self, role: str) -> frozenset[int]:
        return self.scope.get(role, frozenset())

    def scoped_pairs(self) -> list[tuple[str, int]]:
        """Every (role, unit) the user acts as, subtrees expanded; administration is not a step role."""
        return sorted((role, unit) for role, units in self.scope.items() if role != "admin" for unit in units)

    def actor(self, acting_for: tuple[str, int] | None = None) -> Actor:
        """The caller as the workflow sees it, acting as `acting_for` = (role, unit) of the step acted on.

        Only that one grant is sent (the workflow checks it again): a province-wide grant expanded to
        thousands of (role, unit) pairs must not travel in every history event. Without `acting_for`
        (an administrator's action on a plan) the caller's administrator grants are sent.
        """
        if acting_for is not None:
            role, unit = acting_for
            grants = [Grant(role=role, unit_id=unit)] if self.has_role(role, unit) else []
        else:
            grants = [Grant(role=role, unit_id=unit) for role, unit in self.roles if role == "admin"]
        return Actor(
            user_id=self.id,
            name=self.full_name,
            address=self.address,
            grants=grants,
            acting_as=self.acting.get(acting_for) if acting_for else None,
        )


async def load_user(session: AsyncSession, user_id: int, address: str | None) -> CurrentUser | None:
    row = (
        await session.exec(select(User, Unit).join(Unit, col(Unit.id) == col(User.unit_id)).where(User.id == user_id))
    ).one_or_none()
    if row is None or not row[0].is_active or row[0].id is None:
        return None
    user, unit = row
    assert user.id is not None
    rows = (
        await session.exec(
            select(RoleAssignment.role, RoleAssignment.unit_id, RoleAssignment.subtree).where(
                RoleAssignment.user_id == user_id
            )
        )
    ).all()
    grants = [ScopedGrant(r, u, bool(sub)) for r, u, sub in rows]
    return await _current_user(session, user, unit, grants, address, via="local")


async def _current_user(
    session: AsyncSession, user: User, unit: Unit, grants: list[ScopedGrant], address: str | None, *, via: str
) -> CurrentUser:
    assert user.id is not None
    # While a substitute acts for them, the delegator's own right to that step is suspended: one
    # person acts for a (role, unit) at a time.
    suspended, handed_to_me = await delegations_in_force(session, user.id)
    grants = [g for g in grants if (g.role, g.unit_id) not in suspended]
    own = {(g.role, g.unit_id) for g in grants}
    acting = {(r, u): how for r, u, how in handed_to_me if (r, u) not in own}
    grants = grants + [ScopedGrant(r, u) for r, u in acting]
    scope = await expand_scope(session, grants) if grants else {}
    return CurrentUser(
        acting=acting,
        id=user.id,
        username=user.username,
        full_name=user.full_name,
        unit=unit,
        roles=[(g.role, g.unit_id) for g in grants],
        address=address,
        grants=grants,
        scope=scope,
        via=via,
        whole_tree=await roles_over_every_unit(session, grants, scope),
    )


INVALID_SESSION = "Phiên đăng nhập không hợp lệ hoặc đã hết hạn; vui lòng đăng nhập lại."


async def oidc_user(oidc: OidcVerifier | None, session: AsyncSession, token: str, address: str | None) -> CurrentUser:
    if oidc is None:
        raise Problem(401, INVALID_SESSION, code="unauthorized")
    try:
        identity = oidc.identity(await oidc.verify(token))
    except OidcError as exc:
        log.info("OpenID Connect token refused: %s", exc)
        raise Problem(401, INVALID_SESSION, code="unauthorized") from None
    codes = {identity.unit_code, *(g.unit_code for g in identity.grants)}
    units = {u.code: u for u in (await session.exec(select(Unit).where(col(Unit.code).in_(codes)))).all()}
    unit = units.get(identity.unit_code)
    if unit is None or unit.id is None:
        raise Problem(401, "Đơn vị của tài khoản không có trong hệ thống thi đua.", code="unknown_unit")
    user = await oidc_user_row(session, identity, unit.id)
    if user is None:
        raise Problem(401, "Tài khoản không tồn tại hoặc đã bị khóa.", code="unauthorized")
    grants = [
        ScopedGrant(g.role, units[g.unit_code].id or 0, g.subtree) for g in identity.grants if g.unit_code in units
    ]
    return await _current_user(session, user, unit, grants, address, via="oidc")
