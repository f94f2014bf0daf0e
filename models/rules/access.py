"""Who may see a nomination: the (role, unit) pairs written beside it in `nomination_access`.

The proposing unit's clerk and administrator, every actor on its route, and the members of each
council on it (they vote on what comes before them). A user sees a nomination when one of these
pairs is one of their grants, or lies below a unit where they hold that role over the subtree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

# The roles paired with the proposing unit and with nothing else: no step of a route is theirs
# (models/rules/routes.py ROLE_FOR_STEP), so a list may test their grants on the proposing unit alone
# (service/queries/visibility.py).
PROPOSER_ROLES = frozenset(("clerk", "admin"))

# The step roles' pairs are also kept on the nomination as numbers, `unit_id * 16 + code`
# (`nominations.access_keys`, computed by the database from the route: migration 0017's
# `nomination_access_keys`, which holds the same codes), so that a list tests a grant on the rows
# of its own index instead of looking up `nomination_access` for each. A role without a code here
# is looked up in `nomination_access`; a code is never reused for another role.
ACCESS_KEY_CODES = {"council_secretary": 1, "council_member": 2, "appraiser": 3, "chairperson": 4}


def access_key(role: str, unit_id: int) -> int | None:
    """The number of a (role, unit) pair in `nominations.access_keys`, None for a role without a code."""
    code = ACCESS_KEY_CODES.get(role)
    return None if code is None else unit_id * 16 + code


def access_pairs(proposing_unit_id: int, route: Iterable[Mapping[str, Any]]) -> set[tuple[str, int]]:
    pairs = {(role, proposing_unit_id) for role in PROPOSER_ROLES}
    for step in route:
        pairs.add((str(step["role"]), int(step["unit_id"])))
        if step.get("kind") == "council":
            pairs.add(("council_member", int(step["unit_id"])))
    return pairs
