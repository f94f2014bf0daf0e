"""Working days in Vietnam: weekends and public holidays (Tết included) do not count.

Activities call this module (and the API, for the inbox's "due within 3 working days" view); a
workflow must never compute dates with a library whose data can change between releases, or a
replayed history would diverge.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

VN_TZ = ZoneInfo("Asia/Ho_Chi_Minh")
# A step's limit ends at the close of the office day; reminders go out at its opening.
OFFICE_OPENS = time(8, 0)
OFFICE_CLOSES = time(17, 0)


@lru_cache(maxsize=64)
def _holidays_for(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("VN", years=year)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in _holidays_for(day.year)


def next_working_day(day: date) -> date:
    day += timedelta(days=1)
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def previous_working_day(day: date) -> date:
    day -= timedelta(days=1)
    while not is_working_day(day):
        day -= timedelta(days=1)
    return day


def add_working_days(start: datetime, days: int) -> datetime:
    """The close of office on the `days`-th working day after `start` (the start day does not count)."""
    if start.tzinfo is None:
        raise ValueError("start must be timezone-aware")
    day = start.astimezone(VN_TZ).date()
    for _ in range(days):
        day = next_working_day(day)
    return datetime.combine(day, OFFICE_CLOSES, VN_TZ)


def reminder_before(start: datetime, due: datetime, days: int) -> datetime | None:
    """Office opening `days` working days before the due day, or None if that is not after `start`."""
    if days <= 0:
        return None
    day = due.astimezone(VN_TZ).date()
    for _ in range(days):
        day = previous_working_day(day)
    at = datetime.combine(day, OFFICE_OPENS, VN_TZ)
    return at if at > start else None


def working_days_between(start: date, end: date) -> int:
    """Working days in (start, end]."""
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        if is_working_day(day):
            count += 1
    return count
