"""Who sees what: the conditions behind every list, search and inbox.

A user's grants are sent as they are stored, a handful of (role, unit, subtree) rows, never
expanded to the thousands of units below a province (a subtree grant joins `unit_ancestors`). A
nomination is visible when one of its `nomination_access` pairs (models/rules/access.py) matches a
grant; a list tests that on the nomination's own columns where it can (the proposing unit, the
access keys), and looks up the access rows only for a subtree grant of a step role or a role
without an access key. A task is in the inbox when its (role, unit) matches a grant.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ARRAY,
    BigInteger,
    ColumnElement,
    Text,
    and_,
    cast,
    exists,
    false,
    func,
    literal,
    literal_column,
    or_,
    select,
    true,
    tuple_,
)
from sqlmodel import col

from models.rules.access import PROPOSER_ROLES, access_key
from models.rules.text import fold
from models.tables import Nomination, NominationAccess, Task, UnitAncestor
from models.tables.nominations import inbox_token, task_inbox_lexemes
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
    below the unit of a subtree grant of the same role.

    The proposer's roles (clerk, administrator) are paired with the proposing unit only, never with a
    step (models/rules/access.py, ROLE_FOR_STEP): their grants are a condition on the nomination's own
    `proposing_unit_id`, read from the list's indexes, not a lookup in `nomination_access` for every
    row a province-wide administrator's list goes through. A step role's direct grant is tested on
    the nomination's `access_keys` the same way; subtree grants of step roles (rare) join the access
    rows below the unit.

    A proposer's role granted over the whole organisation (the province's administrator) sees every
    nomination: no condition at all, rather than a join over every unit at every list."""
    if user.whole_tree & PROPOSER_ROLES:
        return true()
    direct, subtree = _grants(user)
    conditions: list[ColumnElement[bool]] = []
    proposer_units = sorted({unit for role, unit in direct if role in PROPOSER_ROLES})
    proposer_subtrees = sorted({unit for role, unit in subtree if role in PROPOSER_ROLES})
    direct = [(role, unit) for role, unit in direct if role not in PROPOSER_ROLES]
    subtree = [(role, unit) for role, unit in subtree if role not in PROPOSER_ROLES]
    if proposer_units:
        conditions.append(col(Nomination.proposing_unit_id).in_(proposer_units))
    if proposer_subtrees:
        conditions.append(
            col(Nomination.proposing_unit_id).in_(
                select(col(UnitAncestor.unit_id)).where(col(UnitAncestor.ancestor_id).in_(proposer_subtrees))
            )
        )
    # A step role's pairs are on the nomination too, as numbers (access_keys): tested on the index's rows.
    keys = sorted({key for role, unit in direct if (key := access_key(role, unit)) is not None})
    direct = [(role, unit) for role, unit in direct if access_key(role, unit) is None]
    if keys:
        wanted = cast(literal(keys, ARRAY(BigInteger)), ARRAY(BigInteger))
        conditions.append(col(Nomination.access_keys).op("&&")(wanted))
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


def assigned_matches(user: CurrentUser, q: str) -> ColumnElement[bool]:
    """Open tasks whose dossier matches `q`, asked of the inbox's full-text index with the caller's
    (role, unit) pairs when all their step grants are direct: the words, each prefixed with one of
    the pairs, are in the index for the tasks of that pair alone, so it intersects the caller's own
    tasks' posting lists (models/tables/nominations.py, task_inbox_lexemes). It narrows, never
    widens: `assigned_to` stays the condition of who sees what."""
    lexemes: ColumnElement[Any] = literal_column(task_inbox_lexemes("tasks."))
    direct, subtree = _grants(user, steps_only=True)
    if direct and not subtree:
        owners = sorted(inbox_token(role, unit) for role, unit in direct)
        words: ColumnElement[Any] = func.inbox_words_query(fold(q), cast(literal(owners, ARRAY(Text)), ARRAY(Text)))
    else:
        words = func.plainto_tsquery("simple", fold(q))
    return lexemes.op("@@")(words)
