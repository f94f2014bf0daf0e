"""A nomination's route: a pure function of (award form, proposing unit, organisation tree).

The route climbs from the proposing unit to the unit where the award form's climb ends (the deciding
authority, or the province for awards decided at the central level), taking each passed unit's
council (and, where the catalogue says so, its appraisal) on the way. At the top it inserts the
catalogue's steps: appraisal, council, then the head's decision, or the head's submission to the
central level followed by the central steps (Ministry of Home Affairs appraisal, the Prime
Minister's decision or proposal, the President's decision).

The tree may have any depth: three tiers before 01/07/2025 (province, district, commune), two
since (province, commune), departments and agencies under a province or district, schools,
enterprises and villages under a commune. Households and clans are nominees, never units.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from models.rules.catalogue import HEAD, TOP, AwardFormDef, StepDef
from models.rules.org_tree import OrgTree, OrgUnit

ROLE_FOR_STEP = {
    "council": "council_secretary",
    "appraisal": "appraiser",
    "sign": "chairperson",
    "submit": "chairperson",
    "propose": "chairperson",
}


@dataclass(frozen=True)
class PlannedStep:
    key: str  # "<kind>:<unit code>"
    kind: str  # council | appraisal | sign | submit | propose
    name: str
    role: str  # council_secretary | appraiser | chairperson
    unit_id: int
    unit_name: str
    working_days: int
    # Council steps: shares of all members (quorum: who must take part, present or in writing) and
    # the share of votes needed, counted on all members or on those taking part.
    quorum: float | None = None
    threshold: float | None = None
    threshold_basis: str | None = None  # all | present
    # Council steps: the nominee list is published this many working days before the council meets.
    disclosure_working_days: int = 0
    # Appraisal steps: supplement requests allowed, and whether the step's clock pauses meanwhile.
    max_supplement_requests: int = 0
    pause_clock_on_supplement: bool = False
    reminder_working_days: int = 2


class RouteError(ValueError):
    """No route exists; the message is Vietnamese and shown to the user."""


def build_tree(units: Iterable[OrgUnit]) -> OrgTree:
    return OrgTree.build(units)


def _climb(form: AwardFormDef, start: OrgUnit, tree: OrgTree) -> list[OrgUnit]:
    """The units from the proposing unit up to the first one where the form's climb ends."""
    path: list[OrgUnit] = []
    seen: set[int] = set()
    unit: OrgUnit | None = start
    while unit is not None:
        if unit.id in seen:
            raise RouteError(f"cây tổ chức có vòng lặp tại đơn vị {unit.code}")
        seen.add(unit.id)
        path.append(unit)
        if form.top.matches(unit.level, unit.kind):
            return path
        unit = tree.get(unit.parent_id) if unit.parent_id is not None else None
    if form.climb_to is not None:
        raise RouteError(f"{start.name} không thuộc một tỉnh, thành phố để trình {form.name}")
    raise RouteError(f"{start.name} không thuộc cấp có thẩm quyền quyết định hình thức {form.name}")


def _step(form: AwardFormDef, definition: StepDef, actor: OrgUnit) -> PlannedStep:
    template = definition.name or ""
    name = template.format(unit=actor.name, head=form.head_title(actor.kind))
    council = definition.kind == "council"
    appraisal = definition.kind == "appraisal"
    return PlannedStep(
        key=f"{definition.kind}:{actor.code}",
        kind=definition.kind,
        name=" ".join(name.split()),
        role=ROLE_FOR_STEP[definition.kind],
        unit_id=actor.id,
        unit_name=actor.name,
        working_days=definition.working_days or form.working_days[definition.kind],
        quorum=definition.quorum if council else None,
        threshold=definition.threshold if council else None,
        threshold_basis=definition.threshold_basis if council else None,
        disclosure_working_days=(definition.disclosure_working_days or 0) if council else 0,
        max_supplement_requests=(definition.max_supplement_requests or 0) if appraisal else 0,
        pause_clock_on_supplement=bool(definition.pause_clock_on_supplement) if appraisal else False,
        reminder_working_days=(
            definition.reminder_working_days
            if definition.reminder_working_days is not None
            else (form.reminder_working_days or 0)
        ),
    )


def _actor(definition: StepDef, anchor: OrgUnit, tree: OrgTree) -> OrgUnit | None:
    if definition.actor == HEAD:
        return anchor
    found = tree.children_of_kind(anchor.id, definition.actor)
    return found[0] if found else None


def _missing(definition: StepDef, anchor: OrgUnit) -> RouteError:
    if definition.kind == "council":
        return RouteError(f"{anchor.name} chưa có Hội đồng Thi đua – Khen thưởng")
    return RouteError(f"{anchor.name} không có đơn vị thẩm định loại {definition.actor}")


def compute_route(form: AwardFormDef, proposing_unit_id: int, tree: OrgTree) -> list[PlannedStep]:
    """The steps of a nomination of `form` proposed by the unit `proposing_unit_id`, in order.

    Pure: the same (form, unit, tree) always gives the same route. Raises RouteError (Vietnamese
    message) when the unit has no route to the deciding authority.
    """
    if proposing_unit_id not in tree:
        raise RouteError(f"đơn vị {proposing_unit_id} không tồn tại")
    path = _climb(form, tree[proposing_unit_id], tree)
    top = path[-1]

    steps: list[PlannedStep] = []
    for below in path[:-1]:
        for definition in form.passing or []:
            actor = _actor(definition, below, tree)
            if actor is None:
                if definition.optional:
                    continue
                raise _missing(definition, below)
            steps.append(_step(form, definition, actor))

    for definition in form.steps:
        if definition.at == TOP:
            anchor: OrgUnit | None = top
        else:
            anchor = tree.by_code.get(definition.at)
            if anchor is None:
                raise RouteError(f"chưa có đơn vị {definition.at} trong cây tổ chức để {form.name}")
        assert anchor is not None
        actor = _actor(definition, anchor, tree)
        if actor is None:
            if definition.optional:
                continue
            raise _missing(definition, anchor)
        steps.append(_step(form, definition, actor))

    decider = tree[steps[-1].unit_id]
    if not form.decider.matches(decider.level, decider.kind):
        raise RouteError(f"{decider.name} không phải cấp có thẩm quyền quyết định {form.name}")
    seen: set[int] = set()
    for step in steps:
        if step.unit_id in seen:
            raise RouteError(f"quy trình {form.name} đi qua {step.unit_name} hai lần")
        seen.add(step.unit_id)
    return steps
