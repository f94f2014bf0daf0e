"""Who may see a nomination: the (role, unit) pairs written beside it in `nomination_access`.

The proposing unit's clerk and administrator, every actor on its route, and the members of each
council on it (they vote on what comes before them). A user sees a nomination when one of these
pairs is one of their grants, or lies below a unit where they hold that role over the subtree.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def access_pairs(proposing_unit_id: int, route: Iterable[Mapping[str, Any]]) -> set[tuple[str, int]]:
    pairs = {("clerk", proposing_unit_id), ("admin", proposing_unit_id)}
    for step in route:
        pairs.add((str(step["role"]), int(step["unit_id"])))
        if step.get("kind") == "council":
            pairs.add(("council_member", int(step["unit_id"])))
    return pairs
