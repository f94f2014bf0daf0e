"""NominationWorkflow: one nomination from the unit's proposal to the signed decision.

Human steps arrive as Updates whose validators refuse a wrong or stale action before anything
is recorded. All state changes happen in the run loop, one at a time, so the read model is
written in order; an Update returns once its change has been projected.
"""

from __future__ import annotations

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from workflows.contracts import (
        APPROVE,
        AWARDED,
        IN_PROGRESS,
        OPEN_STATUSES,
        OUTCOMES,
        RECORD_NOTIFICATION,
        RECORD_TRANSITION,
        REJECT,
        REJECTED,
        RETURN,
        RETURNED,
        REVISION_STEP,
        WITHDRAWN,
        Actor,
        AuditSpec,
        DecisionInput,
        NominationInput,
        NominationState,
        NominationView,
        NotificationInput,
        OpenedTask,
        ResubmitInput,
        RouteStep,
        TaskSpec,
        TransitionInput,
        WithdrawInput,
    )

ACTIVITY_TIMEOUT = timedelta(seconds=30)
ACTIVITY_RETRY = RetryPolicy(initial_interval=timedelta(milliseconds=200), maximum_interval=timedelta(seconds=30))


class RefusedAction(ApplicationError):
    """A human action the workflow refuses; `type` is a stable code the API maps to a status."""

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message, type=code, non_retryable=True)


@workflow.defn
class NominationWorkflow:
    def __init__(self) -> None:
        self._input: NominationInput | None = None
        self._status = IN_PROGRESS
        self._step_index = 0
        self._returned_from: int | None = None
        self._version = 0
        self._open_task_id: str | None = None
        self._pending: DecisionInput | WithdrawInput | ResubmitInput | None = None
        self._applied = 0
        self._accepted = 0

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

    def _check(self, action: DecisionInput | WithdrawInput | ResubmitInput) -> None:
        if self._status not in OPEN_STATUSES:
            raise RefusedAction("Hồ sơ đã kết thúc, không thể xử lý thêm.", "already_decided")
        if self._pending is not None:
            raise RefusedAction("Hồ sơ đang được xử lý, vui lòng thử lại sau giây lát.", "busy")
        if isinstance(action, DecisionInput):
            if action.task_id != self._open_task_id:
                raise RefusedAction("Nhiệm vụ này đã được xử lý hoặc không còn hiệu lực.", "already_decided")
            if self._status == RETURNED:
                raise RefusedAction("Hồ sơ đang được đơn vị chỉnh sửa; hãy nộp lại hồ sơ.", "wrong_step")
            step = self._route[self._step_index]
            if not action.actor.holds(step.role, step.unit_id):
                raise RefusedAction("Nhiệm vụ này không thuộc thẩm quyền của bạn.", "not_allowed")
            if action.outcome not in OUTCOMES:
                raise RefusedAction(f"Kết quả xử lý không hợp lệ: {action.outcome}.", "invalid_outcome")
        else:
            assert self._input is not None
            if not action.actor.holds("clerk", self._input.proposing_unit_id):
                raise RefusedAction(
                    "Chỉ cán bộ thi đua của đơn vị đề nghị mới được thực hiện thao tác này.", "not_allowed"
                )
            if isinstance(action, ResubmitInput) and self._status != RETURNED:
                raise RefusedAction("Chỉ nộp lại được hồ sơ đang bị trả lại để chỉnh sửa.", "not_returned")

    async def _submit(self, action: DecisionInput | WithdrawInput | ResubmitInput) -> NominationView:
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
        self._input = inp
        if inp.state is None:
            opened = await self._transition(
                audit=[self._audit("submit", inp.submitted_by, None)],
                open_task=self._route_task(0),
            )
        else:
            self._status = inp.state.status
            self._step_index = inp.state.step_index
            self._returned_from = inp.state.returned_from
            self._version = inp.state.version
            # The task open before continue-as-new stays open, with its own deadlines.
            opened = inp.state.open_task
            self._open_task_id = opened.task_id

        while opened is not None:
            await self._wait_for_action(opened)
            opened = await self._apply_pending()
            self._applied += 1
            if opened is not None and self._history_is_long():
                # Let the Update that caused this transition return first; an action that arrives
                # meanwhile is handled in this run, and the next transition tries again.
                await workflow.wait_condition(lambda: workflow.all_handlers_finished() or self._pending is not None)
                if self._pending is None and workflow.all_handlers_finished():
                    workflow.continue_as_new(self._carry_over(opened))

        await workflow.wait_condition(workflow.all_handlers_finished)
        return self._view()

    async def _wait_for_action(self, task: OpenedTask) -> None:
        """Wait for a human action, sending the reminder and the escalation when their time comes."""
        timers = [(task.remind_at, "reminder"), (task.due_at, "escalation")]
        for at, kind in timers:
            if at is None:
                continue
            delay = (at - workflow.now()).total_seconds()
            if delay > 0:
                try:
                    await workflow.wait_condition(lambda: self._pending is not None, timeout=delay)
                    return
                except TimeoutError:
                    pass
            elif self._pending is not None:
                return
            await workflow.execute_activity(
                RECORD_NOTIFICATION,
                NotificationInput(
                    task_id=task.task_id, nomination_id=self._nomination_id, kind=kind, at=workflow.now()
                ),
                start_to_close_timeout=ACTIVITY_TIMEOUT,
                retry_policy=ACTIVITY_RETRY,
            )
        await workflow.wait_condition(lambda: self._pending is not None)

    async def _apply_pending(self) -> OpenedTask | None:
        action = self._pending
        assert action is not None
        # The next action (on the task this one opens) may arrive while the projection runs.
        self._pending = None
        step = self._current_step_key()
        if isinstance(action, WithdrawInput):
            self._status = WITHDRAWN
            return await self._transition(
                close_status="cancelled",
                actor=action.actor,
                comment=action.reason,
                audit=[self._audit("withdraw", action.actor, step, action.reason)],
                decided=True,
            )
        if isinstance(action, ResubmitInput):
            self._status = IN_PROGRESS
            self._step_index = self._returned_from if self._returned_from is not None else 0
            self._returned_from = None
            return await self._transition(
                outcome="resubmit",
                actor=action.actor,
                comment=action.comment,
                audit=[self._audit("resubmit", action.actor, step, action.comment)],
                open_task=self._route_task(self._step_index),
                changes=action.changes,
            )
        audit = [self._audit(action.outcome, action.actor, step, action.comment)]
        if action.outcome == REJECT:
            self._status = REJECTED
            return await self._transition(
                outcome=REJECT, actor=action.actor, comment=action.comment, audit=audit, decided=True
            )
        if action.outcome == RETURN:
            self._status = RETURNED
            self._returned_from = self._step_index
            return await self._transition(
                outcome=RETURN,
                actor=action.actor,
                comment=action.comment,
                audit=audit,
                open_task=self._revision_task(),
            )
        assert action.outcome == APPROVE
        if self._step_index + 1 >= len(self._route):
            self._status = AWARDED
            audit.append(self._audit("award", action.actor, step))
            return await self._transition(
                outcome=APPROVE, actor=action.actor, comment=action.comment, audit=audit, decided=True
            )
        self._step_index += 1
        return await self._transition(
            outcome=APPROVE,
            actor=action.actor,
            comment=action.comment,
            audit=audit,
            open_task=self._route_task(self._step_index),
        )

    async def _transition(
        self,
        *,
        audit: list[AuditSpec] | None = None,
        open_task: TaskSpec | None = None,
        outcome: str | None = None,
        actor: Actor | None = None,
        comment: str | None = None,
        close_status: str = "done",
        changes: dict | None = None,
        decided: bool = False,
    ) -> OpenedTask | None:
        self._version += 1
        closing = self._open_task_id
        # Actions on the new task are accepted as soon as it can appear in an inbox.
        self._open_task_id = open_task.task_id if open_task is not None else None
        opened = await workflow.execute_activity(
            RECORD_TRANSITION,
            TransitionInput(
                nomination_id=self._nomination_id,
                version=self._version,
                at=workflow.now(),
                status=self._status,
                current_step=None if decided else self._current_step_key(),
                current_step_index=None if decided else self._step_index,
                close_task_id=closing,
                close_task_status=close_status,
                close_outcome=outcome,
                close_actor=actor,
                close_comment=comment,
                open_task=open_task,
                audit=audit or [],
                changes=changes or {},
                decided=decided,
            ),
            start_to_close_timeout=ACTIVITY_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
            result_type=OpenedTask,
        )
        return opened

    # ---- helpers --------------------------------------------------------------------------------

    @property
    def _route(self) -> list[RouteStep]:
        assert self._input is not None
        return self._input.route

    @property
    def _nomination_id(self) -> str:
        assert self._input is not None
        return self._input.nomination_id

    def _current_step_key(self) -> str:
        return REVISION_STEP if self._status == RETURNED else self._route[self._step_index].key

    def _route_task(self, index: int) -> TaskSpec:
        assert self._input is not None
        step = self._route[index]
        return TaskSpec(
            task_id=str(workflow.uuid4()),
            step=step.key,
            step_index=index,
            name=step.name,
            role=step.role,
            unit_id=step.unit_id,
            working_days=step.working_days,
            reminder_working_days=self._input.reminder_working_days,
        )

    def _revision_task(self) -> TaskSpec:
        assert self._input is not None
        return TaskSpec(
            task_id=str(workflow.uuid4()),
            step=REVISION_STEP,
            step_index=self._step_index,
            name="Đơn vị đề nghị chỉnh sửa, bổ sung hồ sơ",
            role="clerk",
            unit_id=self._input.proposing_unit_id,
            working_days=self._input.revision_working_days,
            reminder_working_days=self._input.reminder_working_days,
        )

    def _audit(self, action: str, actor: Actor | None, step: str | None, comment: str | None = None) -> AuditSpec:
        return AuditSpec(audit_id=str(workflow.uuid4()), action=action, actor=actor, step=step, comment=comment)

    def _history_is_long(self) -> bool:
        assert self._input is not None
        info = workflow.info()
        return info.is_continue_as_new_suggested() or info.get_current_history_length() > self._input.history_limit

    def _carry_over(self, opened: OpenedTask) -> NominationInput:
        assert self._input is not None
        return NominationInput(
            nomination_id=self._input.nomination_id,
            proposing_unit_id=self._input.proposing_unit_id,
            route=self._input.route,
            reminder_working_days=self._input.reminder_working_days,
            revision_working_days=self._input.revision_working_days,
            submitted_by=self._input.submitted_by,
            history_limit=self._input.history_limit,
            state=NominationState(
                status=self._status,
                step_index=self._step_index,
                returned_from=self._returned_from,
                version=self._version,
                open_task=opened,
            ),
        )

    def _view(self) -> NominationView:
        finished = self._status not in OPEN_STATUSES
        return NominationView(
            nomination_id=self._input.nomination_id if self._input else "",
            status=self._status,
            current_step=None if finished or self._input is None else self._current_step_key(),
            step_index=self._step_index,
            open_task_id=self._open_task_id,
            version=self._version,
        )
