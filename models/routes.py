"""A nomination's route: a pure function of (award form, proposing unit, organisation tree).

It climbs from the proposing unit to the people's committee that decides the award, and
inserts each level's council, the decider's appraisals, its council and the signature.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from models.catalogue import AwardFormDef

ROLE_FOR_STEP = {"council": "council_secretary", "appraisal": "appraiser", "sign": "chairperson"}


@dataclass(frozen=True)
class OrgUnit:
    id: int
    code: str
    name: str
    kind: str
    level: str
    parent_id: int | None


@dataclass(frozen=True)
class PlannedStep:
    key: str
    kind: str  # council | appraisal | sign
    name: str
    role: str
    unit_id: int
    unit_name: str
    working_days: int


class RouteError(ValueError):
    pass


def _children(tree: Mapping[int, OrgUnit], parent_id: int, kind: str) -> list[OrgUnit]:
    return sorted((u for u in tree.values() if u.parent_id == parent_id and u.kind == kind), key=lambda u: u.id)


def _council_step(tree: Mapping[int, OrgUnit], unit: OrgUnit, form: AwardFormDef) -> PlannedStep | None:
    councils = _children(tree, unit.id, "council")
    if not councils:
        return None
    c = councils[0]
    return PlannedStep(
        key=f"council:{c.code}",
        kind="council",
        name=f"{c.name} xét, bỏ phiếu",
        role=ROLE_FOR_STEP["council"],
        unit_id=c.id,
        unit_name=c.name,
        working_days=form.working_days["council"],
    )


def compute_route(form: AwardFormDef, proposing_unit_id: int, tree: Mapping[int, OrgUnit]) -> list[PlannedStep]:
    if proposing_unit_id not in tree:
        raise RouteError(f"đơn vị {proposing_unit_id} không tồn tại")
    path: list[OrgUnit] = []
    seen: set[int] = set()
    unit: OrgUnit | None = tree[proposing_unit_id]
    while unit is not None:
        if unit.id in seen:
            raise RouteError(f"cây tổ chức có vòng lặp tại đơn vị {unit.code}")
        seen.add(unit.id)
        path.append(unit)
        if unit.kind == form.decider.kind and unit.level == form.decider.level:
            break
        unit = tree.get(unit.parent_id) if unit.parent_id is not None else None
    decider = path[-1]
    if decider.kind != form.decider.kind or decider.level != form.decider.level:
        raise RouteError(
            f"{tree[proposing_unit_id].name} không thuộc cấp có thẩm quyền quyết định hình thức {form.name}"
        )

    steps: list[PlannedStep] = []
    for below in path[:-1]:
        step = _council_step(tree, below, form)
        if step is not None:
            steps.append(step)
    for kind in form.appraisal:
        appraisers = _children(tree, decider.id, kind)
        if not appraisers:
            raise RouteError(f"{decider.name} không có cơ quan thẩm định loại {kind}")
        a = appraisers[0]
        steps.append(
            PlannedStep(
                key=f"appraisal:{a.code}",
                kind="appraisal",
                name=f"{a.name} thẩm định hồ sơ",
                role=ROLE_FOR_STEP["appraisal"],
                unit_id=a.id,
                unit_name=a.name,
                working_days=form.working_days["appraisal"],
            )
        )
    council = _council_step(tree, decider, form)
    if council is None:
        raise RouteError(f"{decider.name} chưa có Hội đồng Thi đua – Khen thưởng")
    steps.append(council)
    steps.append(
        PlannedStep(
            key=f"sign:{decider.code}",
            kind="sign",
            name=f"Chủ tịch {decider.name} ký quyết định",
            role=ROLE_FOR_STEP["sign"],
            unit_id=decider.id,
            unit_name=decider.name,
            working_days=form.working_days["sign"],
        )
    )
    return steps


def build_tree(units: Sequence[OrgUnit]) -> dict[int, OrgUnit]:
    return {u.id: u for u in units}
