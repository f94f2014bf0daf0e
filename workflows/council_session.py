"""CouncilSessionWorkflow: applies a council session's results to its nominations, durably.

A council decides a list in one meeting (phiên họp). The secretary records attendance and each
nominee's result once; this workflow then applies them one nominee at a time (a few in flight),
each through the `apply_council_result` activity, which sends that nomination's own Update (its
validator and the catalogue's quorum and threshold still decide). A worker that dies after 37 of
80 resumes from the history at the 38th: an applied result is never applied twice, because the
activity keys the Update by (session, nomination) and records what it applied in the same row it
checks first. Then `close_council_session` marks the session closed.

Deterministic: no I/O here; the results themselves are read by the activity from the session's
rows, so the history carries only ids and outcomes.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

from workflows.contracts import PROGRAMMING_ERRORS

APPLY_COUNCIL_RESULT = "apply_council_result"
CLOSE_COUNCIL_SESSION = "close_council_session"
# Applying waits for the nomination's own step to be projected, a few seconds at most; a Temporal
# or database outage is retried, with no limit on attempts, until the result is applied.
APPLY_TIMEOUT = timedelta(minutes=2)
# The activity heartbeats while it waits for the nomination: a worker that died is noticed in
# seconds, and its result sent again by another worker, instead of after APPLY_TIMEOUT.
APPLY_HEARTBEAT = timedelta(seconds=10)
APPLY_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1),
    maximum_interval=timedelta(seconds=30),
    non_retryable_error_types=PROGRAMMING_ERRORS,
)


def council_session_workflow_id(session_id: str) -> str:
    return f"council-session-{session_id}"


@dataclass
class CouncilSessionInput:
    session_id: str
    # In the order of the session's list (the minutes' order).
    nomination_ids: list[str]
    # How many nominees are applied at once: each is its own workflow, so they do not wait on each other.
    parallel: int = 8


@dataclass
class ApplyResultInput:
    session_id: str
    nomination_id: str


@dataclass
class AppliedResult:
    nomination_id: str
    # passed | failed (the tally did not reach the threshold) | refused (the nomination could not
    # take it, e.g. withdrawn meanwhile), with the reason.
    outcome: str
    detail: str | None = None


@dataclass
class CouncilSessionProgress:
    applied: int
    total: int
    outcomes: dict[str, int] = field(default_factory=dict)


@workflow.defn(name="CouncilSessionWorkflow")
class CouncilSessionWorkflow:
    @workflow.init
    def __init__(self, inp: CouncilSessionInput) -> None:
        self._total = len(inp.nomination_ids)
        self._results: list[AppliedResult] = []

    @workflow.query
    def progress(self) -> CouncilSessionProgress:
        outcomes: dict[str, int] = {}
        for r in self._results:
            outcomes[r.outcome] = outcomes.get(r.outcome, 0) + 1
        return CouncilSessionProgress(applied=len(self._results), total=self._total, outcomes=outcomes)

    @workflow.run
    async def run(self, inp: CouncilSessionInput) -> CouncilSessionProgress:
        width = max(1, inp.parallel)
        for start in range(0, len(inp.nomination_ids), width):
            batch = inp.nomination_ids[start : start + width]
            done = await asyncio.gather(
                *(
                    workflow.execute_activity(
                        APPLY_COUNCIL_RESULT,
                        ApplyResultInput(session_id=inp.session_id, nomination_id=nomination_id),
                        start_to_close_timeout=APPLY_TIMEOUT,
                        heartbeat_timeout=APPLY_HEARTBEAT,
                        retry_policy=APPLY_RETRY,
                        result_type=AppliedResult,
                    )
                    for nomination_id in batch
                )
            )
            self._results.extend(done)
        await workflow.execute_activity(
            CLOSE_COUNCIL_SESSION,
            inp.session_id,
            start_to_close_timeout=timedelta(seconds=30),
            retry_policy=APPLY_RETRY,
        )
        return self.progress()
