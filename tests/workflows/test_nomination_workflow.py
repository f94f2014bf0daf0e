"""NominationWorkflow on the time-skipping server, with the real activities writing PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from models.rules.calendar import VN_TZ
from models.tables import AuditEntry, Nomination, Notification, Task
from tests.support.factories import new_nomination, user_actor
from tests.support.helpers import assert_eq_eventually, new_worker
from tests.workflows.recording import record_histories, start  # noqa: F401  (records histories when asked)
from workflows.contracts import (
    DecisionInput,
    NominationView,
    ResubmitInput,
    WithdrawInput,
)
from workflows.nomination import NominationWorkflow
from workflows.search_attributes import STATUS, UNIT

# Bump when recording histories of a changed workflow; earlier versions' histories stay and must replay.
PROVINCE_ROUTE = ["council.school", "council.commune", "appraiser.home", "council.province", "chair.province"]
COMMUNE_ROUTE = ["council.school", "council.commune", "chair.commune"]


async def open_task(handle: WorkflowHandle) -> str:
    async def current() -> str | None:
        return (await handle.query(NominationWorkflow.view)).open_task_id

    await assert_eq_eventually(True, lambda: _is_set(current))
    task_id = await current()
    assert task_id is not None
    return task_id


async def _is_set(fn) -> bool:  # type: ignore[no-untyped-def]
    return (await fn()) is not None


async def decide(
    engine: AsyncEngine, handle: WorkflowHandle, username: str, outcome: str = "approve", comment: str | None = None
) -> NominationView:
    task_id = await open_task(handle)
    actor = await user_actor(engine, username)
    return await handle.execute_update(
        NominationWorkflow.decide, DecisionInput(task_id=task_id, outcome=outcome, actor=actor, comment=comment)
    )


async def accepted_updates(handle: WorkflowHandle) -> int:
    return len(
        [
            e
            async for e in handle.fetch_history_events()
            if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED
        ]
    )


async def row(engine: AsyncEngine, nomination_id: str) -> Nomination:
    async with engine.connect() as conn:
        r = (await conn.execute(select(Nomination).where(Nomination.id == uuid.UUID(nomination_id)))).one()
        return Nomination.model_validate(r._mapping)


async def task_or_none(engine: AsyncEngine, task_id: str) -> Task | None:
    async with engine.connect() as conn:
        r = (await conn.execute(select(Task).where(Task.id == uuid.UUID(task_id)))).one_or_none()
        return Task.model_validate(r._mapping) if r else None


async def tasks_of(engine: AsyncEngine, nomination_id: str) -> list[tuple[str, str, str | None]]:
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                select(Task.step, Task.status, Task.outcome)
                .where(Task.nomination_id == uuid.UUID(nomination_id))
                .order_by(Task.created_at, Task.step_index)
            )
        ).all()
    return [(r.step, r.status, r.outcome) for r in rows]


async def audit_actions(engine: AsyncEngine, nomination_id: str) -> list[str]:
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                select(AuditEntry.action)
                .where(AuditEntry.nomination_id == uuid.UUID(nomination_id))
                .order_by(AuditEntry.at)
            )
        ).all()
    return [r.action for r in rows]


@pytest.mark.parametrize(("award_form", "users"), [("BANG_KHEN_TINH", PROVINCE_ROUTE), ("GIAY_KHEN_XA", COMMUNE_ROUTE)])
async def test_route_to_awarded(
    env: WorkflowEnvironment, engine: AsyncEngine, award_form: str, users: list[str]
) -> None:
    inp = await new_nomination(engine, award_form)
    assert [s.role for s in inp.route][-1] == "chairperson"
    assert len(inp.route) == len(users)
    async with new_worker(env.client, engine) as worker:
        handle = await start(env, worker.task_queue, inp)
        for i, user in enumerate(users):
            view = await decide(engine, handle, user)
            expected = "awarded" if i == len(users) - 1 else "in_progress"
            assert view.status == expected
        result = await handle.result()
    assert result.status == "awarded"
    nomination = await row(engine, inp.nomination_id)
    assert nomination.status == "awarded" and nomination.decided_at is not None and nomination.current_step is None
    assert [t[1:] for t in await tasks_of(engine, inp.nomination_id)] == [("done", "approve")] * len(users)
    assert [t[0] for t in await tasks_of(engine, inp.nomination_id)] == [s.key for s in inp.route]
    assert await audit_actions(engine, inp.nomination_id) == ["submit", *["approve"] * len(users), "award"]


async def test_return_then_resubmit_resumes_at_the_returning_step(
    env: WorkflowEnvironment, engine: AsyncEngine
) -> None:
    inp = await new_nomination(engine, "BANG_KHEN_TINH")
    clerk = await user_actor(engine, "clerk.school")
    async with new_worker(env.client, engine) as worker:
        handle = await start(env, worker.task_queue, inp)
        await decide(engine, handle, "council.school")
        await decide(engine, handle, "council.commune")
        view = await decide(engine, handle, "appraiser.home", "return", "Thiếu báo cáo thành tích")
        assert view.status == "returned" and view.current_step == "revision"
        nomination = await row(engine, inp.nomination_id)
        assert nomination.status == "returned" and nomination.current_step == "revision"

        # The appraiser cannot decide while the clerk revises.
        with pytest.raises(WorkflowUpdateFailedError):
            await handle.execute_update(
                NominationWorkflow.decide,
                DecisionInput(task_id=view.open_task_id or "", outcome="approve", actor=clerk),
            )
        view = await handle.execute_update(
            NominationWorkflow.resubmit,
            ResubmitInput(actor=clerk, comment="Đã bổ sung", changes={"achievements": "Báo cáo thành tích đầy đủ"}),
        )
        assert view.status == "in_progress" and view.current_step == "appraisal:GL-SNV"
        nomination = await row(engine, inp.nomination_id)
        assert nomination.achievements == "Báo cáo thành tích đầy đủ"
        assert "bao cao thanh tich day du" in nomination.search_text
        for user in PROVINCE_ROUTE[2:]:
            view = await decide(engine, handle, user)
        assert view.status == "awarded"
        await handle.result()
    steps = await tasks_of(engine, inp.nomination_id)
    assert steps[2] == ("appraisal:GL-SNV", "done", "return")
    assert steps[3] == ("revision", "done", "resubmit")
    assert steps[4] == ("appraisal:GL-SNV", "done", "approve")
    assert await audit_actions(engine, inp.nomination_id) == [
        "submit", "approve", "approve", "return", "resubmit", "approve", "approve", "approve", "award",
    ]  # fmt: skip


async def test_many_returns_continue_as_new_and_keep_the_state(env: WorkflowEnvironment, engine: AsyncEngine) -> None:
    inp = await new_nomination(engine, "GIAY_KHEN_XA")
    inp.history_limit = 40  # a dossier returned again and again, with a small limit to see it happen
    clerk = await user_actor(engine, "clerk.school")
    async with new_worker(env.client, engine) as worker:
        handle = await start(env, worker.task_queue, inp)
        await decide(engine, handle, "council.school")
        for round_ in range(6):
            await decide(engine, handle, "council.commune", "return", f"Lần {round_ + 1}")
            await open_task(handle)
            await handle.execute_update(NominationWorkflow.resubmit, ResubmitInput(actor=clerk, comment="Đã sửa"))
        await decide(engine, handle, "council.commune")
        view = await decide(engine, handle, "chair.commune")
        assert view.status == "awarded"
        result = await handle.result()
        assert result.status == "awarded" and result.version == view.version
        first_run = env.client.get_workflow_handle(
            handle.id, run_id=handle.first_execution_run_id or handle.result_run_id
        )
        events = [e.event_type async for e in first_run.fetch_history_events()]
        assert EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW in events
        assert len(events) <= 60
        # The search attributes went over to the last run with the state.
        last = (await handle.describe()).typed_search_attributes
        assert (last.get(UNIT), last.get(STATUS)) == (str(inp.proposing_unit_id), "awarded")
    # The read model saw every step once, in order, across the runs.
    steps = await tasks_of(engine, inp.nomination_id)
    assert [s for s, status, _ in steps if status == "open"] == []
    assert await audit_actions(engine, inp.nomination_id) == [
        "submit", "approve", *["return", "resubmit"] * 6, "approve", "approve", "award",
    ]  # fmt: skip


async def test_reject_ends_the_nomination(env: WorkflowEnvironment, engine: AsyncEngine) -> None:
    inp = await new_nomination(engine, "GIAY_KHEN_XA")
    async with new_worker(env.client, engine) as worker:
        handle = await start(env, worker.task_queue, inp)
        await decide(engine, handle, "council.school")
        view = await decide(engine, handle, "council.commune", "reject", "Chưa đủ tiêu chuẩn")
        assert view.status == "rejected" and view.open_task_id is None
        assert (await handle.result()).status == "rejected"
    assert (await row(engine, inp.nomination_id)).status == "rejected"
    assert (await tasks_of(engine, inp.nomination_id))[-1] == ("council:GL-BH-HDTDKT", "done", "reject")


async def test_withdraw_ends_the_nomination(env: WorkflowEnvironment, engine: AsyncEngine) -> None:
    inp = await new_nomination(engine, "BANG_KHEN_TINH")
    clerk = await user_actor(engine, "clerk.school")
    async with new_worker(env.client, engine) as worker:
        handle = await start(env, worker.task_queue, inp)
        await decide(engine, handle, "council.school")
        await open_task(handle)
        view = await handle.execute_update(
            NominationWorkflow.withdraw, WithdrawInput(actor=clerk, reason="Rút để bổ sung")
        )
        assert view.status == "withdrawn"
        assert (await handle.result()).status == "withdrawn"
        # Nothing can happen after the end.
        with pytest.raises(Exception):  # noqa: B017  (the run is closed: the server refuses the Update)
            await handle.execute_update(NominationWorkflow.withdraw, WithdrawInput(actor=clerk))
    assert (await row(engine, inp.nomination_id)).status == "withdrawn"
    assert (await tasks_of(engine, inp.nomination_id))[-1][1] == "cancelled"


async def test_second_approval_of_a_decided_step_is_refused(env: WorkflowEnvironment, engine: AsyncEngine) -> None:
    inp = await new_nomination(engine, "BANG_KHEN_TINH")
    async with new_worker(env.client, engine) as worker:
        handle = await start(env, worker.task_queue, inp)
        first_task = await open_task(handle)
        await decide(engine, handle, "council.school")
        actions_before = await audit_actions(engine, inp.nomination_id)
        accepted_before = await accepted_updates(handle)

        actor = await user_actor(engine, "council.school")
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await handle.execute_update(
                NominationWorkflow.decide, DecisionInput(task_id=first_task, outcome="approve", actor=actor)
            )
        cause = refused.value.cause
        assert isinstance(cause, ApplicationError) and cause.type == "already_decided"
        assert "đã được xử lý" in cause.message
        # A refused Update leaves no trace: no audit row, no accepted Update in the history, same step.
        assert await audit_actions(engine, inp.nomination_id) == actions_before
        assert await accepted_updates(handle) == accepted_before
        assert (await handle.query(NominationWorkflow.view)).step_index == 1

        # The workflow checks the role again: the province's chairperson cannot act for the commune council.
        chair = await user_actor(engine, "chair.province")
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await handle.execute_update(
                NominationWorkflow.decide,
                DecisionInput(task_id=await open_task(handle), outcome="approve", actor=chair),
            )
        assert isinstance(refused.value.cause, ApplicationError) and refused.value.cause.type == "not_allowed"
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await handle.execute_update(NominationWorkflow.withdraw, WithdrawInput(actor=chair))
        assert isinstance(refused.value.cause, ApplicationError) and refused.value.cause.type == "not_allowed"
        assert await audit_actions(engine, inp.nomination_id) == actions_before
        await handle.terminate("test done")


async def test_idle_step_is_escalated_after_its_working_days_across_tet(
    env: WorkflowEnvironment, engine: AsyncEngine
) -> None:
    # Thursday 28/01/2027, a week before Tết Đinh Mùi (holidays 04/02–10/02/2027).
    start_at = datetime(2027, 1, 28, 9, 0, tzinfo=VN_TZ)
    await env.sleep(start_at - await env.get_current_time())
    inp = await new_nomination(engine, "BANG_KHEN_TINH")
    async with new_worker(env.client, engine) as worker:
        handle = await start(env, worker.task_queue, inp)
        # The workflow accepts actions on a task before its projection commits: wait for the row.
        task_id = await open_task(handle)

        async def task() -> Task:
            found = await task_or_none(engine, task_id)
            assert found is not None
            return found

        async def deadlines() -> tuple[datetime | None, datetime | None] | None:
            found = await task_or_none(engine, task_id)
            return (found.due_at, found.remind_at) if found else None

        # 10 working days: 29/01, 01–03/02, then Tết, then 11–12/02 and 15–18/02.
        due, remind = datetime(2027, 2, 18, 17, 0, tzinfo=VN_TZ), datetime(2027, 2, 16, 8, 0, tzinfo=VN_TZ)
        await assert_eq_eventually((due, remind), deadlines)

        # Without the holidays the limit would have been 11/02: nothing is escalated then.
        await env.sleep(datetime(2027, 2, 12, 9, 0, tzinfo=VN_TZ) - await env.get_current_time())
        assert (await task()).escalated_at is None and (await task()).reminded_at is None

        await env.sleep(datetime(2027, 2, 16, 9, 0, tzinfo=VN_TZ) - await env.get_current_time())

        async def reminded() -> bool:
            return (await task()).reminded_at is not None

        await assert_eq_eventually(True, reminded)
        assert (await task()).escalated_at is None

        await env.sleep(datetime(2027, 2, 18, 17, 30, tzinfo=VN_TZ) - await env.get_current_time())

        async def escalated() -> bool:
            return (await task()).escalated_at is not None

        await assert_eq_eventually(True, escalated)
        escalated_at = (await task()).escalated_at
        assert escalated_at is not None and escalated_at >= datetime(2027, 2, 18, 17, 0, tzinfo=VN_TZ)
        async with engine.connect() as conn:
            notes = (
                await conn.execute(
                    select(Notification.kind, Notification.role, Notification.message)
                    .where(Notification.task_id == uuid.UUID(task_id))
                    .order_by(Notification.created_at)
                )
            ).all()
        assert [(n.kind, n.role) for n in notes] == [
            ("new_task", "council_secretary"), ("reminder", "council_secretary"), ("escalation", "chairperson"),
        ]  # fmt: skip
        assert "đã quá hạn" in notes[2].message

        # The step is still open and can be decided after the escalation.
        view = await decide(engine, handle, "council.school")
        assert view.status == "in_progress"
        await handle.terminate("test done")


async def test_retried_projection_changes_nothing_twice(env: WorkflowEnvironment, engine: AsyncEngine) -> None:
    """Running the same transition activity twice (a retry) leaves one audit row and one task."""
    from temporalio.testing import ActivityEnvironment

    from activities.projection import Projector
    from workflows.contracts import AuditSpec, TaskSpec, TransitionInput

    inp = await new_nomination(engine, "GIAY_KHEN_XA")
    step = inp.route[0]
    transition = TransitionInput(
        nomination_id=inp.nomination_id, version=1, at=await env.get_current_time(), status="in_progress",
        current_step=step.key, current_step_index=0,
        open_task=TaskSpec(task_id=str(uuid.uuid4()), step=step.key, step_index=0, name=step.name, role=step.role,
                           unit_id=step.unit_id, working_days=step.working_days, reminder_working_days=2),
        audit=[AuditSpec(audit_id=str(uuid.uuid4()), action="submit", actor=inp.submitted_by, step=None)],
    )  # fmt: skip
    projector = Projector(engine)
    first = await ActivityEnvironment().run(projector.record_transition, transition)
    again = await ActivityEnvironment().run(projector.record_transition, transition)
    assert first == again
    async with engine.connect() as conn:
        audit_count = (
            await conn.execute(select(func.count()).where(AuditEntry.nomination_id == uuid.UUID(inp.nomination_id)))
        ).scalar_one()
        task_count = (
            await conn.execute(select(func.count()).where(Task.nomination_id == uuid.UUID(inp.nomination_id)))
        ).scalar_one()
    assert (audit_count, task_count) == (1, 1)
    assert (await row(engine, inp.nomination_id)).version == 1
