"""Durations as people type them: `30s`, `15m`, `4h`, `2d`, `1w`, and combinations like `1h30m`."""

from __future__ import annotations

import re
from datetime import timedelta

from core.errors import InvalidInput

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "mo": 30 * 86400, "y": 365 * 86400}
_PART = re.compile(r"(\d{1,6})\s*(mo|[smhdwy])")
_WHOLE = re.compile(r"^(?:\s*\d{1,6}\s*(?:mo|[smhdwy]))+\s*$")


def parse_duration(text: str) -> timedelta:
    value = text.strip().lower()
    if not _WHOLE.match(value):
        raise InvalidInput(
            f"“{_short(text)}” is not a duration. Use a number and a unit, like 30s, 15m, 4h, 2d or 1w."
        )
    seconds = sum(int(n) * _UNITS[unit] for n, unit in _PART.findall(value))
    if seconds <= 0:
        raise InvalidInput("A duration must be longer than zero.")
    return timedelta(seconds=seconds)


def format_duration(value: timedelta) -> str:
    """The shortest exact spelling, e.g. 90 minutes → `1h30m`."""
    seconds = int(value.total_seconds())
    if seconds <= 0:
        return "0s"
    parts = []
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)


def humanize(value: timedelta) -> str:
    """A rounded, readable age for lists: `3 min`, `5 h`, `2 d`."""
    seconds = max(0, int(value.total_seconds()))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min"
    if seconds < 2 * 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} d"


def _short(text: str) -> str:
    return text if len(text) <= 20 else text[:20] + "…"
