"""A plan's yearly schedule: a pure function of the plan and the holiday calendar.

The plan workflow (through an activity), the calendar API and the simulator all use `year_schedule`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from models.rules.calendar import OFFICE_OPENS, VN_TZ, previous_working_day
from models.rules.plans import PlanDef, ReportStream

# Event kinds of a plan's timeline, in the order they run when they fall on the same instant.
OPEN_TASKS, REMINDER, DUE, WINDOW_OPEN, WINDOW_CLOSE = "open_tasks", "reminder", "due", "window_open", "window_close"
EVENT_ORDER = {OPEN_TASKS: 0, REMINDER: 1, DUE: 2, WINDOW_OPEN: 3, WINDOW_CLOSE: 4}
EVENT_LABELS = {
    OPEN_TASKS: "Mở kỳ báo cáo",
    REMINDER: "Nhắc báo cáo",
    DUE: "Hạn báo cáo: đánh dấu quá hạn, báo cáo cấp nhận",
    WINDOW_OPEN: "Mở đợt nhận đề nghị khen thưởng",
    WINDOW_CLOSE: "Đóng đợt nhận đề nghị khen thưởng",
}


@dataclass(frozen=True)
class ScheduledEvent:
    key: str
    kind: str
    subject: str  # report stream or milestone key
    at: datetime
    # An event missed because the plan started later still runs while this instant is ahead
    # (a report task opens late if its due day is still to come).
    catch_up_until: datetime | None = None
    seq: int = 0


def reminder_instant(due: datetime, working_days: int) -> datetime:
    """Office opening `working_days` working days before the due day (the due day itself does not count)."""
    local = due.astimezone(VN_TZ)
    day = local.date()
    if local.time() > OFFICE_OPENS:
        # Due during the day: that morning counts as the last day to report.
        day += timedelta(days=1)
    for _ in range(working_days):
        day = previous_working_day(day)
    return datetime.combine(day, OFFICE_OPENS, VN_TZ)


def first_office_day(plan: PlanDef) -> datetime | None:
    """Office opening on the day the plan was issued (or the earliest day it can have been)."""
    day = plan.in_force_from
    return datetime.combine(day, OFFICE_OPENS, VN_TZ) if day is not None else None


def report_due(plan: PlanDef, stream: ReportStream, year: int) -> datetime | None:
    """When the stream's report of `year` is due; None when the plan asks for no report that year:
    a year outside its period, or a deadline that passed before the plan was issued (a plan of
    October 2024 for 2023–2030 has no report due on 01/12/2023)."""
    if not plan.period.start <= year <= plan.period.end:
        return None
    due = stream.due.instant(year)
    start = first_office_day(plan)
    return None if start is not None and due <= start else due


def year_schedule(plan: PlanDef, year: int) -> list[ScheduledEvent]:
    """Every event of a plan whose instant falls in `year` (Asia/Ho_Chi_Minh), in the order they run.

    Nothing falls before the plan was issued: a report whose deadline came first is not asked for,
    and a report due soon after the plan's issue opens on the day of issue, its earlier reminders
    dropped.
    """
    events: list[ScheduledEvent] = []
    start = first_office_day(plan)
    for offset in (0, 1):  # a report due early in January opens in the year before
        report_year = year + offset
        for stream in plan.reports:
            due = report_due(plan, stream, report_year)
            if due is None:
                continue
            policy = plan.reminder_policy(stream)
            opens = datetime.combine(due.date() - timedelta(days=policy.open_days_before), OFFICE_OPENS, VN_TZ)
            if start is not None and opens < start:
                opens = start
            base = f"{report_year}:{stream.key}"
            candidates = [ScheduledEvent(f"{base}:{OPEN_TASKS}", OPEN_TASKS, stream.key, opens, due)]
            for i, n in enumerate(policy.working_days_before):
                at = reminder_instant(due, n)
                if at > opens:
                    candidates.append(ScheduledEvent(f"{base}:{REMINDER}:{n}", REMINDER, stream.key, at, None, i + 1))
            candidates.append(ScheduledEvent(f"{base}:{DUE}", DUE, stream.key, due))
            events += [e for e in candidates if e.at.astimezone(VN_TZ).year == year]
    for m in plan.milestones:
        opens, closes = m.window.opens_at(), m.window.closes_at()
        if opens.year == year:
            events.append(ScheduledEvent(f"{m.year}:{m.key}:{WINDOW_OPEN}", WINDOW_OPEN, m.key, opens, closes))
        if closes.year == year:
            events.append(ScheduledEvent(f"{m.year}:{m.key}:{WINDOW_CLOSE}", WINDOW_CLOSE, m.key, closes))
    events.sort(key=lambda e: (e.at, EVENT_ORDER[e.kind], e.subject, e.seq))
    return events


def calendar(plan: PlanDef, start: datetime, end: datetime) -> list[ScheduledEvent]:
    """Events in [start, end)."""
    out: list[ScheduledEvent] = []
    first = max(start.astimezone(VN_TZ).year, plan.period.start - 1)
    last = min(end.astimezone(VN_TZ).year, plan.period.end + 1)
    for year in range(first, last + 1):
        out += [e for e in year_schedule(plan, year) if start <= e.at < end]
    return out


def describe_event(plan: PlanDef, event: ScheduledEvent) -> str:
    """One Vietnamese line for the timeline of a plan."""
    if event.kind in (WINDOW_OPEN, WINDOW_CLOSE):
        milestone = next(m for m in plan.milestones if m.key == event.subject)
        return f"{EVENT_LABELS[event.kind]} – {milestone.name}"
    stream = next(r for r in plan.reports if r.key == event.subject)
    year = event.key.split(":", 1)[0]
    if event.kind == REMINDER:
        n = event.key.rsplit(":", 1)[1]
        return f"{EVENT_LABELS[REMINDER]} (trước hạn {n} ngày làm việc) – {stream.name} năm {year}"
    return f"{EVENT_LABELS[event.kind]} – {stream.name} năm {year}"


def format_instant(at: datetime) -> str:
    return at.astimezone(VN_TZ).strftime("%Y-%m-%d %H:%M %z")
