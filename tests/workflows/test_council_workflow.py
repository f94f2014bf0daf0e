"""Version 2 of NominationWorkflow: council ballots, public disclosure and supplement requests."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from models.rules.ballot import evaluate
from models.rules.calendar import VN_TZ
from models.store import ballot_box
from models.tables import AuditEntry, Ballot, Nomination, Task, User
from tests.support.factories import new_nomination, user_actor
from tests.support.helpers import assert_eq_eventually, new_worker
from tests.workflows.recording import record_histories, start  # noqa: F401  (records histories when asked)
from workflows.contracts import (
    CloseBallotInput,
    DecisionInput,
    OpenBallotInput,
    SupplementAnswerInput,
    SupplementRequestInput,
    TallyInput,
    VoteInput,
)
from workflows.nomination import NominationWorkflow

BANG_KHEN_THU_TUONG_RULE = {"quorum": 0.5, "threshold": 0.8, "threshold_basis": "all"}


async def open_task(handle: WorkflowHandle) -> str:
    async def current() -> bool:
        return (await handle.query(NominationWorkflow.view)).open_task_id is not None

    await assert_eq_eventually(True, current)
    task_id = (await handle.query(NominationWorkflow.view)).open_task_id
    assert task_id is not None
    return task_id


async def refused(handle: WorkflowHandle, update: Any, arg: Any) -> str:
    with pytest.raises(WorkflowUpdateFailedError) as err:
        await handle.execute_update(update, arg)
    cause = err.value.cause
    assert isinstance(cause, ApplicationError)
    return str(cause.type)


async def nomination_row(engine: AsyncEngine, nomination_id: str) -> Nomination:
    async with engine.connect() as conn:
        r = (await conn.execute(select(Nomination).where(Nomination.id == uuid.UUID(nomination_id)))).one()
        return Nomination.model_validate(r._mapping)


async def member_ids(engine: AsyncEngine, n: int) -> list[int]:
    """Seats for a test's ballot: any n users (the box checks no role; the API does)."""
    async with engine.connect() as conn:
        rows = (await conn.execute(select(User.id).order_by(User.id).limit(n))).all()
    return [r[0] for r in rows]


async def vote(engine: AsyncEngine, nomination_id: str, step: str, number: int, seat: int, choice: str) -> None:
    """What the API does for a member's vote: the secret box, in one transaction."""
    async with engine.begin() as conn:
        await ballot_box.cast(conn, uuid.UUID(nomination_id), step, number, seat, choice)


async def refused_vote(engine: AsyncEngine, nomination_id: str, step: str, number: int, seat: int) -> str:
    with pytest.raises(ballot_box.BallotBoxError) as err:
        await vote(engine, nomination_id, step, number, seat, "for")
    return err.value.code


async def ballots(engine: AsyncEngine, nomination_id: str) -> list[Ballot]:
    async with engine.connect() as conn:
        rows = (
            await conn.execute(
                select(Ballot).where(Ballot.nomination_id == uuid.UUID(nomination_id)).order_by(Ballot.number)
            )
        ).all()
    return [Ballot.model_validate(r._mapping) for r in rows]


async def task_row(engine: AsyncEngine, task_id: str) -> Task:
    async with engine.connect() as conn:
        r = (await conn.execute(select(Task).where(Task.id == uuid.UUID(task_id)))).one()
        return Task.model_validate(r._mapping)


# ---- the decision rule ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("members", "participants", "votes_for", "quorum", "threshold", "basis", "outcome"),
    [
        # At least 80% of ALL members (Bằng khen Thủ tướng, Huân chương): 4 of 5 passes, 3 does not.
        (5, 5, 4, 0.5, 0.8, "all", "passed"),
        (5, 5, 3, 0.5, 0.8, "all", "failed"),
        # 80% of 7 is 5.6: six votes are needed; absent members do not lower the bar.
        (7, 6, 6, 0.5, 0.8, "all", "passed"),
        (7, 7, 5, 0.5, 0.8, "all", "failed"),
        # Half of those taking part: 3 of 6 passes, 2 does not.
        (9, 6, 3, 2 / 3, 0.5, "present", "passed"),
        (9, 6, 2, 2 / 3, 0.5, "present", "failed"),
        # Two thirds of all members must take part: 6 of 9 is enough, 5 is not.
        (9, 5, 5, 2 / 3, 0.5, "present", "void"),
    ],
)
def test_decision_rule_at_and_just_below_each_threshold(
    members: int, participants: int, votes_for: int, quorum: float, threshold: float, basis: str, outcome: str
) -> None:
    result = evaluate(
        members=members, participants=participants, votes_for=votes_for, quorum=quorum, threshold=threshold, basis=basis
    )
    assert result.outcome == outcome, result.reason


# ---- ballots in the workflow ------------------------------------------------------------------


@pytest.mark.parametrize(("votes_for", "status"), [(4, "in_progress"), (3, "rejected")])
async def test_electronic_ballot_at_and_below_80_percent_of_all_members(
    env: WorkflowEnvironment, engine: AsyncEngine, votes_for: int, status: str
) -> None:
    inp = await new_nomination(engine, "GIAY_KHEN_XA", rules={0: BANG_KHEN_THU_TUONG_RULE})
    secretary = await user_actor(engine, "council.school")
    async with new_worker(env.client, engine) as worker:
        handle = await start(env, worker.task_queue, inp)
        task_id = await open_task(handle)
        # The council decides by ballot: the secretary cannot simply approve, nor close a ballot never opened.
        approve = DecisionInput(task_id=task_id, outcome="approve", actor=secretary)
        assert await refused(handle, NominationWorkflow.decide, approve) == "ballot_required"
        assert await refused(handle, NominationWorkflow.vote, VoteInput(voter_token="t0", choice="for")) == "no_ballot"

        await handle.execute_update(NominationWorkflow.open_ballot, OpenBallotInput(actor=secretary, members=5))
        step = inp.route[0].key
        seats = await member_ids(engine, 6)
        for i, seat in enumerate(seats[:5]):
            await vote(engine, inp.nomination_id, step, 1, seat, "for" if i < votes_for else "against")
        # Version 3: a vote never enters the workflow, only the secret box.
        assert await refused(handle, NominationWorkflow.vote, VoteInput(voter_token="t0", choice="for")) == "no_ballot"
        # One vote per seat, and never more votes than members.
        assert await refused_vote(engine, inp.nomination_id, step, 1, seats[0]) == "already_voted"
        assert await refused_vote(engine, inp.nomination_id, step, 1, seats[5]) == "ballot_full"
        assert await refused_vote(engine, inp.nomination_id, step, 2, seats[5]) == "stale_ballot"
        [open_ballot] = await ballots(engine, inp.nomination_id)
        assert open_ballot.status == "open" and open_ballot.box == "database"

        view = await handle.execute_update(NominationWorkflow.close_ballot, CloseBallotInput(actor=secretary))
        assert view.status == status
        [closed] = await ballots(engine, inp.nomination_id)
        assert (closed.participants, closed.votes_for, closed.votes_against) == (5, votes_for, 5 - votes_for)
        assert closed.status == ("passed" if votes_for == 4 else "failed")
        nomination = await nomination_row(engine, inp.nomination_id)
        if status == "rejected":
            # The clerk sees why.
            assert nomination.result is not None and "Không đạt: 3/5" in nomination.result
            assert nomination.status == "rejected"
            assert (await handle.result()).status == "rejected"
        else:
            assert nomination.current_step == inp.route[1].key
            await handle.terminate("test done")


async def test_meeting_tally_with_written_votes_and_quorum(env: WorkflowEnvironment, engine: AsyncEngine) -> None:
    rule = {"quorum": 2 / 3, "threshold": 0.5, "threshold_basis": "present"}
    inp = await new_nomination(engine, "GIAY_KHEN_XA", rules={0: rule})
    secretary = await user_actor(engine, "council.school")
    async with new_worker(env.client, engine) as worker:
        handle = await start(env, worker.task_queue, inp)
        await open_task(handle)
        # Four present of nine, one written vote: five take part, fewer than two thirds. Refused, nothing recorded.
        short = TallyInput(actor=secretary, members=9, present=4, votes_for=4, votes_against=0, written_for=1,
                           minutes="BB số 01/BB-HĐTĐKT")  # fmt: skip
        assert await refused(handle, NominationWorkflow.record_tally, short) == "no_quorum"
        inconsistent = TallyInput(actor=secretary, members=9, present=5, votes_for=6, votes_against=0, minutes="BB 2")
        assert await refused(handle, NominationWorkflow.record_tally, inconsistent) == "invalid_tally"
        no_minutes = TallyInput(actor=secretary, members=9, present=6, votes_for=6, votes_against=0, minutes=" ")
        assert await refused(handle, NominationWorkflow.record_tally, no_minutes) == "invalid_tally"
        assert await ballots(engine, inp.nomination_id) == []

        # Five present and one written vote: six take part; 2 + 1 for is exactly half of those. Passes.
        ok = TallyInput(actor=secretary, members=9, present=5, votes_for=2, votes_against=3, written_for=1,
                        minutes="Biên bản số 02/BB-HĐTĐKT", comment="Họp ngày 20/11")  # fmt: skip
        view = await handle.execute_update(NominationWorkflow.record_tally, ok)
        assert view.status == "in_progress" and view.current_step == inp.route[1].key
        [ballot] = await ballots(engine, inp.nomination_id)
        assert (ballot.mode, ballot.status, ballot.participants, ballot.votes_for) == ("meeting", "passed", 6, 3)
        assert ballot.minutes == "Biên bản số 02/BB-HĐTĐKT"
        await handle.terminate("test done")


async def test_void_ballot_can_be_held_again(env: WorkflowEnvironment, engine: AsyncEngine) -> None:
    inp = await new_nomination(engine, "GIAY_KHEN_XA", rules={0: BANG_KHEN_THU_TUONG_RULE})
    secretary = await user_actor(engine, "council.school")
    async with new_worker(env.client, engine) as worker:
        handle = await start(env, worker.task_queue, inp)
        await open_task(handle)
        step = inp.route[0].key
        seats = await member_ids(engine, 5)
        await handle.execute_update(NominationWorkflow.open_ballot, OpenBallotInput(actor=secretary, members=5))
        await vote(engine, inp.nomination_id, step, 1, seats[0], "for")
        view = await handle.execute_update(NominationWorkflow.close_ballot, CloseBallotInput(actor=secretary))
        assert view.status == "in_progress" and not view.ballot_open  # one of five: no quorum, the ballot is void
        # A vote cast for the voided ballot never counts in the next one.
        assert await refused_vote(engine, inp.nomination_id, step, 1, seats[1]) == "no_ballot"
        await handle.execute_update(NominationWorkflow.open_ballot, OpenBallotInput(actor=secretary, members=5))
        assert await refused_vote(engine, inp.nomination_id, step, 1, seats[1]) == "stale_ballot"
        for seat in seats[1:]:
            await vote(engine, inp.nomination_id, step, 2, seat, "for")
        view = await handle.execute_update(NominationWorkflow.close_ballot, CloseBallotInput(actor=secretary))
        assert view.current_step == inp.route[1].key
        assert [(b.number, b.status, b.participants) for b in await ballots(engine, inp.nomination_id)] == [
            (1, "void", 1),
            (2, "passed", 4),
        ]
        await handle.terminate("test done")


# ---- supplement requests ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pause", "resumed_due"),
    [
        (True, datetime(2027, 4, 20, 17, 0, tzinfo=VN_TZ)),  # the 20 working days left, from 22/03 (16/04 is a holiday)
        (False, datetime(2027, 4, 5, 17, 0, tzinfo=VN_TZ)),  # the clock ran on: the original limit
    ],
)
async def test_supplement_pauses_the_clock_and_a_second_request_is_refused(
    env: WorkflowEnvironment, engine: AsyncEngine, pause: bool, resumed_due: datetime
) -> None:
    # Monday 01/03/2027 09:00; the appraisal (step 2 of the provincial route) has 25 working days.
    await env.sleep(datetime(2027, 3, 1, 9, 0, tzinfo=VN_TZ) - await env.get_current_time())
    inp = await new_nomination(
        engine, "BANG_KHEN_TINH", rules={2: {"max_supplement_requests": 1, "pause_clock_on_supplement": pause}}
    )
    clerk = await user_actor(engine, "clerk.school")
    appraiser = await user_actor(engine, "appraiser.home")
    async with new_worker(env.client, engine) as worker:
        handle = await start(env, worker.task_queue, inp)
        for username in ["council.school", "council.commune"]:
            actor = await user_actor(engine, username)
            await handle.execute_update(
                NominationWorkflow.decide,
                DecisionInput(task_id=await open_task(handle), outcome="approve", actor=actor),
            )
        appraisal_task = await open_task(handle)
        first = await task_row(engine, appraisal_task)
        assert first.due_at == datetime(2027, 4, 5, 17, 0, tzinfo=VN_TZ)  # 25 working days

        # Five working days later (Monday 08/03) the appraiser asks for two named items.
        await env.sleep(datetime(2027, 3, 8, 9, 0, tzinfo=VN_TZ) - await env.get_current_time())
        request = SupplementRequestInput(
            task_id=appraisal_task, actor=appraiser, items=["Báo cáo thành tích mẫu 03", "Biên bản họp Hội đồng trường"]
        )
        view = await handle.execute_update(NominationWorkflow.request_supplement, request)
        assert view.phase == "supplement" and view.current_step == "supplement"
        clerk_task = await task_row(engine, view.open_task_id or "")
        assert clerk_task.role == "clerk" and clerk_task.details == {"items": request.items}
        assert (await task_row(engine, appraisal_task)).outcome == "supplement"

        # The clerk answers ten working days later (Monday 22/03): the appraiser keeps the 20 days left.
        await env.sleep(datetime(2027, 3, 22, 9, 0, tzinfo=VN_TZ) - await env.get_current_time())
        view = await handle.execute_update(
            NominationWorkflow.answer_supplement,
            SupplementAnswerInput(actor=clerk, answers={"Báo cáo thành tích mẫu 03": "Đã bổ sung bản ký số"}),
        )
        resumed = await task_row(engine, view.open_task_id or "")
        assert resumed.step == "appraisal:GL-SNV"
        assert resumed.due_at == resumed_due

        # One request was allowed: only approve, return or reject remain.
        again = SupplementRequestInput(task_id=view.open_task_id or "", actor=appraiser, items=["Thêm minh chứng"])
        assert await refused(handle, NominationWorkflow.request_supplement, again) == "supplement_limit"
        view = await handle.execute_update(
            NominationWorkflow.decide,
            DecisionInput(task_id=view.open_task_id or "", outcome="approve", actor=appraiser),
        )
        assert view.current_step == inp.route[3].key
        await handle.terminate("test done")
    async with engine.connect() as conn:
        actions = (
            (
                await conn.execute(
                    select(AuditEntry.action)
                    .where(AuditEntry.nomination_id == uuid.UUID(inp.nomination_id))
                    .order_by(AuditEntry.at)
                )
            )
            .scalars()
            .all()
        )
    assert "supplement_requested" in actions and "supplement_answered" in actions


# ---- public disclosure ------------------------------------------------------------------------


async def test_disclosure_holds_the_council_for_exactly_ten_working_days(
    env: WorkflowEnvironment, engine: AsyncEngine
) -> None:
    # Monday 01/03/2027 09:00: the school council's list is published for 10 working days.
    await env.sleep(datetime(2027, 3, 1, 9, 0, tzinfo=VN_TZ) - await env.get_current_time())
    inp = await new_nomination(
        engine, "GIAY_KHEN_XA", rules={0: {"disclosure_working_days": 10, **BANG_KHEN_THU_TUONG_RULE}}
    )
    secretary = await user_actor(engine, "council.school")
    until = datetime(2027, 3, 15, 17, 0, tzinfo=VN_TZ)  # 02–05/03, 08–12/03, 15/03
    async with new_worker(env.client, engine) as worker:
        handle = await start(env, worker.task_queue, inp)

        async def phase() -> str:
            return (await handle.query(NominationWorkflow.view)).phase

        async def projected_step() -> str | None:
            return (await nomination_row(engine, inp.nomination_id)).current_step

        await assert_eq_eventually("disclosure", projected_step)
        assert await phase() == "disclosure"
        nomination = await nomination_row(engine, inp.nomination_id)
        assert nomination.current_step == "disclosure" and nomination.disclosure_until == until
        assert (
            await refused(handle, NominationWorkflow.open_ballot, OpenBallotInput(actor=secretary, members=5))
            == "disclosure"
        )

        await env.sleep(datetime(2027, 3, 15, 16, 59, tzinfo=VN_TZ) - await env.get_current_time())
        assert await phase() == "disclosure"
        assert (await handle.query(NominationWorkflow.view)).open_task_id is None

        await env.sleep(datetime(2027, 3, 15, 17, 1, tzinfo=VN_TZ) - await env.get_current_time())
        # The workflow reports the council's task as soon as it may be acted on, before the
        # transition that ends the disclosure has committed: wait for the projection (the step
        # and the task are written in one transaction).
        task_id = await open_task(handle)
        await assert_eq_eventually(inp.route[0].key, projected_step)
        task = await task_row(engine, task_id)
        # The durable timer fires at the end of the period (to the millisecond), not a working day earlier.
        assert until <= task.created_at < until + timedelta(seconds=1) and task.step == inp.route[0].key
        view = await handle.execute_update(NominationWorkflow.open_ballot, OpenBallotInput(actor=secretary, members=5))
        assert view.ballot_open
        await handle.terminate("test done")
