"""Typed, validated community settings (`community config <key> <value>`).

Each key is declared once as a `SettingSpec`: how to parse what a leader types, how to show
it, its default and bounds. Stored values are the canonical text, so the database holds
exactly what `community config` shows.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import time, timedelta
from functools import lru_cache
from typing import Any, Generic, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.durations import format_duration, parse_duration
from core.errors import InvalidInput
from core.text import clean

T = TypeVar("T")


@dataclass(frozen=True)
class SettingSpec(Generic[T]):
    key: str
    description: str
    default: str
    parse: Callable[[str], T]
    # Renders a parsed value back to canonical text.
    show: Callable[[T], str]
    # Values offered by autocomplete on Discord.
    examples: tuple[str, ...] = ()

    def canonical(self, text: str) -> str:
        return self.show(self.parse(text))


REGISTRY: dict[str, SettingSpec[object]] = {}


def register(spec: SettingSpec[T]) -> SettingSpec[T]:
    REGISTRY[spec.key] = spec  # type: ignore[assignment]
    return spec


def duration_between(low: timedelta, high: timedelta) -> Callable[[str], timedelta]:
    def parse(text: str) -> timedelta:
        value = parse_duration(text)
        if not low <= value <= high:
            raise InvalidInput(
                f"Choose a duration between {format_duration(low)} and {format_duration(high)}."
            )
        return value

    return parse


def number_between(low: float, high: float) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = float(text.strip().rstrip("x×%"))
        except ValueError:
            raise InvalidInput(f"“{text[:20]}” is not a number.") from None
        if not low <= value <= high:
            raise InvalidInput(f"Choose a number between {low:g} and {high:g}.")
        return value

    return parse


def integer_between(low: int, high: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text.strip())
        except ValueError:
            raise InvalidInput(f"“{text[:20]}” is not a whole number.") from None
        if not low <= value <= high:
            raise InvalidInput(f"Choose a whole number between {low} and {high}.")
        return value

    return parse


def parse_timezone(text: str) -> ZoneInfo:
    name = text.strip()
    if name.upper() == "UTC":
        name = "UTC"
    try:
        if not name or name.startswith(("/", ".")) or len(name) > 64:
            raise ValueError(name)
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise InvalidInput(
            f"“{text[:40]}” is not a timezone name. Use a name like Europe/Berlin or America/New_York."
        ) from None


def parse_bool(text: str) -> bool:
    value = text.strip().lower()
    if value in ("on", "yes", "true", "1"):
        return True
    if value in ("off", "no", "false", "0"):
        return False
    raise InvalidInput("Use on or off.")


_HOURS = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*$")

QuietHours = tuple[time, time] | None


def parse_quiet_hours(text: str) -> QuietHours:
    if text.strip().lower() in ("off", "none", ""):
        return None
    match = _HOURS.match(text)
    if not match:
        raise InvalidInput("Quiet hours look like 22:00-07:00 (or off).")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
        raise InvalidInput("Quiet hours look like 22:00-07:00 (or off).")
    start, end = time(h1, m1), time(h2, m2)
    if start == end:
        raise InvalidInput("Quiet hours need different start and end times.")
    return (start, end)


def show_quiet_hours(value: QuietHours) -> str:
    if value is None:
        return "off"
    return f"{value[0]:%H:%M}-{value[1]:%H:%M}"


def _text(limit: int) -> Callable[[str], str]:
    return lambda text: clean(text, field="value", limit=limit, required=False)


def _discord_role(text: str) -> str:
    value = text.strip().removeprefix("<@&").removesuffix(">")
    if value.lower() in ("off", "none", ""):
        return "off"
    if not value.isdigit() or len(value) > 20:
        raise InvalidInput("Give the leader role as a role mention or its id (or off).")
    return value


TIMEZONE = register(
    SettingSpec("timezone", "Timezone for quiet hours and dates", "UTC", parse_timezone,
                lambda z: z.key, ("UTC", "Europe/London", "Europe/Berlin", "America/New_York"))
)
SLA = register(
    SettingSpec("sla", "How soon a question should get a first response", "24h",
                duration_between(timedelta(seconds=1), timedelta(days=30)), format_duration,
                ("4h", "12h", "24h", "2d"))
)
QUIET_HOURS = register(
    SettingSpec("quiet_hours", "Hours when nudges wait (community timezone), e.g. 22:00-07:00",
                "off", parse_quiet_hours, show_quiet_hours, ("off", "22:00-07:00"))
)
DISCORD_LEADER_ROLE = register(
    SettingSpec("leader_role", "Discord role that follows who leads (role id or off)", "off",
                _discord_role, str, ("off",))
)
MATRIX_LEADER_POWER = register(
    SettingSpec("leader_power", "Matrix power level given to leaders", "50",
                integer_between(1, 99), str, ("50",))
)


@lru_cache(maxsize=4096)
def _parsed(key: str, text: str) -> Any:
    """Settings are read for every question a sweep handles: parse each stored text once.
    Parsed values (durations, zones, tuples) are immutable, so sharing them is safe."""
    return REGISTRY[key].parse(text)


@dataclass(frozen=True, slots=True)
class Settings:
    """A community's overrides (canonical text by key); defaults come from the registry."""

    values: Mapping[str, str] = field(default_factory=dict)

    def get(self, spec: SettingSpec[T]) -> T:
        value: T = _parsed(spec.key, self.values.get(spec.key, spec.default))
        return value

    def text(self, key: str) -> str:
        return self.values.get(key, REGISTRY[key].default)

    def with_value(self, key: str, canonical: str) -> Settings:
        values = dict(self.values)
        if canonical == REGISTRY[key].default:
            values.pop(key, None)
        else:
            values[key] = canonical
        return Settings(values)
