"""Community settings the response clocks use."""

from __future__ import annotations

from datetime import timedelta

from core.community.settings import SettingSpec, duration_between, parse_bool, register
from core.errors import InvalidInput


def parse_ladder(text: str) -> tuple[float, float, float]:
    parts = [p for p in text.replace(" ", "").replace("x", "").split(",") if p]
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        raise InvalidInput("The escalation ladder is three multiples of the SLA, like 1,2,3.") from None
    if len(values) != 3 or not all(0 < v <= 30 for v in values) or not values[0] < values[1] < values[2]:
        raise InvalidInput("The escalation ladder is three growing multiples of the SLA (each at most 30), like 1,2,3.")
    return values[0], values[1], values[2]


def show_ladder(value: tuple[float, float, float]) -> str:
    return ",".join(f"{v:g}" for v in value)


FOLLOW_UP = register(
    SettingSpec("follow_up", "After the asker writes again, how long before the question waits again", "1h",
                duration_between(timedelta(seconds=1), timedelta(days=14)), lambda d: _fmt(d), ("30m", "1h", "4h"))
)
ESCALATION = register(
    SettingSpec("escalation", "When to nudge leaders, then moderators/experts, then the hub (× SLA)", "1,2,3",
                parse_ladder, show_ladder, ("1,2,3", "1,1.5,2"))
)
ARCHIVE_SOLVED = register(
    SettingSpec("archive_solved", "Archive a Discord forum post when its question is solved", "off",
                parse_bool, lambda b: "on" if b else "off", ("on", "off"))
)


def _fmt(value: timedelta) -> str:
    from core.durations import format_duration

    return format_duration(value)
