"""The administrators' view of a workflow: its readable timeline beside the raw events of its history.

The raw events are Temporal's own (`TemporalGateway.history_runs`: the runs of the chain of
continue-as-new, from the current one back to a dozen), each with a short readable line and its
payload decoded where it is JSON. Each entry of the readable timeline names the events it came
from, matched by what both sides record rather than by time alone:

- an audit row written by the projection activity: its id is in that activity's input (`audit`);
- a reminder or an escalation of a nomination: the notification activity's input (task, kind);
- a plan's scheduled event: the plan event activity's input (`event.key`);
- a plan's amendment: the version in the input of the activity that recorded it;
- the workflow's own events (started, completed, a timer...): the event itself.

A matched activity brings the workflow task that scheduled it (with the Update accepted, the timer
fired or the signal received that started that task) and that Update's completion (by Update id).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from google.protobuf.duration_pb2 import Duration
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.api.common.v1 import Payload
from temporalio.api.enums.v1 import EventType
from temporalio.api.history.v1 import HistoryEvent

from models.rules.calendar import VN_TZ
from models.rules.plan_schedule import ScheduledEvent, describe_event
from models.rules.plans import PlanDef
from models.tables import AuditEntry, Nomination
from models.tables.plans import Plan, PlanEvent
from service.api.schemas.nominations import HistoryItem
from service.api.schemas.workflow_events import EventKind, TimelineEntry, WorkflowEventOut, WorkflowEventsOut
from service.queries.history import recorded_items, workflow_items
from service.queries.plans import plan_definition
from service.temporal.gateway import PlanRef, TemporalGateway

# A payload larger than this is not decoded for the page: the Temporal UI shows it whole.
MAX_PAYLOAD_BYTES = 32 * 1024

E = EventType
_WORKFLOW_TASK = (
    E.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
    E.EVENT_TYPE_WORKFLOW_TASK_STARTED,
    E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED,
)
# What can wake a workflow task up, shown with the step it led to.
_TRIGGERS = (E.EVENT_TYPE_TIMER_FIRED, E.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED)
# An activity's later events, by the id of the event that scheduled it.
_ACTIVITY_OUTCOMES: dict[int, Callable[[HistoryEvent], int]] = {
    E.EVENT_TYPE_ACTIVITY_TASK_STARTED: lambda e: e.activity_task_started_event_attributes.scheduled_event_id,
    E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED: lambda e: e.activity_task_completed_event_attributes.scheduled_event_id,
    E.EVENT_TYPE_ACTIVITY_TASK_FAILED: lambda e: e.activity_task_failed_event_attributes.scheduled_event_id,
    E.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT: lambda e: e.activity_task_timed_out_event_attributes.scheduled_event_id,
    E.EVENT_TYPE_ACTIVITY_TASK_CANCELED: lambda e: e.activity_task_canceled_event_attributes.scheduled_event_id,
}


# ---- one event, readable ------------------------------------------------------------------------


def type_name(event_type: int) -> str:
    """ "EVENT_TYPE_ACTIVITY_TASK_SCHEDULED" → "ActivityTaskScheduled", as the Temporal UI names it."""
    name = E.Name(event_type).removeprefix("EVENT_TYPE_")  # type: ignore[arg-type]
    return "".join(part.capitalize() for part in name.split("_"))


def _kind(name: str) -> EventKind:
    if name.startswith("WorkflowTask"):
        return "workflow_task"
    if name.startswith("ActivityTask"):
        return "activity"
    if name.startswith("Timer"):
        return "timer"
    if name.startswith("WorkflowExecutionUpdate"):
        return "update"
    if name == "WorkflowExecutionSignaled":
        return "signal"
    if name == "MarkerRecorded":
        return "marker"
    if name.startswith("WorkflowExecution"):
        return "workflow"
    return "other"


def decode_payload(payload: Payload) -> Any:
    """JSON where the payload is JSON; otherwise (or too large) a line saying what it is."""
    encoding = payload.metadata.get("encoding", b"").decode(errors="replace")
    if encoding == "binary/null":
        return None
    if len(payload.data) > MAX_PAYLOAD_BYTES:
        return f"({len(payload.data):,} byte, quá lớn để hiển thị ở đây; xem trong Temporal UI)".replace(",", ".")
    if encoding == "json/plain":
        try:
            return json.loads(payload.data)
        except ValueError:
            return payload.data.decode(errors="replace")
    return f"({encoding or 'không rõ mã hóa'}, {len(payload.data)} byte)"


def _decoded(payloads: Iterable[Payload]) -> Any:
    values = [decode_payload(p) for p in payloads]
    if not values:
        return None
    return values[0] if len(values) == 1 else values


def _at(event: HistoryEvent) -> datetime:
    return event.event_time.ToDatetime(tzinfo=UTC).astimezone(VN_TZ)


def _duration(d: Duration) -> timedelta:
    return timedelta(seconds=d.seconds, microseconds=d.nanos // 1000)


def _when(at: datetime) -> str:
    return at.astimezone(VN_TZ).strftime("%d/%m/%Y %H:%M")


class _Names:
    """What later events refer to by id: activities by their scheduled event, Updates by their id."""

    def __init__(self) -> None:
        self.activities: dict[int, str] = {}
        self.updates: dict[str, str] = {}


def describe(event: HistoryEvent, names: _Names, run_id: str) -> WorkflowEventOut:
    """One raw event: its id, time (Asia/Ho_Chi_Minh), type, a readable line and its payload."""
    name = type_name(event.event_type)
    summary, details, update_id = "", None, None
    t = event.event_type
    if t == E.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
        a = event.workflow_execution_started_event_attributes
        summary = f"Khởi động {a.workflow_type.name} (hàng đợi {a.task_queue.name})"
        details = _decoded(a.input.payloads)
    elif t == E.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
        summary = "Quy trình kết thúc"
        details = _decoded(event.workflow_execution_completed_event_attributes.result.payloads)
    elif t == E.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED:
        summary = f"Quy trình lỗi: {event.workflow_execution_failed_event_attributes.failure.message}"
    elif t == E.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED:
        summary = (
            f"Quy trình bị dừng: {event.workflow_execution_terminated_event_attributes.reason or 'không ghi lý do'}"
        )
    elif t == E.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW:
        a2 = event.workflow_execution_continued_as_new_event_attributes
        summary = f"Tiếp tục ở lần chạy mới {a2.new_execution_run_id}"
        details = _decoded(a2.input.payloads)
    elif t == E.EVENT_TYPE_WORKFLOW_TASK_FAILED:
        summary = f"Bước xử lý lỗi: {event.workflow_task_failed_event_attributes.failure.message}"
    elif t == E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
        s = event.activity_task_scheduled_event_attributes
        names.activities[event.event_id] = s.activity_type.name
        summary = f"Lên lịch tác vụ {s.activity_type.name} (mã {s.activity_id})"
        details = _decoded(s.input.payloads)
    elif t == E.EVENT_TYPE_ACTIVITY_TASK_STARTED:
        st = event.activity_task_started_event_attributes
        summary = f"Bắt đầu tác vụ {names.activities.get(st.scheduled_event_id, '')} (lần thử {st.attempt})"
    elif t == E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED:
        c = event.activity_task_completed_event_attributes
        summary = f"Tác vụ {names.activities.get(c.scheduled_event_id, '')} xong"
        details = _decoded(c.result.payloads)
    elif t == E.EVENT_TYPE_ACTIVITY_TASK_FAILED:
        f = event.activity_task_failed_event_attributes
        summary = f"Tác vụ {names.activities.get(f.scheduled_event_id, '')} lỗi: {f.failure.message}"
    elif t == E.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT:
        o = event.activity_task_timed_out_event_attributes
        summary = f"Tác vụ {names.activities.get(o.scheduled_event_id, '')} quá thời hạn"
    elif t == E.EVENT_TYPE_TIMER_STARTED:
        ts = event.timer_started_event_attributes
        summary = f"Hẹn giờ {ts.timer_id} đến {_when(_at(event) + _duration(ts.start_to_fire_timeout))}"
    elif t == E.EVENT_TYPE_TIMER_FIRED:
        summary = f"Hẹn giờ {event.timer_fired_event_attributes.timer_id} đến hạn"
    elif t == E.EVENT_TYPE_TIMER_CANCELED:
        summary = f"Hủy hẹn giờ {event.timer_canceled_event_attributes.timer_id}"
    elif t == E.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED:
        sig = event.workflow_execution_signaled_event_attributes
        summary = f"Nhận tín hiệu {sig.signal_name}"
        details = _decoded(sig.input.payloads)
    elif t == E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
        request = event.workflow_execution_update_accepted_event_attributes.accepted_request
        update_id = request.meta.update_id
        names.updates[update_id] = request.input.name
        summary = f"Nhận Update {request.input.name}"
        details = _decoded(request.input.args.payloads)
    elif t == E.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_COMPLETED:
        done = event.workflow_execution_update_completed_event_attributes
        update_id = done.meta.update_id
        if done.outcome.HasField("failure"):
            summary = f"Update {names.updates.get(update_id, '')} bị từ chối: {done.outcome.failure.message}"
        else:
            summary = f"Update {names.updates.get(update_id, '')} xong"
            details = _decoded(done.outcome.success.payloads)
    elif t == E.EVENT_TYPE_MARKER_RECORDED:
        m = event.marker_recorded_event_attributes
        values = {key: _decoded(p.payloads) for key, p in m.details.items()}
        patch = values.get("patch-data")
        local = values.get("data")
        if m.marker_name == "core_patch" and isinstance(patch, dict) and patch.get("id"):
            summary = f"Đánh dấu phiên bản {patch['id']}"
        elif m.marker_name == "core_local_activity" and isinstance(local, dict):
            # A local activity (the projection since v5): its result is kept here, its input is not.
            outcome = "lỗi: " + m.failure.message if m.HasField("failure") else "xong"
            summary = f"Tác vụ cục bộ {local.get('activity_type', '')} (lần thử {local.get('attempt', 1)}) {outcome}"
        else:
            summary = f"Đánh dấu {m.marker_name}"
        details = values or None
    elif t == E.EVENT_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES:
        fields = event.upsert_workflow_search_attributes_event_attributes.search_attributes.indexed_fields
        summary = f"Cập nhật thuộc tính tìm kiếm {', '.join(sorted(fields))}"
        details = {key: decode_payload(p) for key, p in fields.items()}
    elif t == E.EVENT_TYPE_WORKFLOW_PROPERTIES_MODIFIED:
        memo = event.workflow_properties_modified_event_attributes.upserted_memo.fields
        summary = f"Cập nhật memo {', '.join(sorted(memo))}"
        details = {key: decode_payload(p) for key, p in memo.items()}
    return WorkflowEventOut(
        run_id=run_id,
        event_id=event.event_id,
        at=_at(event),
        type=name,
        kind=_kind(name),
        summary=re.sub(r"\s+", " ", summary).strip(),
        update_id=update_id or None,
        details=details,
    )


# ---- which events an entry came from -------------------------------------------------------------


def _input_keys(inp: Any) -> list[str]:
    """The match keys an activity's input carries (see the module's docstring)."""
    if not isinstance(inp, dict):
        return []
    keys = [f"audit:{a['audit_id']}" for a in inp.get("audit") or [] if isinstance(a, dict) and a.get("audit_id")]
    if inp.get("nomination_id") and inp.get("task_id") and inp.get("kind") and "audit" not in inp:
        keys.append(f"notice:{inp['task_id']}:{inp['kind']}")
    event = inp.get("event")
    if inp.get("plan_id") and isinstance(event, dict) and event.get("key"):
        keys.append(f"plan_event:{event['key']}")
    if inp.get("plan_id") and inp.get("actor") and isinstance(inp.get("version"), int) and "event" not in inp:
        keys.append(f"plan_version:{inp['version']}")
    return keys


def _local_result_keys(details: Any) -> list[str]:
    """The match keys of a local activity's marker: the audit rows its result names (v5 projections)."""
    result = details.get("result") if isinstance(details, dict) else None
    if not isinstance(result, dict):
        return []
    return [f"audit:{audit_id}" for audit_id in result.get("audit_ids") or [] if isinstance(audit_id, str)]


def link_events(events: list[HistoryEvent], described: list[WorkflowEventOut]) -> dict[str, list[int]]:
    """Match key → the ids of the raw events it came from."""
    position = {e.event_id: i for i, e in enumerate(events)}
    outcomes: dict[int, list[int]] = {}
    update_events: dict[str, list[int]] = {}
    for event, out in zip(events, described, strict=True):
        scheduled_by = _ACTIVITY_OUTCOMES.get(event.event_type)
        if scheduled_by is not None:
            outcomes.setdefault(scheduled_by(event), []).append(event.event_id)
        if out.update_id:
            update_events.setdefault(out.update_id, []).append(event.event_id)

    def workflow_task_of(index: int) -> set[int]:
        """The workflow task whose commands include events[index], its trigger and its batch."""
        found: set[int] = set()
        start = index
        while start > 0 and events[start - 1].event_type != E.EVENT_TYPE_WORKFLOW_TASK_COMPLETED:
            start -= 1
        end = index
        while end + 1 < len(events) and events[end + 1].event_type != E.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED:
            end += 1
        found |= {events[i].event_id for i in range(start, end + 1)}
        # Back through the task itself (completed, started, scheduled) to what woke it up.
        i = start - 1
        while i >= 0 and events[i].event_type in _WORKFLOW_TASK:
            found.add(events[i].event_id)
            if events[i].event_type == E.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED:
                break
            i -= 1
        i -= 1
        while i >= 0 and events[i].event_type in _TRIGGERS:
            found.add(events[i].event_id)
            i -= 1
        for j in range(start, end + 1):
            update_id = described[j].update_id
            if update_id:
                found |= set(update_events.get(update_id, []))
        return found

    links: dict[str, list[int]] = {}
    for event, out in zip(events, described, strict=True):
        if event.event_type == E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            keys = _input_keys(out.details)
        elif event.event_type == E.EVENT_TYPE_MARKER_RECORDED:
            keys = _local_result_keys(out.details)
        else:
            continue
        if not keys:
            continue
        ids = workflow_task_of(position[event.event_id]) | {event.event_id, *outcomes.get(event.event_id, [])}
        for key in keys:
            links[key] = sorted(set(links.get(key, [])) | ids)
    return links


def assemble(
    workflow_id: str, entries: list[tuple[str, HistoryItem | TimelineEntry]], runs: list[tuple[str, list[HistoryEvent]]]
) -> WorkflowEventsOut:
    """The timeline (its entries with their match keys, and the workflow's own events of every run)
    and the raw events of every run, linked."""
    described: list[WorkflowEventOut] = []
    links: dict[str, tuple[str, list[int]]] = {}
    entries = list(entries)
    for run_id, events in runs:
        names = _Names()
        run = [describe(e, names, run_id) for e in events]
        described += run
        for key, ids in link_events(events, run).items():
            links[key] = (run_id, ids)
        for key, own in workflow_items(events, True):
            links[f"{run_id}/{key}"] = (run_id, [int(key.removeprefix("event:"))])
            entries.append((f"{run_id}/{key}", own))
    timeline = []
    for key, item in entries:
        in_run, ids = links.get(key, (None, []))
        timeline.append(TimelineEntry(**{**item.model_dump(), "run_id": in_run, "event_ids": ids}))
    timeline.sort(key=lambda i: (i.at, i.source != "workflow"))
    return WorkflowEventsOut(
        workflow_id=workflow_id, runs=[run_id for run_id, _ in runs], timeline=timeline, events=described
    )


# ---- a nomination, a plan --------------------------------------------------------------------------


async def nomination_workflow_events(
    session: AsyncSession, gateway: TemporalGateway, nomination: Nomination
) -> WorkflowEventsOut:
    entries: list[tuple[str, HistoryItem | TimelineEntry]] = [*await recorded_items(session, nomination)]
    # The database rows are read first: the session is released before Temporal is asked.
    await session.close()
    return assemble(nomination.workflow_id, entries, await gateway.history_runs(nomination.workflow_id))


def _plan_line(plan: PlanDef, row: PlanEvent) -> str:
    """What the event was (as the calendar says it) and what it did (its activity's summary)."""
    try:
        what = describe_event(
            plan, ScheduledEvent(key=row.key, kind=row.kind, subject=row.subject, at=row.scheduled_at)
        )
    except StopIteration:  # a stream or milestone since removed by an amendment
        what = f"{row.kind} – {row.subject}"
    s = row.summary or {}
    done = {
        "open_tasks": f"{s.get('units')} đơn vị phải báo cáo" if "units" in s else None,
        "reminder": f"đã nhắc {s.get('reminded')} đơn vị" if "reminded" in s else None,
        "due": f"{s.get('submitted')}/{s.get('total')} đơn vị đã báo cáo, {s.get('overdue')} quá hạn"
        if "total" in s
        else None,
        "window_close": f"{s.get('nominations_total')} hồ sơ" if "nominations_total" in s else None,
    }.get(row.kind)
    runs = f" (chạy {row.runs} lần)" if row.runs > 1 else ""
    return f"{what}{': ' + done if done else ''}{runs}"


async def plan_workflow_events(session: AsyncSession, gateway: TemporalGateway, plan: Plan) -> WorkflowEventsOut:
    """The plan's timeline: the scheduled events it ran and its amendments, beside its raw events."""
    definition = plan_definition(plan)
    rows = (
        await session.exec(select(PlanEvent).where(PlanEvent.plan_id == plan.id).order_by(col(PlanEvent.fired_at)))
    ).all()
    entries: list[tuple[str, HistoryItem | TimelineEntry]] = [
        (
            f"plan_event:{r.key}",
            TimelineEntry(
                at=r.fired_at,
                actor=None,
                action=r.kind,
                step=r.subject,
                comment=_plan_line(definition, r),
                source="plan",
            ),
        )
        for r in rows
    ]
    amendments = (
        await session.exec(
            select(AuditEntry)
            .where(AuditEntry.subject_type == "plan", AuditEntry.subject_id == plan.id)
            .order_by(col(AuditEntry.at))
        )
    ).all()
    entries += [
        (
            f"plan_version:{(a.details or {}).get('version')}" if a.action == "plan_amended" else f"audit:{a.id}",
            HistoryItem(at=a.at, actor=a.actor_name, action=a.action, step=None, comment=a.comment, source="audit"),
        )
        for a in amendments
    ]
    await session.close()
    workflow_id = PlanRef(plan.id).workflow_id
    return assemble(workflow_id, entries, await gateway.history_runs(workflow_id))
