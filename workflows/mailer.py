"""MailerWorkflow: e-mails notifications to the people who asked for them, apart from every
nomination and plan workflow (a slow or failing mail server never holds one up).

One per deployment (id `notification-mailer`): it runs the `deliver_notifications` activity, sleeps,
and does it again; the activity chooses what to send (each notification at once, or the daily digest)
and records what it sent, so a retried round sends nothing twice. Continues as new every few hundred
rounds so that its history stays short.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

DELIVER_NOTIFICATIONS = "deliver_notifications"
MAILER_WORKFLOW_ID = "notification-mailer"
ROUNDS_PER_RUN = 300


@dataclass
class MailerInput:
    poll_seconds: int = 60


@workflow.defn(name="MailerWorkflow")
class MailerWorkflow:
    @workflow.run
    async def run(self, inp: MailerInput) -> None:
        for _ in range(ROUNDS_PER_RUN):
            try:
                await workflow.execute_activity(
                    DELIVER_NOTIFICATIONS,
                    start_to_close_timeout=timedelta(minutes=5),
                    retry_policy=RetryPolicy(
                        initial_interval=timedelta(seconds=10),
                        backoff_coefficient=2.0,
                        maximum_interval=timedelta(minutes=5),
                        maximum_attempts=5,
                    ),
                )
            except ActivityError:
                workflow.logger.warning("notification e-mail round failed after its retries; next round later")
            await workflow.sleep(timedelta(seconds=inp.poll_seconds))
        workflow.continue_as_new(inp)
