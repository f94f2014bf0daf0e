"""A nomination's history: audit rows and notifications, with the workflow's own events from Temporal."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent

from models.rules.notices import ESCALATION, REMINDER
from models.tables import AuditEntry, Nomination, Notification, Task
from service.api.schemas.nominations import HistoryItem
from service.temporal.gateway import TemporalGateway

_WORKFLOW_EVENTS = {
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED: "workflow_started",
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW: "continued_as_new",
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED: "workflow_completed",
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED: "workflow_failed",
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED: "workflow_terminated",
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED: "workflow_canceled",
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT: "workflow_timed_out",
}
# Operational detail only administrators see.
_SYSTEM_EVENTS = {
    EventType.EVENT_TYPE_TIMER_FIRED: "timer_fired",
    EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED: "activity_failed",
    EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT: "activity_timed_out",
    EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED: "workflow_task_failed",
}


def workflow_items(events: list[HistoryEvent], include_system: bool) -> list[tuple[str, HistoryItem]]:
    """The workflow's own events worth a line of the history, each with its match key `event:<id>`."""
    wanted = {**_WORKFLOW_EVENTS, **(_SYSTEM_EVENTS if include_system else {})}
    items: list[tuple[str, HistoryItem]] = []
    for event in events:
        action = wanted.get(event.event_type)
        if action is None:
            continue
        comment = None
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED:
            comment = event.activity_task_failed_event_attributes.failure.message
        elif event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED:
            comment = event.workflow_execution_terminated_event_attributes.reason
        item = HistoryItem(
            at=event.event_time.ToDatetime(tzinfo=UTC), actor=None, action=action, step=None, comment=comment,
            source="workflow",
        )  # fmt: skip
        items.append((f"event:{event.event_id}", item))
    return items


# A council's result: the council's, recorded by its secretary (the audit row's actor).
_COUNCIL_RESULTS = ("approve", "reject")
# Of the notifications, only these say something the audit does not (the others tell of a transition
# the history already shows).
_HISTORY_NOTICES = (REMINDER, ESCALATION)


def _actor(nomination: Nomination, entry: AuditEntry) -> str | None:
    """Who an entry is by: a council's result is the council's, its secretary only recorded it."""
    if entry.action in _COUNCIL_RESULTS and entry.step and entry.step.startswith("council:"):
        step: dict[str, Any] = next((s for s in nomination.route if s.get("key") == entry.step), {})
        council = step.get("unit_name") or step.get("name")
        if council:
            return f"{council} (thư ký {entry.actor_name} ghi nhận)" if entry.actor_name else str(council)
    return entry.actor_name


async def recorded_items(session: AsyncSession, nomination: Nomination) -> list[tuple[str, HistoryItem]]:
    """The audit rows and the reminders of a nomination, each with the key that finds the workflow
    events it came from: `audit:<id>` (the projection's input names it), `notice:<task>:<kind>`."""
    audit = (
        await session.exec(
            select(AuditEntry).where(AuditEntry.nomination_id == nomination.id).order_by(col(AuditEntry.at))
        )
    ).all()
    items = [
        (
            f"audit:{a.id}",
            HistoryItem(
                at=a.at, actor=_actor(nomination, a), action=a.action, step=a.step, comment=a.comment, source="audit"
            ),
        )
        for a in audit
    ]
    notes = (
        await session.exec(
            select(Notification, Task.step)
            .join(Task, col(Task.id) == col(Notification.task_id))
            .where(Notification.nomination_id == nomination.id, col(Notification.kind).in_(_HISTORY_NOTICES))
        )
    ).all()
    items += [
        (
            f"notice:{n.task_id}:{n.kind}",
            HistoryItem(
                at=n.created_at, actor=None, action=n.kind, step=step, comment=n.message, source="notification"
            ),
        )
        for n, step in notes
    ]
    return items


async def build_history(
    session: AsyncSession, gateway: TemporalGateway, nomination: Nomination, *, include_system: bool
) -> list[HistoryItem]:
    items = [item for _, item in await recorded_items(session, nomination)]
    # The audit rows are read first: the session is released before Temporal is asked for the events.
    await session.close()
    items += [item for _, item in workflow_items(await gateway.history_events(nomination.workflow_id), include_system)]
    items.sort(key=lambda i: (i.at, i.source != "workflow"))
    return items
