"""Nominations for workflow tests: the read-model row the API would write, and the workflow input."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel.ext.asyncio.session import AsyncSession

from activities.projection import search_text
from models.rules.catalogue import load_catalogue
from models.rules.routes import compute_route
from models.store.access import record_access
from models.store.org import load_org_tree
from models.tables import Nomination, RoleAssignment, Unit, User
from tests.support import paths
from workflows.contracts import Actor, Grant, NominationInput, RouteStep, nomination_workflow_id

ROOT = paths.ROOT
CATALOGUE = load_catalogue(ROOT / "deploy" / "award_forms.yaml")


async def unit_id(engine: AsyncEngine, code: str) -> int:
    async with AsyncSession(engine) as s:
        return int((await s.exec(select(Unit.id).where(Unit.code == code))).one()[0])  # type: ignore[call-overload]


async def user_actor(engine: AsyncEngine, username: str) -> Actor:
    async with AsyncSession(engine) as s:
        user = (await s.exec(select(User).where(User.username == username))).one()[0]  # type: ignore[call-overload]
        grants = (
            await s.exec(select(RoleAssignment.role, RoleAssignment.unit_id).where(RoleAssignment.user_id == user.id))  # type: ignore[call-overload]
        ).all()
        return Actor(user_id=user.id, name=user.full_name, grants=[Grant(role=r, unit_id=u) for r, u in grants])


async def new_nomination(
    engine: AsyncEngine,
    award_form: str = "BANG_KHEN_TINH",
    unit_code: str = "GL-BH-THCS",
    name: str = "Nguyễn Văn An",
    rules: dict[int, dict[str, Any]] | None = None,
) -> NominationInput:
    """A nomination on the form's route from the demo tree; `rules` sets version-2 rule fields per step
    (ballot threshold, disclosure, supplements), so a test states the rule it exercises."""
    form = CATALOGUE.get(award_form)
    assert form is not None
    proposer = await unit_id(engine, unit_code)
    clerk = await user_actor(engine, "clerk.school")
    async with AsyncSession(engine) as s:
        steps = compute_route(form, proposer, await load_org_tree(await s.connection()))
        nomination_id = uuid.uuid4()
        now = datetime.now(UTC)
        s.add(
            Nomination(
                id=nomination_id,
                workflow_id=nomination_workflow_id(str(nomination_id)),
                award_form=award_form,
                proposing_unit_id=proposer,
                nominee_kind="individual",
                nominee_name=name,
                nominee={"kind": "individual", "name": name},
                period_kind="annual",
                period_year=2026,
                achievements="Hoàn thành xuất sắc nhiệm vụ",
                criteria=[],
                route=[vars(x) for x in steps],
                status="in_progress",
                current_step=steps[0].key,
                current_step_index=0,
                search_text=search_text(name, ""),
                created_by=clerk.user_id,
                created_at=now,
                updated_at=now,
            )
        )
        await s.flush()
        await record_access(s, nomination_id, proposer, [vars(x) for x in steps])
        await s.commit()
    return NominationInput(
        nomination_id=str(nomination_id),
        proposing_unit_id=proposer,
        route=[
            RouteStep(
                key=x.key,
                kind=x.kind,
                name=x.name,
                role=x.role,
                unit_id=x.unit_id,
                working_days=x.working_days,
                **(rules or {}).get(i, {}),
            )
            for i, x in enumerate(steps)
        ],
        reminder_working_days=form.reminder_working_days or 2,
        revision_working_days=form.revision_working_days or 10,
        submitted_by=clerk,
        award_form=award_form,
    )
