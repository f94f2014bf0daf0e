"""NominationWorkflow: one nomination from the unit's proposal to the signed decision.

Human steps arrive as Updates whose validators refuse a wrong or stale action before anything
is recorded. All state changes happen in the run loop, one at a time, so the read model is
written in order; an Update returns once its change has been projected. Council votes are the
exception: a vote only counts, so its handler applies it at once.

Version 2 (`ROUTE_RULES_PATCH`) added council ballots, public disclosure and supplement
requests; nominations started before it keep their v1 behaviour and replay unchanged. Version 4
(`SEARCH_ATTRIBUTES_PATCH`) keeps the search attributes (unit, award form, status) up to date.
Version 5 (`LOCAL_PROJECTION_PATCH`) projects each transition in a local activity.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from models.rules.ballot import FAILED, PASSED, evaluate
    from workflows.contracts import (
        APPROVE,
        AWARDED,
        COUNT_BALLOT,
        DISCLOSURE_STEP,
        IN_PROGRESS,
        LOCAL_PROJECTION_PATCH,
        OPEN_STATUSES,
        OUTCOMES,
        PROGRAMMING_ERRORS,
        RECORD_NOTIFICATION,
        RECORD_TRANSITION,
        RECORD_TRANSITION_V2,
        REJECT,
        REJECTED,
        RETURN,
        RETURNED,
        REVISION_STEP,
        ROUTE_RULES_PATCH,
        SEARCH_ATTRIBUTES_PATCH,
        SECRET_BALLOT_PATCH,
        SUPPLEMENT_STEP,
        WITHDRAWN,
        Actor,
        AuditSpec,
        BallotCount,
        BallotCountInput,
        BallotRecord,
        BallotState,
        CloseBallotInput,
        DecisionInput,
        NominationInput,
        NominationState,
        NominationView,
        NotificationInput,
        OpenBallotInput,
        OpenedTask,
        ResubmitInput,
        RouteStep,
        SupplementAnswerInput,
        SupplementRequestInput,
        TallyInput,
        TaskSpec,
        TransitionInput,
        TransitionResult,
        VoteInput,
        WithdrawInput,
    )
    from workflows.search_attributes import nomination_attributes
    from workflows.timers import sleep_until

ACTIVITY_TIMEOUT = timedelta(seconds=30)
# How long the local projection may take, all attempts included, before the workflow hands the
# same transition to an ordinary activity. An Update's acceptance reaches the server only with the
# workflow task that carries it, and a workflow task waits for its local activities: a projection
# stuck on a locked row or an unreachable database would hide for several seconds that the action
# was accepted, and the API would answer 503 ("nothing happened") for an action that will happen.
# Two attempts of at most 0.8 s each, 0.1 s apart (the attempts are what bounds it: the budget alone
# did not stop the SDK's local retries).
LOCAL_PROJECTION_BUDGET = timedelta(seconds=2)
LOCAL_PROJECTION_ATTEMPT = timedelta(milliseconds=800)
ACTIVITY_RETRY = RetryPolicy(
    initial_interval=timedelta(milliseconds=200),
    maximum_interval=timedelta(seconds=30),
    non_retryable_error_types=PROGRAMMING_ERRORS,
)
LOCAL_PROJECTION_RETRY = RetryPolicy(
    initial_interval=timedelta(milliseconds=100), maximum_attempts=2, non_retryable_error_types=PROGRAMMING_ERRORS
)

Action = (
    DecisionInput
    | WithdrawInput
    | ResubmitInput
    | OpenBallotInput
    | CloseBallotInput
    | TallyInput
    | SupplementRequestInput
    | SupplementAnswerInput
)


class RefusedAction(ApplicationError):
    """A human action the workflow refuses; `type` is a stable code the API maps to a status."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message, type=code, non_retryable=True)


@workflow.defn
class NominationWorkflow:
    @workflow.init
    def __init__(self, inp: NominationInput) -> None:
        self._input = inp
        # All that continue-as-new carries over; the next run's input holds it whole.
        state = inp.state or NominationState(status=IN_PROGRESS, step_index=0, returned_from=None, version=0)
        if state.status == RETURNED and state.phase == "step":
            state.phase = "revision"  # carried over by v1, which had no phase
        if state.open_task is not None and not state.open_task.task_id:
            state.open_task = None
        if inp.state is None:
            # Decided here, not in run(): an action sent with the start (a council's tally right after
            # the proposal) is validated before run() begins, and must see the version it runs under.
            if workflow.patched(LOCAL_PROJECTION_PATCH):
                # v5 includes every earlier version: a new nomination records one patch marker (and
                # the search-attribute upsert the SDK sends with it) instead of four. A history of
                # v2–v4 has no v5 marker, so on replay this is false and its own markers decide.
                state.v2 = state.v3 = state.v4 = state.v5 = True
            else:
                state.v2 = workflow.patched(ROUTE_RULES_PATCH)
                state.v3 = state.v2 and workflow.patched(SECRET_BALLOT_PATCH)
                state.v4 = state.v3 and workflow.patched(SEARCH_ATTRIBUTES_PATCH)
        self._state = state
        # The task actions are accepted on. A transition moves it to the task it opens before its
        # projection runs, so that the task can be acted on as soon as it appears in an inbox.
        self._open_task_id = state.open_task.task_id if state.open_task else None
        # Run-local bookkeeping, never carried over: the action being applied, Update tickets, and
        # why the nomination ended (set only when it ends, so no run after it needs it).
        self._pending: Action | None = None
        self._applied = 0
        self._accepted = 0
        self._result: str | None = None

    # ---- queries and updates ----------------------------------------------------------------

    @workflow.query
    def view(self) -> NominationView:
        return self._view()

    @workflow.update
    async def decide(self, decision: DecisionInput) -> NominationView:
        return await self._submit(decision)

    @decide.validator
    def _validate_decide(self, decision: DecisionInput) -> None:
        self._check(decision)

    @workflow.update
    async def withdraw(self, request: WithdrawInput) -> NominationView:
        return await self._submit(request)

    @withdraw.validator
    def _validate_withdraw(self, request: WithdrawInput) -> None:
        self._check(request)

    @workflow.update
    async def resubmit(self, request: ResubmitInput) -> NominationView:
        return await self._submit(request)

    @resubmit.validator
    def _validate_resubmit(self, request: ResubmitInput) -> None:
        self._check(request)

    @workflow.update
    async def open_ballot(self, request: OpenBallotInput) -> NominationView:
        return await self._submit(request)

    @open_ballot.validator
    def _validate_open_ballot(self, request: OpenBallotInput) -> None:
        self._check(request)

    @workflow.update
    async def close_ballot(self, request: CloseBallotInput) -> NominationView:
        return await self._submit(request)

    @close_ballot.validator
    def _validate_close_ballot(self, request: CloseBallotInput) -> None:
        self._check(request)

    @workflow.update
    async def record_tally(self, request: TallyInput) -> NominationView:
        return await self._submit(request)

    @record_tally.validator
    def _validate_record_tally(self, request: TallyInput) -> None:
        self._check(request)

    @workflow.update
    async def request_supplement(self, request: SupplementRequestInput) -> NominationView:
        return await self._submit(request)

    @request_supplement.validator
    def _validate_request_supplement(self, request: SupplementRequestInput) -> None:
        self._check(request)

    @workflow.update
    async def answer_supplement(self, request: SupplementAnswerInput) -> NominationView:
        return await self._submit(request)

    @answer_supplement.validator
    def _validate_answer_supplement(self, request: SupplementAnswerInput) -> None:
        self._check(request)

    @workflow.update
    def vote(self, vote: VoteInput) -> NominationView:
        self._check_vote(vote)  # again: validators of Updates delivered together run first
        assert self._state.ballot is not None
        self._state.ballot.voters.append(vote.voter_token)
        if vote.choice == "for":
            self._state.ballot.votes_for += 1
        else:
            self._state.ballot.votes_against += 1
        return self._view()

    @vote.validator
    def _validate_vote(self, vote: VoteInput) -> None:
        self._check_vote(vote)

    def _check_vote(self, vote: VoteInput) -> None:
        if self._state.status not in OPEN_STATUSES:
            raise RefusedAction("Hồ sơ đã kết thúc, không thể bỏ phiếu.", "already_decided")
        if self._state.ballot is None or self._state.ballot.mode != "electronic" or self._pending is not None:
            raise RefusedAction("Hội đồng không có cuộc bỏ phiếu đang mở cho hồ sơ này.", "no_ballot")
        if self._state.v3:
            # Version 3 keeps the ballot box out of the history: votes go to the secret box only.
            raise RefusedAction("Phiếu bầu được bỏ vào hòm phiếu kín, không qua quy trình.", "no_ballot")
        if vote.choice not in ("for", "against"):
            raise RefusedAction("Phiếu phải là «đồng ý» hoặc «không đồng ý».", "invalid_vote")
        if vote.voter_token in self._state.ballot.voters:
            raise RefusedAction("Bạn đã bỏ phiếu cho hồ sơ này.", "already_voted")
        if len(self._state.ballot.voters) >= self._state.ballot.members:
            raise RefusedAction("Đã đủ số phiếu của toàn bộ thành viên Hội đồng.", "ballot_full")

    def _check(self, action: Action) -> None:
        if self._state.status not in OPEN_STATUSES:
            raise RefusedAction("Hồ sơ đã kết thúc, không thể xử lý thêm.", "already_decided")
        if self._pending is not None:
            raise RefusedAction("Hồ sơ đang được xử lý, vui lòng thử lại sau giây lát.", "busy")
        if isinstance(action, WithdrawInput | ResubmitInput | SupplementAnswerInput):
            if not action.actor.holds("clerk", self._input.proposing_unit_id):
                raise RefusedAction(
                    "Chỉ cán bộ thi đua của đơn vị đề nghị mới được thực hiện thao tác này.", "not_allowed"
                )
            if isinstance(action, ResubmitInput) and self._state.phase != "revision":
                raise RefusedAction("Chỉ nộp lại được hồ sơ đang bị trả lại để chỉnh sửa.", "not_returned")
            if isinstance(action, SupplementAnswerInput) and self._state.phase != "supplement":
                raise RefusedAction("Hồ sơ không có yêu cầu bổ sung đang chờ trả lời.", "wrong_step")
            return
        if self._state.phase == "disclosure":
            raise RefusedAction(
                f"Danh sách đang được công khai đến {_vn(self._state.disclosure_until)}; Hội đồng chưa thể xét.",
                "disclosure",
            )
        if self._state.phase != "step":
            raise RefusedAction("Hồ sơ đang được đơn vị chỉnh sửa, bổ sung; hãy chờ đơn vị nộp lại.", "wrong_step")
        step = self._route[self._state.step_index]
        if isinstance(action, DecisionInput | SupplementRequestInput) and action.task_id != self._open_task_id:
            raise RefusedAction("Nhiệm vụ này đã được xử lý hoặc không còn hiệu lực.", "already_decided")
        if isinstance(action, OpenBallotInput | CloseBallotInput | TallyInput) and action.step not in (None, step.key):
            # Two secretaries acting at once: the step the loser saw has moved on.
            raise RefusedAction("Bước xét này đã được xử lý; hãy tải lại hồ sơ.", "already_decided")
        if not action.actor.holds(step.role, step.unit_id):
            raise RefusedAction("Nhiệm vụ này không thuộc thẩm quyền của bạn.", "not_allowed")
        ballot_step = self._state.v2 and step.decided_by_ballot
        if isinstance(action, DecisionInput):
            if action.outcome not in OUTCOMES:
                raise RefusedAction(f"Kết quả xử lý không hợp lệ: {action.outcome}.", "invalid_outcome")
            if ballot_step and action.outcome == APPROVE:
                raise RefusedAction(
                    "Bước này do Hội đồng quyết định bằng bỏ phiếu: hãy mở phiếu hoặc ghi kết quả họp.",
                    "ballot_required",
                )
            if ballot_step and self._state.ballot is not None:
                raise RefusedAction("Đang có cuộc bỏ phiếu mở: hãy kết thúc bỏ phiếu trước.", "ballot_open")
            # Version 3: the council decides by its members' vote, never its secretary; the secretary
            # may only return the dossier, with the reason, for the unit to complete it.
            if ballot_step and self._state.v3 and action.outcome == REJECT:
                raise RefusedAction(
                    "Hội đồng chỉ quyết định bằng biểu quyết: hãy mở phiếu hoặc ghi kết quả họp; "
                    "thư ký chỉ được trả lại hồ sơ kèm lý do.",
                    "ballot_required",
                )
            if ballot_step and self._state.v3 and action.outcome == RETURN and not (action.comment or "").strip():
                raise RefusedAction("Hãy ghi lý do trả lại hồ sơ.", "reason_required")
        elif isinstance(action, OpenBallotInput | CloseBallotInput | TallyInput):
            if not ballot_step:
                raise RefusedAction("Bước này không quyết định bằng bỏ phiếu.", "wrong_step")
            if isinstance(action, OpenBallotInput):
                if self._state.ballot is not None:
                    raise RefusedAction("Cuộc bỏ phiếu đã được mở.", "ballot_open")
                if action.members < 1:
                    raise RefusedAction("Hội đồng chưa có thành viên.", "invalid_tally")
            elif isinstance(action, CloseBallotInput):
                if self._state.ballot is None:
                    raise RefusedAction("Không có cuộc bỏ phiếu đang mở.", "no_ballot")
            else:
                if self._state.ballot is not None:
                    raise RefusedAction("Đang có cuộc bỏ phiếu điện tử mở: hãy kết thúc nó trước.", "ballot_open")
                check_tally(action, step)
        elif isinstance(action, SupplementRequestInput):
            if step.kind != "appraisal" or not self._state.v2:
                raise RefusedAction("Chỉ bước thẩm định mới được yêu cầu bổ sung hồ sơ.", "wrong_step")
            used = self._state.supplements.get(step.key, 0)
            if used >= step.max_supplement_requests:
                raise RefusedAction(
                    f"Đã hết số lần yêu cầu bổ sung cho bước này (tối đa {step.max_supplement_requests}); "
                    "chỉ còn đồng ý, trả lại hoặc không đồng ý.",
                    "supplement_limit",
                )
            if not action.items or any(not item.strip() for item in action.items):
                raise RefusedAction("Hãy nêu rõ từng nội dung cần bổ sung.", "invalid_items")

    async def _submit(self, action: Action) -> NominationView:
        # Validators of Updates delivered together all run before any handler: check again.
        self._check(action)
        self._pending = action
        self._accepted += 1
        ticket = self._accepted
        await workflow.wait_condition(lambda: self._applied >= ticket)
        return self._view()

    # ---- the run loop -------------------------------------------------------------------------

    @workflow.run
    async def run(self, inp: NominationInput) -> NominationView:
        # The task the last transition opened or kept open, None when it opened none.
        opened: OpenedTask | None
        if inp.state is None:
            opened = await self._enter_step(0, audit=[self._audit("submit", inp.submitted_by, None)])
        else:
            opened = self._state.open_task

        while self._state.status in OPEN_STATUSES:
            if self._state.phase == "disclosure":
                opened = await self._hold_for_disclosure()
                if opened is not None or self._pending is None:
                    continue
            else:
                assert opened is not None
                await self._wait_for_action(opened)
            opened = await self._apply_pending()
            self._applied += 1
            if opened is not None and self._history_is_long():
                # Let the Update that caused this transition return first; an action that arrives
                # meanwhile is handled in this run, and the next transition tries again.
                await workflow.wait_condition(lambda: workflow.all_handlers_finished() or self._pending is not None)
                if self._pending is None and workflow.all_handlers_finished():
                    # `opened` is in the state: a transition keeps every task it opens as `open_task`.
                    workflow.continue_as_new(replace(self._input, state=self._state))

        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._view()

    async def _wait_for_action(self, task: OpenedTask) -> None:
        """Wait for a human action, sending the reminder and the escalation when their time comes."""
        timers = [(task.remind_at, "reminder"), (task.due_at, "escalation")]
        for at, kind in timers:
            if at is None:
                continue
            # A time already past sends nothing for a task being acted on; a timer that fires with
            # an action in the same workflow task still sends its notification.
            if not await sleep_until(at, self._has_pending):
                return
            await workflow.execute_activity(
                RECORD_NOTIFICATION,
                NotificationInput(
                    task_id=task.task_id, nomination_id=self._nomination_id, kind=kind, at=workflow.now()
                ),
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                retry_policy=ACTIVITY_RETRY,
            )
        await workflow.wait_condition(self._has_pending)

    async def _hold_for_disclosure(self) -> OpenedTask | None:
        """A durable timer holds the council until the disclosure period ends; only a withdrawal interrupts it."""
        assert self._state.disclosure_until is not None
        # A period already over ends first, even with a withdrawal waiting: it is applied next.
        if not await sleep_until(self._state.disclosure_until, self._has_pending, check_if_past=False):
            return None
        step = self._route[self._state.step_index]
        self._state.disclosed.append(step.key)
        self._state.phase = "step"
        result = await self._transition(
            audit=[self._audit("disclosure_ended", None, step.key)], open_task=self._route_task(self._state.step_index)
        )
        return result.opened

    async def _enter_step(
        self,
        index: int,
        *,
        audit: list[AuditSpec],
        close: dict[str, Any] | None = None,
        ballot: BallotRecord | None = None,
    ) -> OpenedTask | None:
        """Open route step `index`, first holding it for public disclosure when its rule says so."""
        self._state.step_index = index
        self._state.phase = "step"
        self._state.ballot = None
        step = self._route[index]
        close = close or {}
        if self._state.v2 and step.disclosure_working_days > 0 and step.key not in self._state.disclosed:
            self._state.phase = "disclosure"
            audit.append(self._audit("disclosure_started", None, step.key))
            result = await self._transition(
                audit=audit, disclosure_working_days=step.disclosure_working_days, ballot=ballot, **close
            )
            self._state.disclosure_until = result.disclosure_until
            return None
        result = await self._transition(audit=audit, open_task=self._route_task(index), ballot=ballot, **close)
        return result.opened

    async def _apply_pending(self) -> OpenedTask | None:
        action = self._pending
        assert action is not None
        # The next action (on the task this one opens) may arrive while the projection runs.
        self._pending = None
        step_key = self._current_step_key()
        if isinstance(action, WithdrawInput):
            self._state.status = WITHDRAWN
            result = await self._transition(
                close_status="cancelled", actor=action.actor, comment=action.reason,
                audit=[self._audit("withdraw", action.actor, step_key, action.reason)], decided=True,
            )  # fmt: skip
            return result.opened
        if isinstance(action, ResubmitInput):
            self._state.status = IN_PROGRESS
            index = self._state.returned_from if self._state.returned_from is not None else 0
            self._state.returned_from = None
            return await self._enter_step(
                index,
                audit=[self._audit("resubmit", action.actor, step_key, action.comment)],
                close={"outcome": "resubmit", "actor": action.actor, "comment": action.comment,
                       "changes": action.changes},
            )  # fmt: skip
        if isinstance(action, SupplementRequestInput):
            return await self._request_supplement(action)
        if isinstance(action, SupplementAnswerInput):
            return await self._answer_supplement(action)
        if isinstance(action, OpenBallotInput):
            number = self._next_ballot_number()
            self._state.ballot = BallotState(number=number, mode="electronic", members=action.members)
            await self._transition(
                keep_task=True,
                audit=[self._audit("ballot_opened", action.actor, step_key, f"{action.members} thành viên")],
                ballot=BallotRecord(step=step_key, number=self._state.ballot.number, mode="electronic", status="open",
                                    members=action.members, box="database" if self._state.v3 else "workflow"),
            )  # fmt: skip
            return self._still_open()
        if isinstance(action, CloseBallotInput | TallyInput):
            return await self._decide_by_ballot(action)
        return await self._decide(action)

    async def _decide(self, action: DecisionInput, ballot: BallotRecord | None = None) -> OpenedTask | None:
        step_key = self._current_step_key()
        audit = [self._audit(action.outcome, action.actor, step_key, action.comment)]
        if action.attachments:
            # The files the decision was taken on, each with its SHA-256 as it stood then.
            audit[0].details = {"attachments": list(action.attachments)}
        close: dict[str, Any] = {"outcome": action.outcome, "actor": action.actor, "comment": action.comment}
        if action.outcome == REJECT:
            self._state.status = REJECTED
            self._result = action.comment
            result = await self._transition(audit=audit, decided=True, ballot=ballot, **close)
            return result.opened
        if action.outcome == RETURN:
            self._state.status = RETURNED
            self._state.phase = "revision"
            self._state.returned_from = self._state.step_index
            result = await self._transition(audit=audit, open_task=self._revision_task(), ballot=ballot, **close)
            return result.opened
        assert action.outcome == APPROVE
        if self._state.step_index + 1 >= len(self._route):
            self._state.status = AWARDED
            audit.append(self._audit("award", action.actor, step_key, action.actor.acting_as))
            signature = f"{action.actor.acting_as} {action.actor.name}" if action.actor.acting_as else action.actor.name
            changes = {"signed_by": signature} if self._state.v2 else {}
            result = await self._transition(audit=audit, decided=True, changes=changes, ballot=ballot, **close)
            return result.opened
        return await self._enter_step(self._state.step_index + 1, audit=audit, close=close, ballot=ballot)

    async def _decide_by_ballot(self, action: CloseBallotInput | TallyInput) -> OpenedTask | None:
        step = self._route[self._state.step_index]
        assert step.threshold is not None
        if isinstance(action, TallyInput):
            number, mode, members = self._next_ballot_number(), "meeting", action.members
            participants = action.present + action.written_for + action.written_against
            votes_for, votes_against = (
                action.votes_for + action.written_for,
                action.votes_against + action.written_against,
            )
            minutes, comment = action.minutes, action.comment
        else:
            assert self._state.ballot is not None
            number, mode, members = self._state.ballot.number, "electronic", self._state.ballot.members
            if self._state.v3:
                # The box closes and is counted in one transaction; only the totals enter the history.
                count = await workflow.execute_activity(
                    COUNT_BALLOT, BallotCountInput(nomination_id=self._nomination_id, step=step.key, number=number),
                    start_to_close_timeout=ACTIVITY_TIMEOUT, retry_policy=ACTIVITY_RETRY, result_type=BallotCount,
                )  # fmt: skip
                participants, votes_for, votes_against = count.participants, count.votes_for, count.votes_against
            else:
                participants = len(self._state.ballot.voters)
                votes_for, votes_against = self._state.ballot.votes_for, self._state.ballot.votes_against
            minutes, comment = "", None
        outcome = evaluate(
            members=members, participants=participants, votes_for=votes_for,
            quorum=step.quorum, threshold=step.threshold, basis=step.threshold_basis,
        )  # fmt: skip
        record = BallotRecord(
            step=step.key, number=number, mode=mode, status=outcome.outcome, members=members,
            participants=participants, votes_for=votes_for, votes_against=votes_against,
            minutes=minutes or None, reason=outcome.reason, box="database" if self._state.v3 and mode == "electronic" else "workflow",
        )  # fmt: skip
        self._state.ballot = None
        if outcome.outcome == PASSED:
            decision = DecisionInput(task_id=self._open_task_id or "", outcome=APPROVE, actor=action.actor,
                                     comment=comment or outcome.reason, attachments=action.attachments)  # fmt: skip
            return await self._decide(decision, ballot=record)
        if outcome.outcome == FAILED:
            decision = DecisionInput(task_id=self._open_task_id or "", outcome=REJECT, actor=action.actor,
                                     comment=outcome.reason, attachments=action.attachments)  # fmt: skip
            return await self._decide(decision, ballot=record)
        await self._transition(
            keep_task=True, ballot=record, audit=[self._audit("ballot_void", action.actor, step.key, outcome.reason)]
        )
        return self._still_open()

    async def _request_supplement(self, action: SupplementRequestInput) -> OpenedTask | None:
        step = self._route[self._state.step_index]
        self._state.supplements[step.key] = self._state.supplements.get(step.key, 0) + 1
        self._state.phase = "supplement"
        items = "; ".join(action.items)
        result = await self._transition(
            outcome="supplement", actor=action.actor, comment=action.comment,
            audit=[self._audit("supplement_requested", action.actor, step.key, f"{items}. {action.comment or ''}".strip())],
            open_task=self._clerk_task(SUPPLEMENT_STEP, "Đơn vị bổ sung hồ sơ theo yêu cầu thẩm định"),
            measure_remaining=True, supplement_items=action.items,
        )  # fmt: skip
        self._state.resume_working_days = result.remaining_working_days
        self._state.resume_due_at = None if step.pause_clock_on_supplement else result.closed_due_at
        return result.opened

    async def _answer_supplement(self, action: SupplementAnswerInput) -> OpenedTask | None:
        step = self._route[self._state.step_index]
        self._state.phase = "step"
        answers = "; ".join(f"{k}: {v}" for k, v in action.answers.items())
        task = self._route_task(self._state.step_index)
        if self._state.resume_due_at is not None:
            task.due_at = self._state.resume_due_at
        elif self._state.resume_working_days is not None:
            task.working_days = max(1, self._state.resume_working_days)
        result = await self._transition(
            outcome="answered", actor=action.actor, comment=action.comment,
            audit=[self._audit("supplement_answered", action.actor, step.key, answers)], open_task=task,
        )  # fmt: skip
        return result.opened

    def _next_ballot_number(self) -> int:
        key = self._route[self._state.step_index].key
        self._state.ballots_held[key] = self._state.ballots_held.get(key, 0) + 1
        return self._state.ballots_held[key]

    def _still_open(self) -> OpenedTask:
        # A change that kept the task open: keep waiting on the same task and its deadlines.
        assert self._state.open_task is not None
        return self._state.open_task

    async def _transition(
        self,
        *,
        audit: list[AuditSpec] | None = None,
        open_task: TaskSpec | None = None,
        outcome: str | None = None,
        actor: Actor | None = None,
        comment: str | None = None,
        close_status: str = "done",
        changes: dict[str, Any] | None = None,
        decided: bool = False,
        keep_task: bool = False,
        ballot: BallotRecord | None = None,
        disclosure_working_days: int = 0,
        measure_remaining: bool = False,
        supplement_items: list[str] | None = None,
    ) -> TransitionResult:
        self._state.version += 1
        closing = None if keep_task else self._open_task_id
        if not keep_task:
            # Actions on the new task are accepted as soon as it can appear in an inbox.
            self._open_task_id = open_task.task_id if open_task is not None else None
        finished = decided or self._state.status not in OPEN_STATUSES
        inp = TransitionInput(
            nomination_id=self._nomination_id,
            version=self._state.version,
            at=workflow.now(),
            status=self._state.status,
            current_step=None if finished else self._current_step_key(),
            current_step_index=None if finished else self._state.step_index,
            close_task_id=closing,
            close_task_status=close_status,
            close_outcome=outcome,
            close_actor=actor,
            close_comment=comment,
            open_task=open_task,
            audit=audit or [],
            changes=changes or {},
            decided=decided,
        )
        if not self._state.v2:
            opened = await workflow.execute_activity(
                RECORD_TRANSITION, inp, start_to_close_timeout=ACTIVITY_TIMEOUT, retry_policy=ACTIVITY_RETRY,
                result_type=OpenedTask,
            )  # fmt: skip
            if opened is not None:
                self._state.open_task = opened
            return TransitionResult(opened=opened)
        inp.keep_task = keep_task
        inp.ballot = ballot
        inp.disclosure_working_days = disclosure_working_days
        inp.measure_remaining = measure_remaining
        inp.supplement_items = supplement_items or []
        inp.result = self._result
        result = await self._project(inp)
        if result.opened is not None:
            self._state.open_task = result.opened
        self._update_search_attributes()
        return result

    async def _project(self, inp: TransitionInput) -> TransitionResult:
        """Write the transition into the read model: v5 in a local activity, and if that has not
        succeeded within LOCAL_PROJECTION_BUDGET, in an ordinary activity (the projection is
        idempotent: an attempt that did commit is not applied twice)."""
        if self._state.v5:
            try:
                return await workflow.execute_local_activity(
                    RECORD_TRANSITION_V2, inp, start_to_close_timeout=LOCAL_PROJECTION_ATTEMPT,
                    schedule_to_close_timeout=LOCAL_PROJECTION_BUDGET, retry_policy=LOCAL_PROJECTION_RETRY,
                    result_type=TransitionResult,
                )  # fmt: skip
            except (ActivityError, ApplicationError) as err:
                # A local activity's last failure comes wrapped (a timeout) or as it was raised.
                cause = err.cause if isinstance(err, ActivityError) else err
                if isinstance(cause, ApplicationError) and cause.type in PROGRAMMING_ERRORS:
                    raise  # an error of the code: another attempt elsewhere would fail the same way
                workflow.logger.warning(
                    "local projection failed or ran out of time; handed to an ordinary activity: %s", err
                )
        return await workflow.execute_activity(
            RECORD_TRANSITION_V2, inp, start_to_close_timeout=ACTIVITY_TIMEOUT, retry_policy=ACTIVITY_RETRY,
            result_type=TransitionResult,
        )  # fmt: skip

    def _update_search_attributes(self) -> None:
        """v4: the Temporal UI shows what the read model now holds. Only what differs is sent; the
        gateway set them all at the start, a workflow started otherwise gets them at its first step.
        Continue-as-new carries them over."""
        if not self._state.v4:
            return
        current = workflow.info().typed_search_attributes
        wanted = nomination_attributes(self._input.proposing_unit_id, self._input.award_form, self._state.status)
        changed = [pair.key.value_set(pair.value) for pair in wanted if current.get(pair.key) != pair.value]
        if changed:
            workflow.upsert_search_attributes(changed)

    # ---- helpers --------------------------------------------------------------------------------

    @property
    def _route(self) -> list[RouteStep]:
        return self._input.route

    @property
    def _nomination_id(self) -> str:
        return self._input.nomination_id

    def _current_step_key(self) -> str:
        if self._state.phase == "revision" or self._state.status == RETURNED:
            return REVISION_STEP
        if self._state.phase == "supplement":
            return SUPPLEMENT_STEP
        if self._state.phase == "disclosure":
            return DISCLOSURE_STEP
        return self._route[self._state.step_index].key

    def _reminder_days(self, step: RouteStep | None = None) -> int:
        if step is not None and step.reminder_working_days is not None:
            return step.reminder_working_days
        return self._input.reminder_working_days

    def _route_task(self, index: int) -> TaskSpec:
        step = self._route[index]
        return TaskSpec(
            task_id=str(workflow.uuid4()), step=step.key, step_index=index, name=step.name, role=step.role,
            unit_id=step.unit_id, working_days=step.working_days, reminder_working_days=self._reminder_days(step),
        )  # fmt: skip

    def _revision_task(self) -> TaskSpec:
        return self._clerk_task(REVISION_STEP, "Đơn vị đề nghị chỉnh sửa, bổ sung hồ sơ")

    def _clerk_task(self, step: str, name: str) -> TaskSpec:
        return TaskSpec(
            task_id=str(workflow.uuid4()), step=step, step_index=self._state.step_index, name=name, role="clerk",
            unit_id=self._input.proposing_unit_id, working_days=self._input.revision_working_days,
            reminder_working_days=self._reminder_days(),
        )  # fmt: skip

    def _audit(self, action: str, actor: Actor | None, step: str | None, comment: str | None = None) -> AuditSpec:
        return AuditSpec(audit_id=str(workflow.uuid4()), action=action, actor=actor, step=step, comment=comment)

    def _has_pending(self) -> bool:
        return self._pending is not None

    def _history_is_long(self) -> bool:
        info = workflow.info()
        return info.is_continue_as_new_suggested() or info.get_current_history_length() > self._input.history_limit

    def _view(self) -> NominationView:
        finished = self._state.status not in OPEN_STATUSES
        return NominationView(
            nomination_id=self._input.nomination_id,
            status=self._state.status,
            current_step=None if finished else self._current_step_key(),
            step_index=self._state.step_index,
            open_task_id=self._open_task_id,
            version=self._state.version,
            phase=self._state.phase,
            ballot_open=self._state.ballot is not None,
            votes_cast=len(self._state.ballot.voters) if self._state.ballot else 0,
            result=self._result,
        )


def check_tally(tally: TallyInput, step: RouteStep) -> None:
    numbers = (
        tally.members,
        tally.present,
        tally.votes_for,
        tally.votes_against,
        tally.written_for,
        tally.written_against,
    )
    if any(n < 0 for n in numbers) or tally.members < 1:
        raise RefusedAction("Số liệu kiểm phiếu không hợp lệ.", "invalid_tally")
    if tally.present > tally.members:
        raise RefusedAction("Số thành viên có mặt lớn hơn tổng số thành viên.", "invalid_tally")
    if tally.votes_for + tally.votes_against > tally.present:
        raise RefusedAction("Số phiếu tại hội nghị lớn hơn số thành viên có mặt.", "invalid_tally")
    if tally.present + tally.written_for + tally.written_against > tally.members:
        raise RefusedAction("Số phiếu bằng văn bản vượt số thành viên vắng mặt.", "invalid_tally")
    if not tally.minutes.strip():
        raise RefusedAction("Hãy đính kèm hoặc ghi số biên bản họp Hội đồng.", "invalid_tally")
    participants = tally.present + tally.written_for + tally.written_against
    quorum = evaluate(
        members=tally.members, participants=participants, votes_for=0, quorum=step.quorum, threshold=1, basis="all"
    )
    if quorum.outcome == "void":
        raise RefusedAction(f"Hội nghị không đủ điều kiện biểu quyết. {quorum.reason}", "no_quorum")


def _vn(at: datetime | None) -> str:
    if at is None:
        return "khi hết thời hạn"
    local = at + timedelta(hours=7)  # Asia/Ho_Chi_Minh has no daylight saving time
    return local.strftime("%H:%M %d/%m/%Y")
