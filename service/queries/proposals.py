"""What creating nominations checks and stores, shared by the single create (POST /api/v1/nominations)
and a unit's list (POST /api/v1/submissions): the caller is a clerk of the proposing unit, the award
form exists and takes the nominee's kind and the period, a milestone nomination falls in an open
window, and the route from the unit tree; then the dossier rows (version 0), which
models/store/nominations.py stores with their access rows.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from models.rules.catalogue import AwardFormDef, Catalogue
from models.rules.routes import PlannedStep
from models.rules.text import search_text
from models.tables import Nomination
from service.api.problems import Problem
from service.queries.org import OrgTreeCache, route_for
from service.queries.plan_windows import check_milestone_window
from service.security.principal import CurrentUser
from workflows.contracts import IN_PROGRESS, nomination_workflow_id


@dataclass(frozen=True)
class Proposal:
    """A checked proposal of one unit for one award form and period: what its nominations share."""

    form: AwardFormDef
    proposing_unit_id: int
    period_kind: str
    period_year: int
    steps: list[PlannedStep]


def nominee_kind_refusal(form: AwardFormDef, kind: str) -> str | None:
    """Why the form does not take this kind of nominee (Vietnamese), or None when it does."""
    if kind in form.nominee_kinds:
        return None
    return f"{form.name} không áp dụng cho đối tượng loại «{kind}»."


async def check_proposal(
    session: AsyncSession,
    catalogue: Catalogue,
    user: CurrentUser,
    *,
    award_form: str,
    proposing_unit_id: int,
    period_kind: str,
    period_year: int,
    at: datetime,
    nominee_kind: str | None = None,
    trees: OrgTreeCache | None = None,
) -> Proposal:
    """The checks every created nomination passes, in this order (403, then 422s); `nominee_kind` is
    checked here for a single nomination, row by row (nominee_kind_refusal) for a list."""
    if not user.has_role("clerk", proposing_unit_id):
        raise Problem(403, "Bạn không phải cán bộ thi đua của đơn vị đề nghị.", code="not_unit_clerk")
    form = catalogue.get(award_form)
    if form is None:
        raise Problem(422, f"Không có hình thức khen thưởng «{award_form}».", code="award_form_not_found")
    if nominee_kind is not None and (refusal := nominee_kind_refusal(form, nominee_kind)):
        raise Problem(422, refusal, code="nominee_kind")
    if period_kind not in form.periods:
        raise Problem(422, f"{form.name} không được xét trong kỳ «{period_kind}».", code="period_kind")
    await check_milestone_window(session, form.code, period_kind, period_year, proposing_unit_id, at)
    steps = await route_for(session, form, proposing_unit_id, trees)
    return Proposal(form, proposing_unit_id, period_kind, period_year, steps)


def new_nomination(
    proposal: Proposal,
    entry: dict[str, Any],
    *,
    created_by: int,
    now: datetime,
    nomination_id: uuid.UUID | None = None,
) -> Nomination:
    """The dossier row of one normalised nominee entry ({nominee, achievements, criteria}), at version 0:
    its workflow is started after the transaction commits."""
    nid = nomination_id or uuid.uuid4()
    steps = proposal.steps
    return Nomination(
        id=nid,
        workflow_id=nomination_workflow_id(str(nid)),
        award_form=proposal.form.code,
        proposing_unit_id=proposal.proposing_unit_id,
        nominee_kind=entry["nominee"]["kind"],
        nominee_name=entry["nominee"]["name"],
        nominee=entry["nominee"],
        period_kind=proposal.period_kind,
        period_year=proposal.period_year,
        achievements=entry["achievements"],
        criteria=entry["criteria"],
        route=[{**vars(s)} for s in steps],
        status=IN_PROGRESS,
        current_step=steps[0].key,
        current_step_index=0,
        search_text=search_text(entry["nominee"]["name"], entry["achievements"]),
        created_by=created_by,
        created_at=now,
        updated_at=now,
        version=0,
    )
