"""Working-day arithmetic for the lead times of Quyết định 45/2018/QĐ-TTg."""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")

# Solar-calendar public holidays (Labour Code 2019, art. 112, with 1 September
# added for National Day). Tết and the Hùng Kings' day follow the lunar calendar
# and the Government fixes the days off each year, so the office lists them in
# ECABINET_HOLIDAYS (YYYY-MM-DD, comma separated).
_FIXED = {(1, 1), (4, 30), (5, 1), (9, 1), (9, 2)}


def configured_holidays() -> frozenset[date]:
    """Extra holidays from ECABINET_HOLIDAYS."""
    raw = os.environ.get("ECABINET_HOLIDAYS", "")
    days = set()
    for part in raw.split(","):
        part = part.strip()
        if part:
            days.add(date.fromisoformat(part))
    return frozenset(days)


def is_working_day(day: date, holidays: frozenset[date] | None = None) -> bool:
    """Monday to Friday and not a public holiday."""
    extra = configured_holidays() if holidays is None else holidays
    return day.weekday() < 5 and (day.month, day.day) not in _FIXED and day not in extra


def local_date(moment: datetime) -> date:
    """The calendar date in Vietnam of an aware datetime."""
    return moment.astimezone(VIETNAM).date()


def working_days_between(start: date, end: date, holidays: frozenset[date] | None = None) -> int:
    """Working days strictly after `start` up to and including `end` (0 if end <= start)."""
    if end <= start:
        return 0
    extra = configured_holidays() if holidays is None else holidays
    # Counted by whole weeks and then the holidays, not day by day: a date years ahead
    # must cost a request microseconds, not seconds of the event loop.
    first = start + timedelta(days=1)
    weeks, rest = divmod((end - first).days + 1, 7)
    count = weeks * 5 + sum(1 for i in range(rest)
                            if (first + timedelta(days=weeks * 7 + i)).weekday() < 5)
    off = {date(year, month, day) for year in range(first.year, end.year + 1)
           for month, day in _FIXED}
    off |= extra
    count -= sum(1 for day in off if first <= day <= end and day.weekday() < 5)
    return count


def add_working_days(start: date, days: int, holidays: frozenset[date] | None = None) -> date:
    """The date `days` working days after `start`."""
    extra = configured_holidays() if holidays is None else holidays
    day = start
    remaining = days
    while remaining > 0:
        day += timedelta(days=1)
        if is_working_day(day, extra):
            remaining -= 1
    return day
