"""The dashboard (counts, durations per step, overdue steps, plan quotas) and the administrators'
"stuck and late" view (overdue steps, escalations not acted on, dossiers whose workflow is not running)."""

from __future__ import annotations

from fastapi import APIRouter

from models.rules.labels import STATUSES, label
from service.api.deps import ContextDep, SessionDep, UserDep
from service.api.problems import Problem
from service.api.schemas.dashboard import DashboardOut, NotRunning, StuckOut
from service.queries.dashboard import dashboard, org_index, stuck_and_late, utcnow

router = APIRouter(prefix="/api/v1/dashboard", tags=["dashboard"])


@router.get("", response_model=DashboardOut)
async def get_dashboard(ctx: ContextDep, session: SessionDep, user: UserDep) -> DashboardOut:
    """Figures over the nominations the caller sees."""
    index = await org_index(session)
    data = await dashboard(session, user, index, utcnow())
    for item in data["by_status"]:
        item["label"] = label(STATUSES, item["key"])
    forms = {f.code: f.name for f in ctx.catalogue.award_forms}
    for item in data["by_award_form"]:
        item["label"] = forms.get(item["key"], item["key"])
    return DashboardOut.model_validate(data)


@router.get("/stuck", response_model=StuckOut)
async def get_stuck(ctx: ContextDep, session: SessionDep, user: UserDep) -> StuckOut:
    """Administrators: what is late or stuck in their scope."""
    if not user.units_for("admin"):
        raise Problem(403, "Chỉ quản trị viên mới xem được hồ sơ chậm, vướng.", code="not_admin")
    index = await org_index(session)
    now = utcnow()
    data = await stuck_and_late(session, user, index, now)
    open_rows = data.pop("open")
    started = [n for n in open_rows if n.version > 0]
    rows = [(n.id, n.workflow_id, n.nominee_name, n.status, n.proposing_unit_id, n.updated_at) for n in open_rows]
    versions = {n.id: n.version for n in open_rows}
    # Release the read before asking Temporal.
    await session.close()
    statuses = await ctx.gateway.workflow_statuses([n.workflow_id for n in started]) if started else {}
    not_running = []
    for nid, wid, name, status, unit_id, updated in rows:
        state = "not_started" if versions[nid] == 0 else statuses.get(wid, "unknown")
        if state == "running":
            continue
        not_running.append(
            NotRunning(
                nomination_id=nid,
                workflow_id=wid,
                nominee_name=name,
                status=status,
                unit_name=index.by_id[unit_id].name if unit_id in index.by_id else str(unit_id),
                updated_at=updated,
                workflow_status=state,
            )
        )
    return StuckOut(generated_at=now, not_running=not_running, checked=len(rows), **data)
