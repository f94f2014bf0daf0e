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
    """404 for a dossier the caller cannot see, 403 for one it sees without being an administrator."""
    nomination = await get_visible(session, user, nomination_id)
    if not user.is_admin:
        raise Problem(403, NOT_ADMIN, code="not_admin")
    return await nomination_workflow_events(session, ctx.gateway, nomination)


@router.get("/plans/{plan_id}/workflow-events", response_model=WorkflowEventsOut)
async def plan_events(plan_id: str, ctx: ContextDep, session: SessionDep, user: UserDep) -> WorkflowEventsOut:
    """404 for a plan the caller cannot see, 403 for one it sees without administering it."""
    plan, definition, index = await visible_plan(session, user, plan_id)
    if not administers(definition, user, index):
        raise Problem(403, NOT_ADMIN, code="not_admin")
    return await plan_workflow_events(session, ctx.gateway, plan)
