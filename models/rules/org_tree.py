"""The organisation tree: one type for every rule that walks it (routes, plan selectors, scopes).

Units form a tree of any depth: three tiers before 01/07/2025 (province, district, commune), two
since (province, commune), departments and agencies under a province or district, schools,
enterprises and villages under a commune. The tree is read from the `units` table by
`models.store.org.load_org_tree`; this module imports no database code.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Protocol


@dataclass(frozen=True)
class OrgUnit:
    id: int
    code: str
    name: str
    kind: str
    level: str
    parent_id: int | None


class UnknownUnitError(ValueError):
    pass


class Selector(Protocol):
    """What `OrgTree.select` reads of a unit selector (a plan file's `units:` field)."""

    codes: list[str]
    under: str | None
    direct: bool
    kinds: list[str] | None
    levels: list[str] | None
    exclude: list[str]


@dataclass
class OrgTree(Mapping[int, OrgUnit]):
    """Units by id (as a read-only mapping), by code, and their children."""

    by_id: dict[int, OrgUnit]
    by_code: dict[str, OrgUnit] = field(default_factory=dict)
    children: dict[int, list[int]] = field(default_factory=dict)

    @classmethod
    def build(cls, units: Iterable[OrgUnit]) -> OrgTree:
        by_code: dict[str, OrgUnit] = {}
        by_id: dict[int, OrgUnit] = {}
        children: dict[int, list[int]] = {}
        for u in units:
            by_code[u.code] = u
            by_id[u.id] = u
            children.setdefault(u.id, [])
        for u in by_id.values():
            if u.parent_id is not None:
                children.setdefault(u.parent_id, []).append(u.id)
        for ids in children.values():
            ids.sort()
        return cls(by_id=by_id, by_code=by_code, children=children)

    # ---- Mapping[int, OrgUnit] --------------------------------------------------------------------

    def __getitem__(self, unit_id: int) -> OrgUnit:
        return self.by_id[unit_id]

    def __iter__(self) -> Iterator[int]:
        return iter(self.by_id)

    def __len__(self) -> int:
        return len(self.by_id)

    # ---- lookups ----------------------------------------------------------------------------------

    def get_code(self, code: str, field: str = "") -> OrgUnit:
        """The unit with this code; the error names the field of the file that referred to it."""
        unit = self.by_code.get(code)
        if unit is None:
            where = f" (field {field})" if field else ""
            raise UnknownUnitError(f"unknown unit code {code!r}{where}")
        return unit

    def children_of_kind(self, parent_id: int, kind: str) -> list[OrgUnit]:
        return [self.by_id[c] for c in self.children.get(parent_id, []) if self.by_id[c].kind == kind]

    def descendants(self, unit_id: int) -> list[int]:
        out, stack = [], list(self.children.get(unit_id, []))
        while stack:
            uid = stack.pop()
            out.append(uid)
            stack.extend(self.children.get(uid, []))
        return out

    def ancestors_or_self(self, unit_id: int) -> list[OrgUnit]:
        out: list[OrgUnit] = []
        current: int | None = unit_id
        while current is not None and current in self.by_id and len(out) < 100:
            unit = self.by_id[current]
            out.append(unit)
            current = unit.parent_id
        return out

    def select(self, selector: Selector, field: str = "units") -> list[int]:
        """The ids a selector names: codes, and/or the units under one unit filtered by kind and level."""
        chosen: dict[int, None] = {}
        for code in selector.codes:
            chosen[self.get_code(code, f"{field}.codes").id] = None
        if selector.under is not None:
            root = self.get_code(selector.under, f"{field}.under")
            candidates = self.children.get(root.id, []) if selector.direct else self.descendants(root.id)
            for uid in sorted(candidates):
                u = self.by_id[uid]
                if selector.kinds is not None and u.kind not in selector.kinds:
                    continue
                if selector.levels is not None and u.level not in selector.levels:
                    continue
                chosen[uid] = None
        excluded = {self.get_code(code, f"{field}.exclude").id for code in selector.exclude}
        return [uid for uid in chosen if uid not in excluded]
