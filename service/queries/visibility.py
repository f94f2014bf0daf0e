"""Who sees what: the conditions behind every list, search and inbox.

A user's grants are sent as they are stored, a handful of (role, unit, subtree) rows, never
expanded to the thousands of units below a province: a subtree grant joins `unit_ancestors`. A
nomination is visible when one of its `nomination_access` pairs (models/rules/access.py) matches
a grant; a task is in the inbox when its (role, unit) does.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, exists, false, or_, tuple_
from sqlmodel import col

from models.tables import Nomination, NominationAccess, Task, UnitAncestor
from service.security.principal import CurrentUser

# The inbox holds step tasks only: administration is no step.
NOT_A_STEP_ROLE = "admin"


def _grants(user: CurrentUser, *, steps_only: bool = False) -> tuple[list[tuple[str, int]], list[tuple[str, int]]]:
    direct: set[tuple[str, int]] = set()
    subtree: set[tuple[str, int]] = set()
    for g in user.grants:
        if steps_only and g.role == NOT_A_STEP_ROLE:
            continue
        (subtree if g.subtree else direct).add((g.role, g.unit_id))
    return sorted(direct), sorted(subtree)


def visible_to(user: CurrentUser) -> ColumnElement[bool]:
    """Nominations the user may see: an access pair of the nomination is one of their grants, or lies
    below the unit of a subtree grant of the same role."""
    direct, subtree = _grants(user)
    conditions: list[ColumnElement[bool]] = []
    if direct:
        conditions.append(
            exists().where(
                col(NominationAccess.nomination_id) == col(Nomination.id),
                tuple_(col(NominationAccess.role), col(NominationAccess.unit_id)).in_(direct),
            )
        )
    if subtree:
        conditions.append(
            exists().where(
                col(NominationAccess.nomination_id) == col(Nomination.id),
                col(UnitAncestor.unit_id) == col(NominationAccess.unit_id),
                tuple_(col(NominationAccess.role), col(UnitAncestor.ancestor_id)).in_(subtree),
            )
        )
    return or_(*conditions) if conditions else false()


def assigned_to(user: CurrentUser) -> ColumnElement[bool]:
    """Tasks of a (role, unit) the user holds, or of a unit below a subtree grant of that role."""
    direct, subtree = _grants(user, steps_only=True)
    conditions: list[ColumnElement[bool]] = []
    if direct:
        conditions.append(tuple_(col(Task.role), col(Task.unit_id)).in_(direct))
    if subtree:
        conditions.append(
            exists().where(
                and_(
                    col(UnitAncestor.unit_id) == col(Task.unit_id),
                    tuple_(col(Task.role), col(UnitAncestor.ancestor_id)).in_(subtree),
                )
            )
        )
    return or_(*conditions) if conditions else false()
