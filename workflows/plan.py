"""PlanWorkflow: one plan (Kế hoạch) from its start to the end of its period.

Every year it asks an activity for the year's instants (report tasks opening, reminders, the due
instant, milestone windows opening and closing), sleeps until each and runs it as one activity:
the fan-out over thousands of reporting units is bulk SQL there, never events in this history.
It continues-as-new at the end of every year. An administrator's amendment (an Update) replaces
the definition and applies from the next event on.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta, timezone

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from workflows.contracts import PROGRAMMING_ERRORS, Actor, Grant  # noqa: F401  (Actor, Grant: types inside PlanAmendment)
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
ACTIVITY_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    maximum_interval=timedelta(minutes=1),
    non_retryable_error_types=PROGRAMMING_ERRORS,
)


class RefusedAmendment(ApplicationError):
    def __init__(self, message: str, code: str) -> None:
        super().__init__(message, type=code, non_retryable=True)


@workflow.defn
class PlanWorkflow:
    @workflow.init
    def __init__(self, inp: PlanInput) -> None:
        self._start_from(inp)
        self._amended = False
        self._amending = False
        self._next: PlannedEvent | None = None

    # ---- queries and updates ------------------------------------------------------------------

    @workflow.query
    def view(self) -> PlanView:
        return PlanView(
            plan_id=self._plan.plan_id,
            version=self._plan.version,
            year=self._year,
            next_event=self._next.key if self._next else None,
            next_at=self._next.at if self._next else None,
            done=len(self._plan.done),
        )

    @workflow.update
    async def amend(self, amendment: PlanAmendment) -> PlanView:
        self._check_amendment(amendment)
        self._amending = True
        try:
            await workflow.execute_activity(
                RECORD_PLAN_VERSION,
                PlanVersionInput(
                    plan_id=self._plan.plan_id,
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
        if amendment.version > self._plan.version and not self._amending:
            self._apply(amendment.definition, amendment.version)

    def _apply(self, definition: dict, version: int) -> None:
        self._plan.definition = definition
        self._plan.version = version
        workflow.upsert_memo({"version": version})
        # The change applies from the next event on: nothing already past is run again or late,
        # except that report tasks whose due instant is still ahead are opened again (an upsert):
        # a unit added to the plan gets its task, and open tasks take the new due instant.
        self._plan.skip_before = self._now()
        self._plan.done = [key for key in self._plan.done if not key.endswith(":open_tasks")]
        self._amended = True

    @amend.validator
    def _validate_amend(self, amendment: PlanAmendment) -> None:
        self._check_amendment(amendment)

    def _check_amendment(self, amendment: PlanAmendment) -> None:
        if self._amending:
            raise RefusedAmendment("Kế hoạch đang được cập nhật; vui lòng thử lại sau giây lát.", "busy")
        if amendment.version != self._plan.version + 1:
            raise RefusedAmendment(
                f"Phiên bản {amendment.version} không phải phiên bản kế tiếp của kế hoạch (hiện tại {self._plan.version}).",
                "stale_version",
            )

    # ---- the run loop ---------------------------------------------------------------------------

    @workflow.run
    async def run(self, inp: PlanInput) -> PlanView:
        # As before `@workflow.init`, the run starts from its input: a `reload` signal delivered
        # with the start has already run (its memo upsert is in the history) and is dropped here.
        # The memo goes back to the input's version below, so the seed sends the signal again.
        # Keeping the signal's definition would change what such a run does and replays.
        self._start_from(inp)
        if workflow.memo_value("version", None) != inp.version:
            workflow.upsert_memo({"version": inp.version})

        while self._year <= int(self._plan.definition["period"]["end"]):
            finished = await self._run_year()
            if not finished:  # a preview reached its end
                break
            await workflow.wait_condition(workflow.all_handlers_finished)
            if self._year + 1 > int(self._plan.definition["period"]["end"]):
                self._plan.year = self._year + 1
                break
            workflow.continue_as_new(replace(self._plan, year=self._year + 1, done=[]))

        await workflow.wait_condition(workflow.all_handlers_finished)
        self._next = None
        return self.view()

    async def _run_year(self) -> bool:
        """Run the remaining events of the year; False when a preview's end comes first."""
        events = await self._schedule()
        index = 0
        while index < len(events):
            event = events[index]
            if event.key in self._plan.done or self._skipped(event):
                index += 1
                continue
            if self._plan.until is not None and event.at >= self._plan.until:
                return False
            self._next = event
            if not await self._sleep_until(event.at):
                # Amended while waiting: recompute what is left of the year under the new definition.
                events, index = await self._schedule(), 0
                continue
            await workflow.execute_activity(
                PLAN_EVENT,
                PlanEventInput(
                    plan_id=self._plan.plan_id,
                    definition=self._plan.definition,
                    version=self._plan.version,
                    event=event,
                    fired_at=self._now(),
                ),
                start_to_close_timeout=EVENT_TIMEOUT,
                retry_policy=ACTIVITY_RETRY,
                result_type=PlanEventResult,
            )
            self._plan.done.append(event.key)
            index += 1
            if self._amended:
                events, index = await self._schedule(), 0
            elif self._history_is_long():
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(self._plan)
        self._next = None
        return True

    async def _schedule(self) -> list[PlannedEvent]:
        self._amended = False
        return await workflow.execute_activity(
            PLAN_SCHEDULE,
            ScheduleInput(definition=self._plan.definition, year=self._year),
            start_to_close_timeout=SCHEDULE_TIMEOUT,
            retry_policy=ACTIVITY_RETRY,
            result_type=list[PlannedEvent],
        )

    def _skipped(self, event: PlannedEvent) -> bool:
        skip_before = self._plan.skip_before
        if skip_before is None or event.at >= skip_before:
            return False
        return event.catch_up_until is None or event.catch_up_until <= skip_before

    async def _sleep_until(self, at: datetime) -> bool:
        """Wait for the instant; False if an amendment arrived first, or in the same workflow task as the timer."""
        return await sleep_until(at, lambda: self._amended, now=self._now) and not self._amended

    # ---- helpers --------------------------------------------------------------------------------

    def _start_from(self, inp: PlanInput) -> None:
        # The input is also the plan's state, carried over whole by continue-as-new: the definition
        # in force and its version, the year being run and its events handled, the catch-up instant.
        # A copy, so that the input stays as it came (see `run`).
        self._plan = replace(inp, done=list(inp.done))
        if self._plan.skip_before is None:
            self._plan.skip_before = self._now()
        if self._plan.year is None:  # a first run: the year of the start instant
            self._plan.year = max(self._now().astimezone(VN).year, inp.definition["period"]["start"])

    @property
    def _year(self) -> int:
        assert self._plan.year is not None  # set by _start_from
        return self._plan.year

    def _now(self) -> datetime:
        return workflow.now() + timedelta(seconds=self._plan.clock_shift_seconds)

    def _history_is_long(self) -> bool:
        info = workflow.info()
        return info.is_continue_as_new_suggested() or info.get_current_history_length() > self._plan.history_limit
