"""The Temporal gateway: the only place in the service that talks to Temporal.

Routers, the plan start-up and the tools start workflows, send Updates and Signals and read
histories through this module, and nowhere else. Every call here:

- names its workflow by a typed reference (`NominationRef`, `PlanRef`) and its Update by the
  workflow's own method (`NominationWorkflow.decide`), so a renamed handler fails the type check,
  not a user;
- releases the caller's database session first (`release=`): a connection is never held while a
  worker runs the step and projects it;
- has a deadline (`THIDUA_TEMPORAL_CALL_SECONDS`), past which the caller gets 503 with Retry-After
  instead of a request that hangs;
- turns the workflow's refusals (the `ApplicationError` types its validators raise) into problems
  through one table, and an unreachable server into 503.
"""

from __future__ import annotations

import asyncio
import logging
import signal
import uuid
from collections.abc import Awaitable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, TypeVar, cast

from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.api.common.v1 import WorkflowExecution
from temporalio.api.enums.v1 import UpdateWorkflowExecutionLifecycleStage
from temporalio.api.history.v1 import HistoryEvent
from temporalio.api.operatorservice.v1 import ListSearchAttributesRequest
from temporalio.api.update.v1 import UpdateRef, WaitPolicy
from temporalio.api.workflowservice.v1 import PollWorkflowExecutionUpdateRequest
from temporalio.client import (
    Client,
    WorkflowExecutionStatus,
    WorkflowHandle,
    WorkflowUpdateFailedError,
    WorkflowUpdateRPCTimeoutOrCancelledError,
    WorkflowUpdateStage,
)
from temporalio.common import TypedSearchAttributes, WorkflowIDConflictPolicy, WorkflowIDReusePolicy
from temporalio.exceptions import ApplicationError, WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode
from temporalio.workflow import UpdateMethodMultiParam

from service.api.problems import Problem, StillRunning
from service.core.settings import CoreSettings
from service.temporal.converter import DATA_CONVERTER
from workflows import search_attributes
from workflows.contracts import (
    IN_PROGRESS,
    CloseBallotInput,
    DecisionInput,
    NominationInput,
    NominationView,
    OpenBallotInput,
    ResubmitInput,
    SupplementAnswerInput,
    SupplementRequestInput,
    TallyInput,
    VoteInput,
    WithdrawInput,
    nomination_workflow_id,
)
from workflows.council_session import CouncilSessionInput, CouncilSessionWorkflow, council_session_workflow_id
from workflows.mailer import MAILER_WORKFLOW_ID, MailerInput, MailerWorkflow
from workflows.nomination import NominationWorkflow
from workflows.plan import PlanWorkflow
from workflows.plan_contracts import PlanAmendment, PlanInput, PlanView, plan_workflow_id

log = logging.getLogger(__name__)
R = TypeVar("R")
P = TypeVar("P")

RETRY_AFTER_SECONDS = 5
# After a deadline: how long to ask Temporal whether it had accepted the Update (202) or not (503).
ACCEPTED_CHECK = timedelta(seconds=2)
_UNAVAILABLE = "Máy chủ quy trình tạm thời không sẵn sàng; vui lòng thử lại."

# Refusals raised by the workflows' validators (RefusedAction / RefusedAmendment codes) and their status.
REFUSAL_STATUS = {
    "already_decided": 409,
    "busy": 409,
    "not_returned": 409,
    "wrong_step": 409,
    "invalid_outcome": 422,
    "not_allowed": 403,
    "no_ballot": 409,
    "ballot_open": 409,
    "already_voted": 409,
    "ballot_full": 409,
    "ballot_required": 409,
    "invalid_vote": 422,
    "invalid_tally": 422,
    "no_quorum": 422,
    "supplement_limit": 409,
    "invalid_items": 422,
    "disclosure": 409,
    "stale_version": 409,
    "reason_required": 422,
}


@dataclass(frozen=True)
class NominationRef:
    """A nomination's workflow, by its business key (the nomination id)."""

    workflow_id: str

    @classmethod
    def of(cls, nomination_id: object) -> NominationRef:
        return cls(nomination_workflow_id(str(nomination_id)))

    @property
    def location(self) -> str:
        return f"/api/v1/nominations/{self.workflow_id.removeprefix(nomination_workflow_id(''))}"


@dataclass(frozen=True)
class PlanRef:
    """A plan's workflow, by the plan's code."""

    plan_id: str

    @property
    def workflow_id(self) -> str:
        return plan_workflow_id(self.plan_id)

    @property
    def location(self) -> str:
        return f"/api/v1/plans/{self.plan_id}"


@dataclass(frozen=True)
class CouncilSessionRef:
    """A council session's workflow, by the session id."""

    session_id: str

    @property
    def workflow_id(self) -> str:
        return council_session_workflow_id(self.session_id)


def unavailable(detail: str = _UNAVAILABLE, code: str = "temporal_unavailable") -> Problem:
    return Problem(503, detail, code=code, retry_after=RETRY_AFTER_SECONDS)


async def connect(settings: CoreSettings) -> Client:
    """The client. The first connection starts the SDK's Rust runtime and its threads: they are started
    with SIGINT and SIGTERM blocked, so that only the main thread takes a stop signal (uvicorn's and the
    worker's handlers). A precaution: the crash seen when a worker stopped was at interpreter
    finalisation (service/cli.py exits the worker without it)."""
    stopping = {signal.SIGINT, signal.SIGTERM}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, stopping)
    try:
        return await Client.connect(
            settings.temporal_target(), namespace=settings.temporal_namespace, data_converter=DATA_CONVERTER
        )
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


async def _released(session: AsyncSession | None) -> None:
    if session is not None:
        # Ends the transaction and returns the connection to the pool; the session can be used again.
        await session.close()


class TemporalGateway:
    def __init__(self, client: Client, *, task_queue: str, deadline_seconds: float = 20.0) -> None:
        self.client = client
        self.task_queue = task_queue
        self.deadline = timedelta(seconds=deadline_seconds)

    @classmethod
    def from_settings(cls, client: Client, settings: CoreSettings) -> TemporalGateway:
        return cls(client, task_queue=settings.task_queue, deadline_seconds=settings.temporal_call_seconds)

    # ---- nominations --------------------------------------------------------------------------

    async def start_nomination(self, ref: NominationRef, inp: NominationInput) -> bool:
        """Start the nomination's workflow; False when it already runs (a retried create)."""
        try:
            async with asyncio.timeout(self.deadline.total_seconds()):
                await self.client.start_workflow(
                    NominationWorkflow.run,
                    inp,
                    id=ref.workflow_id,
                    task_queue=self.task_queue,
                    id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
                    id_conflict_policy=WorkflowIDConflictPolicy.FAIL,
                    # Filterable in the Temporal UI from the start; the workflow keeps the status current.
                    search_attributes=TypedSearchAttributes(
                        search_attributes.nomination_attributes(inp.proposing_unit_id, inp.award_form, IN_PROGRESS)
                    ),
                    rpc_timeout=self.deadline,
                )
        except WorkflowAlreadyStartedError:
            return False
        except (RPCError, TimeoutError):
            # The dossier is stored (version 0); the same Idempotency-Key starts its workflow later.
            raise unavailable(
                "Đã lưu hồ sơ nhưng chưa khởi động được quy trình xét duyệt; hệ thống sẽ tự khởi động khi máy chủ "
                "quy trình hoạt động trở lại. Có thể gửi lại yêu cầu với cùng Idempotency-Key.",
                code="workflow_not_started",
            ) from None
        return True

    async def decide(self, ref: NominationRef, inp: DecisionInput, *, release: AsyncSession | None) -> NominationView:
        return await self._nomination_update(ref, NominationWorkflow.decide, inp, release)

    async def decide_many(
        self, actions: list[tuple[NominationRef, DecisionInput]], *, release: AsyncSession | None, parallel: int = 8
    ) -> list[NominationView | StillRunning | Problem]:
        """The same decision on several nominations (a signer signs one decision for all of them): each
        Update's result, the `StillRunning` of one accepted but not yet recorded, or the problem of a
        refused one, in the order given. At most `parallel` Updates are in flight at once."""
        await _released(release)
        gate = asyncio.Semaphore(max(1, parallel))

        async def one(ref: NominationRef, inp: DecisionInput) -> NominationView | StillRunning | Problem:
            async with gate:
                try:
                    return await self._nomination_update(ref, NominationWorkflow.decide, inp, None)
                except (StillRunning, Problem) as exc:
                    return exc

        return list(await asyncio.gather(*(one(ref, inp) for ref, inp in actions)))

    async def withdraw(self, ref: NominationRef, inp: WithdrawInput, *, release: AsyncSession | None) -> NominationView:
        return await self._nomination_update(ref, NominationWorkflow.withdraw, inp, release)

    async def resubmit(self, ref: NominationRef, inp: ResubmitInput, *, release: AsyncSession | None) -> NominationView:
        return await self._nomination_update(ref, NominationWorkflow.resubmit, inp, release)

    async def open_ballot(
        self, ref: NominationRef, inp: OpenBallotInput, *, release: AsyncSession | None, update_id: str | None = None
    ) -> NominationView:
        return await self._nomination_update(ref, NominationWorkflow.open_ballot, inp, release, update_id)

    async def close_ballot(
        self, ref: NominationRef, inp: CloseBallotInput, *, release: AsyncSession | None, update_id: str | None = None
    ) -> NominationView:
        return await self._nomination_update(ref, NominationWorkflow.close_ballot, inp, release, update_id)

    async def record_tally(
        self, ref: NominationRef, inp: TallyInput, *, release: AsyncSession | None, update_id: str | None = None
    ) -> NominationView:
        return await self._nomination_update(ref, NominationWorkflow.record_tally, inp, release, update_id)

    async def vote(self, ref: NominationRef, inp: VoteInput, *, release: AsyncSession | None) -> NominationView:
        return await self._nomination_update(ref, NominationWorkflow.vote, inp, release)

    async def request_supplement(
        self, ref: NominationRef, inp: SupplementRequestInput, *, release: AsyncSession | None
    ) -> NominationView:
        return await self._nomination_update(ref, NominationWorkflow.request_supplement, inp, release)

    async def answer_supplement(
        self, ref: NominationRef, inp: SupplementAnswerInput, *, release: AsyncSession | None
    ) -> NominationView:
        return await self._nomination_update(ref, NominationWorkflow.answer_supplement, inp, release)

    async def _nomination_update(
        self,
        ref: NominationRef,
        update: UpdateMethodMultiParam[[NominationWorkflow, P], NominationView],
        arg: P,
        release: AsyncSession | None,
        update_id: str | None = None,
    ) -> NominationView:
        """`update_id` names the Update when a caller may send it again (a retried activity): Temporal
        answers a repeated id with the first one's result instead of applying it twice."""
        await _released(release)
        handle = self.client.get_workflow_handle_for(NominationWorkflow.run, ref.workflow_id)
        try:
            return await self._accepted_then_result(ref.location, handle, update, arg, update_id)
        except RPCError as exc:
            if "completed" in exc.message:
                raise Problem(409, "Hồ sơ đã kết thúc, không thể xử lý thêm.", code="already_decided") from None
            if exc.status == RPCStatusCode.NOT_FOUND:
                raise await self._why_not_found(ref) from None
            raise

    async def _why_not_found(self, ref: NominationRef) -> Problem:
        """An Update found no running workflow: it ended (409), or it has not started yet (503; it will,
        see nomination_start.py)."""
        try:
            await self.client.get_workflow_handle(ref.workflow_id).describe(rpc_timeout=self.deadline)
        except RPCError as exc:
            if exc.status == RPCStatusCode.NOT_FOUND:
                return unavailable(
                    "Quy trình xét duyệt của hồ sơ đang được khởi động; vui lòng thử lại sau giây lát.",
                    code="workflow_not_started",
                )
            return unavailable()
        return Problem(409, "Hồ sơ đã kết thúc, không thể xử lý thêm.", code="already_decided")

    async def _accepted_then_result(
        self,
        location: str,
        handle: WorkflowHandle[Any, Any],
        update: Any,
        arg: Any,
        update_id: str | None = None,
    ) -> R:
        """Send the Update and wait for its result in ONE call to Temporal, within one deadline.

        Refused by the validator: the refusal's problem. When the deadline passes, Temporal is asked
        whether it had accepted the Update: not accepted (Temporal or the worker down) is 503 and
        nothing was recorded; accepted but not finished (its step is still being recorded, e.g.
        PostgreSQL is down) is `StillRunning`, which the API answers with 202 and the nomination to
        look at, since the action will take effect. (Waiting first for "accepted", then for the
        result, cost a second request to Temporal for every human step.)
        """
        update_id = update_id or str(uuid.uuid4())
        try:
            async with asyncio.timeout(self.deadline.total_seconds()):
                update_handle = await handle.start_update(
                    update, arg, id=update_id, wait_for_stage=WorkflowUpdateStage.COMPLETED, rpc_timeout=self.deadline
                )
                return cast(R, await update_handle.result(rpc_timeout=self.deadline))
        except TEMPORAL_FAILURES as exc:
            late: Exception = unavailable()
            if _is_late(exc) and await self._accepted(handle.id, update_id):
                late = StillRunning(location)
            translated = _translated(exc, late=late)
            if translated is exc:
                raise
            raise translated from None

    async def _accepted(self, workflow_id: str, update_id: str) -> bool:
        """Whether Temporal accepted the Update (its validator passed), asked briefly after a deadline."""
        request = PollWorkflowExecutionUpdateRequest(
            namespace=self.client.namespace,
            update_ref=UpdateRef(workflow_execution=WorkflowExecution(workflow_id=workflow_id), update_id=update_id),
            identity=self.client.identity,
            wait_policy=WaitPolicy(
                lifecycle_stage=UpdateWorkflowExecutionLifecycleStage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ACCEPTED
            ),
        )
        try:
            response = await self.client.workflow_service.poll_workflow_execution_update(
                request, timeout=ACCEPTED_CHECK
            )
        except RPCError:
            return False  # unknown to Temporal, not accepted yet, or Temporal unreachable
        return bool(
            response.stage >= UpdateWorkflowExecutionLifecycleStage.UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ACCEPTED
        )

    # ---- council sessions ---------------------------------------------------------------------

    async def start_council_session(self, ref: CouncilSessionRef, inp: CouncilSessionInput) -> None:
        """Start applying a session's results unless its workflow runs or ran (then nothing happens);
        one that failed or was terminated starts again and skips what it had applied."""
        try:
            await self._bounded(
                self.client.start_workflow(
                    CouncilSessionWorkflow.run,
                    inp,
                    id=ref.workflow_id,
                    task_queue=self.task_queue,
                    id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
                    id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                    rpc_timeout=self.deadline,
                )
            )
        except WorkflowAlreadyStartedError:
            pass

    # ---- plans --------------------------------------------------------------------------------

    async def amend_plan(self, ref: PlanRef, amendment: PlanAmendment, *, release: AsyncSession | None) -> PlanView:
        await _released(release)
        handle = self.client.get_workflow_handle_for(PlanWorkflow.run, ref.workflow_id)
        try:
            return await self._accepted_then_result(ref.location, handle, PlanWorkflow.amend, amendment)
        except RPCError as exc:
            if exc.status == RPCStatusCode.NOT_FOUND:
                raise Problem(409, "Kế hoạch chưa được khởi chạy hoặc đã kết thúc.", code="plan_not_running") from None
            raise

    async def ensure_plan(self, ref: PlanRef, inp: PlanInput, reload: PlanAmendment) -> str:
        """Start a plan's workflow unless it runs; bring a running one up to `inp.version`.

        Answers "started", "updated", "running" or "finished" (ran to its end: never started again).
        """
        handle: WorkflowHandle[Any, Any] = self.client.get_workflow_handle(ref.workflow_id)
        try:
            described = await handle.describe(rpc_timeout=self.deadline)
            running = described.status == WorkflowExecutionStatus.RUNNING
        except RPCError:
            described, running = None, False
        if running and described is not None:
            # The memo carries the running definition's version: no worker is needed to read it, nor
            # to deliver the signal (`thidua plans start` may run before any worker polls).
            running_version = await described.memo_value("version", 0)
            if int(running_version) < inp.version:
                await handle.signal(PlanWorkflow.reload, reload, rpc_timeout=self.deadline)
                return "updated"
            return "running"
        try:
            await self.client.start_workflow(
                PlanWorkflow.run,
                inp,
                id=ref.workflow_id,
                memo={"version": inp.version},
                search_attributes=TypedSearchAttributes(search_attributes.plan_attributes(inp.plan_id)),
                task_queue=self.task_queue,
                # A plan that failed or was terminated starts again; one that ran to its end does not.
                id_reuse_policy=WorkflowIDReusePolicy.ALLOW_DUPLICATE_FAILED_ONLY,
                id_conflict_policy=WorkflowIDConflictPolicy.USE_EXISTING,
                rpc_timeout=self.deadline,
            )
        except WorkflowAlreadyStartedError:
            return "finished"
        return "started"

    async def ensure_mailer(self, task_queue: str, poll_seconds: int) -> None:
        """Start the notification mailer unless it runs already (one per deployment)."""
        try:
            await self._bounded(
                self.client.start_workflow(
                    MailerWorkflow.run,
                    MailerInput(poll_seconds=poll_seconds),
                    id=MAILER_WORKFLOW_ID,
                    task_queue=task_queue,
                )
            )
        except WorkflowAlreadyStartedError:
            pass

    # ---- where workflows stand ----------------------------------------------------------------

    async def workflow_statuses(self, workflow_ids: list[str], *, concurrency: int = 8) -> dict[str, str]:
        """The execution status of each workflow's latest run, in lower case ("running", "completed",
        "failed", "canceled", "terminated", "continued_as_new", "timed_out"), or "not_found"; one
        describe per workflow, a few at a time, all within one deadline (503 past it)."""
        limit = asyncio.Semaphore(concurrency)

        async def one(workflow_id: str) -> tuple[str, str]:
            async with limit:
                try:
                    described = await self.client.get_workflow_handle(workflow_id).describe(rpc_timeout=self.deadline)
                except RPCError as exc:
                    if exc.status == RPCStatusCode.NOT_FOUND:
                        return workflow_id, "not_found"
                    raise
            status = described.status
            return workflow_id, status.name.lower() if status is not None else "unknown"

        pairs = await self._bounded(asyncio.gather(*(one(w) for w in workflow_ids)))
        return dict(pairs)

    # ---- histories and health -----------------------------------------------------------------

    async def history_events(self, workflow_id: str) -> list[HistoryEvent]:
        """Every event of a workflow's history (all runs' chain is followed by the SDK); [] past retention."""
        events: list[HistoryEvent] = []
        try:
            async with asyncio.timeout(self.deadline.total_seconds()):
                async for event in self.client.get_workflow_handle(workflow_id).fetch_history_events(
                    rpc_timeout=self.deadline
                ):
                    events.append(event)
        except RPCError as exc:
            if exc.status in (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED):
                raise unavailable() from None
            return []  # history past its retention: the audit rows remain
        except TimeoutError:
            raise unavailable() from None
        return events

    async def history_runs(self, workflow_id: str, *, max_runs: int = 12) -> list[tuple[str, list[HistoryEvent]]]:
        """The events of a workflow's runs, oldest first, each with its run id: the chain of
        continue-as-new followed back from the current run, at most `max_runs` runs, within one
        deadline; a run past its retention ends the chain ([] when none is left)."""
        runs: list[tuple[str, list[HistoryEvent]]] = []
        run_id: str | None = None
        try:
            async with asyncio.timeout(self.deadline.total_seconds()):
                for _ in range(max_runs):
                    handle = self.client.get_workflow_handle(workflow_id, run_id=run_id)
                    events = [e async for e in handle.fetch_history_events(rpc_timeout=self.deadline)]
                    if not events:
                        break
                    started = events[0].workflow_execution_started_event_attributes
                    runs.append((run_id or started.original_execution_run_id, events))
                    run_id = started.continued_execution_run_id or None
                    if run_id is None:
                        break
        except RPCError as exc:
            if exc.status in (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED):
                raise unavailable() from None
        except TimeoutError:
            raise unavailable() from None
        runs.reverse()
        return runs

    async def check_health(self) -> None:
        await self._bounded(self.client.service_client.check_health(timeout=self.deadline))

    async def missing_search_attributes(self) -> list[str]:
        """The attributes of workflows/search_attributes.py that the namespace lacks or has with another
        type: without them no nomination can start (the worker says so when it starts)."""
        answer = await self._bounded(
            self.client.operator_service.list_search_attributes(
                ListSearchAttributesRequest(namespace=self.client.namespace), timeout=self.deadline
            )
        )
        registered = {**answer.system_attributes, **answer.custom_attributes}
        return [key.name for key in search_attributes.ALL if registered.get(key.name) != key.indexed_value_type]

    # ---- one place for deadlines and refusals -----------------------------------------------------

    async def _bounded(self, call: Awaitable[R]) -> R:
        try:
            async with asyncio.timeout(self.deadline.total_seconds()):
                return await call
        except TEMPORAL_FAILURES as exc:
            translated = _translated(exc, late=unavailable())
            if translated is exc:
                raise
            raise translated from None


TEMPORAL_FAILURES = (TimeoutError, WorkflowUpdateRPCTimeoutOrCancelledError, WorkflowUpdateFailedError, RPCError)


def _is_late(exc: BaseException) -> bool:
    """A deadline passed or Temporal could not be reached: `_translated` turns it into `late`."""
    if isinstance(exc, TimeoutError | WorkflowUpdateRPCTimeoutOrCancelledError):
        return True
    return isinstance(exc, RPCError) and exc.status in (RPCStatusCode.UNAVAILABLE, RPCStatusCode.DEADLINE_EXCEEDED)


def _translated(exc: BaseException, *, late: Exception) -> BaseException:
    """One table for what Temporal answers: a validator's refusal becomes its problem; too late or
    unreachable becomes `late` (503 before an Update was accepted, 202 after); anything else stays."""
    if _is_late(exc):
        log.warning("temporal call exceeded its deadline or Temporal is unreachable")
        return late
    if isinstance(exc, WorkflowUpdateFailedError):
        cause = exc.cause
        if isinstance(cause, ApplicationError) and cause.type in REFUSAL_STATUS:
            return Problem(REFUSAL_STATUS[cause.type], cause.message, code=cause.type)
        return exc
    return exc
