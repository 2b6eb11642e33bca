"""Time, injected: services never call `datetime.now()` themselves, so tests move a fake clock."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware, in UTC."""
        ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


def require_aware(value: datetime) -> datetime:
    """Naive datetimes are ambiguous across servers and timezones; refuse them early."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("naive datetime refused: attach a timezone")
    return value.astimezone(UTC)
