"""Quiet hours: a nudge due inside them waits until they end (in the community's timezone)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo


def next_allowed(now: datetime, tz: ZoneInfo, quiet: tuple[time, time] | None) -> datetime:
    """`now` if outside quiet hours, else the moment they end."""
    if quiet is None:
        return now
    start, end = quiet
    local = now.astimezone(tz)
    clock = local.timetz().replace(tzinfo=None)
    inside = start <= clock < end if start < end else (clock >= start or clock < end)
    if not inside:
        return now
    end_day = local.date()
    if start > end and clock >= start:  # quiet hours run past midnight
        end_day += timedelta(days=1)
    ends = datetime.combine(end_day, end, tzinfo=tz)
    return ends.astimezone(now.tzinfo)
