"""The administrators' view of a nomination's or a plan's workflow: its readable timeline beside the
raw events of its Temporal history (read through the gateway)."""

from __future__ import annotations

import uuid

from fastapi import APIRouter

from service.api.deps import ContextDep, SessionDep, UserDep
from service.api.problems import Problem
from service.api.schemas.workflow_events import WorkflowEventsOut
from service.queries.nominations import get_visible
from service.queries.plans import administers, visible_plan
from service.queries.workflow_events import nomination_workflow_events, plan_workflow_events

router = APIRouter(prefix="/api/v1", tags=["workflow events"])

NOT_ADMIN = "Chỉ quản trị hệ thống mới xem được các sự kiện của quy trình."


@router.get("/nominations/{nomination_id}/workflow-events", response_model=WorkflowEventsOut)
async def nomination_events(
    nomination_id: uuid.UUID, ctx: ContextDep, session: SessionDep, user: UserDep
) -> WorkflowEventsOut:
    """403 for anyone but an administrator (whatever the id: nothing to probe), 404 for a dossier
    outside the administrator's view."""
    if not user.is_admin:
        raise Problem(403, NOT_ADMIN, code="not_admin")
    nomination = await get_visible(session, user, nomination_id)
    return await nomination_workflow_events(session, ctx.gateway, nomination)


@router.get("/plans/{plan_id}/workflow-events", response_model=WorkflowEventsOut)
async def plan_events(plan_id: str, ctx: ContextDep, session: SessionDep, user: UserDep) -> WorkflowEventsOut:
    """403 for anyone but an administrator, 404 for a plan the administrator does not administer
    (as for an amendment)."""
    if not user.is_admin:
        raise Problem(403, NOT_ADMIN, code="not_admin")
    plan, definition, index = await visible_plan(session, user, plan_id)
    if not administers(definition, user, index):
        raise Problem(404, "Không tìm thấy kế hoạch.", code="plan_not_found")
    return await plan_workflow_events(session, ctx.gateway, plan)
