"""PlanWorkflow: one plan (Kế hoạch) from its start to the end of its period.

Every year it asks an activity for the year's instants (report tasks opening, reminders, the due
instant, milestone windows opening and closing), sleeps until each and runs it as one activity:
the fan-out over thousands of reporting units is bulk SQL there, never events in this history.
It continues-as-new at the end of every year. An administrator's amendment (an Update) replaces
the definition and applies from the next event on.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from workflows.contracts import Actor, Grant  # noqa: F401  (types inside PlanAmendment)
    from workflows.plan_contracts import (
        PLAN_EVENT,
        PLAN_SCHEDULE,
        RECORD_PLAN_VERSION,
        PlanAmendment,
        PlanEventInput,
        PlanEventResult,
        PlanInput,
        PlannedEvent,
        PlanVersionInput,
        PlanView,
        ScheduleInput,
    )
    from workflows.timers import sleep_until

# Vietnam has had no daylight saving time since 1975: a fixed offset is exact.
VN = timezone(timedelta(hours=7))
SCHEDULE_TIMEOUT = timedelta(seconds=30)
# A deadline over thousands of units is a few bulk statements; allow for a slow database.
EVENT_TIMEOUT = timedelta(minutes=5)
ACTIVITY_RETRY = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=1))


class RefusedAmendment(ApplicationError):
    def __init__(self, message: str, code: str) -> None:
        super().__init__(message, type=code, non_retryable=True)


@workflow.defn
class PlanWorkflow:
    def __init__(self) -> None:
        self._input: PlanInput | None = None
        self._definition: dict = {}
        self._version = 0
        self._year = 0
        self._done: list[str] = []
        self._skip_before: datetime | None = None
        self._amended = False
        self._amending = False
        self._next: PlannedEvent | None = None

    # ---- queries and updates ------------------------------------------------------------------

    @workflow.query
    def view(self) -> PlanView:
        return PlanView(
            plan_id=self._input.plan_id if self._input else "",
            version=self._version,
            year=self._year,
            next_event=self._next.key if self._next else None,
            next_at=self._next.at if self._next else None,
            done=len(self._done),
        )

    @workflow.update
    async def amend(self, amendment: PlanAmendment) -> PlanView:
        self._check_amendment(amendment)
        self._amending = True
        try:
            assert self._input is not None
            await workflow.execute_activity(
                RECORD_PLAN_VERSION,
                PlanVersionInput(
                    plan_id=self._input.plan_id,
                    definition=amendment.definition,
                    version=amendment.version,
                    actor=amendment.actor,
                    at=self._now(),
                    reason=amendment.reason,
                ),
                start_to_close_timeout=SCHEDULE_TIMEOUT,
                retry_policy=ACTIVITY_RETRY,
            )
            self._apply(amendment.definition, amendment.version)
        finally:
            self._amending = False
        return self.view()

    @workflow.signal
    def reload(self, amendment: PlanAmendment) -> None:
        """The plan file changed and the seed already wrote the new version: apply it (needs no worker to send)."""
        if amendment.version > self._version and not self._amending:
            self._apply(amendment.definition, amendment.version)

    def _apply(self, definition: dict, version: int) -> None:
        self._definition = definition
        self._version = version
        workflow.upsert_memo({"version": version})
        # The change applies from the next event on: nothing already past is run again or late,
        # except that report tasks whose due instant is still ahead are opened again (an upsert):
        # a unit added to the plan gets its task, and open tasks take the new due instant.
        self._skip_before = self._now()
        self._done = [key for key in self._done if not key.endswith(":open_tasks")]
        self._amended = True

    @amend.validator
    def _validate_amend(self, amendment: PlanAmendment) -> None:
        self._check_amendment(amendment)

    def _check_amendment(self, amendment: PlanAmendment) -> None:
        if self._amending:
            raise RefusedAmendment("Kế hoạch đang được cập nhật; vui lòng thử lại sau giây lát.", "busy")
        if amendment.version != self._version + 1:
            raise RefusedAmendment(
                f"Phiên bản {amendment.version} không phải phiên bản kế tiếp của kế hoạch (hiện tại {self._version}).",
                "stale_version",
            )

    # ---- the run loop ---------------------------------------------------------------------------

    @workflow.run
    async def run(self, inp: PlanInput) -> PlanView:
        self._input = inp
        self._definition = inp.definition
        self._version = inp.version
        if workflow.memo_value("version", None) != inp.version:
            workflow.upsert_memo({"version": inp.version})
        self._done = list(inp.done)
        self._skip_before = inp.skip_before if inp.skip_before is not None else self._now()
        period = self._definition["period"]
        self._year = inp.year if inp.year is not None else max(self._now().astimezone(VN).year, period["start"])

        while self._year <= int(self._definition["period"]["end"]):
            finished = await self._run_year()
            if not finished:  # a preview reached its end
                break
            await workflow.wait_condition(workflow.all_handlers_finished)
            if self._year + 1 > int(self._definition["period"]["end"]):
                self._year += 1
                break
            workflow.continue_as_new(self._carry_over(self._year + 1, []))

        await workflow.wait_condition(workflow.all_handlers_finished)
        self._next = None
        return self.view()

    async def _run_year(self) -> bool:
        """Run the remaining events of the year; False when a preview's end comes first."""
        events = await self._schedule()
        index = 0
        while index < len(events):
            event = events[index]
            if event.key in self._done or self._skipped(event):
                index += 1
                continue
            assert self._input is not None
            if self._input.until is not None and event.at >= self._input.until:
                return False
            self._next = event
            if not await self._sleep_until(event.at):
                # Amended while waiting: recompute what is left of the year under the new definition.
                events, index = await self._schedule(), 0
                continue
            await workflow.execute_activity(
                PLAN_EVENT,
                PlanEventInput(
                    plan_id=self._input.plan_id,
                    definition=self._definition,
                    version=self._version,
                    event=event,
                    fired_at=self._now(),
                ),
                start_to_close_timeout=EVENT_TIMEOUT,
                retry_policy=ACTIVITY_RETRY,
                result_type=PlanEventResult,
            )
            self._done.append(event.key)
            index += 1
            if self._amended:
                events, index = await self._schedule(), 0
            elif self._history_is_long():
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(self._carry_over(self._year, self._done))
        self._next = None
        return True

    async def _schedule(self) -> list[PlannedEvent]:
        self._amended = False
        return await workflow.execute_activity(
            PLAN_SCHEDULE,
            ScheduleInput(definition=self._definition, year=self._year),
            start_to_close_timeout=SCHEDULE_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
            result_type=list[PlannedEvent],
        )

    def _skipped(self, event: PlannedEvent) -> bool:
        if self._skip_before is None or event.at >= self._skip_before:
            return False
        return event.catch_up_until is None or event.catch_up_until <= self._skip_before

    async def _sleep_until(self, at: datetime) -> bool:
        """Wait for the instant; False if an amendment arrived first, or in the same workflow task as the timer."""
        return await sleep_until(at, lambda: self._amended, now=self._now) and not self._amended

    # ---- helpers --------------------------------------------------------------------------------

    def _now(self) -> datetime:
        shift = self._input.clock_shift_seconds if self._input else 0.0
        return workflow.now() + timedelta(seconds=shift)

    def _history_is_long(self) -> bool:
        assert self._input is not None
        info = workflow.info()
        return info.is_continue_as_new_suggested() or info.get_current_history_length() > self._input.history_limit

    def _carry_over(self, year: int, done: list[str]) -> PlanInput:
        assert self._input is not None
        return PlanInput(
            plan_id=self._input.plan_id,
            definition=self._definition,
            version=self._version,
            year=year,
            done=list(done),
            skip_before=self._skip_before,
            clock_shift_seconds=self._input.clock_shift_seconds,
            until=self._input.until,
            history_limit=self._input.history_limit,
        )
