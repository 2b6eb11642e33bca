"""Durations, text cleaning and community settings: what people type, validated."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from core.community.settings import QUIET_HOURS, SLA, TIMEZONE, Settings
from core.durations import format_duration, parse_duration
from core.errors import InvalidInput
from core.text import clean


@pytest.mark.parametrize(("text", "seconds"), [
    ("30s", 30), ("15m", 900), ("4h", 14400), ("2d", 172800), ("1w", 604800), ("1h30m", 5400),
    (" 6mo ", 6 * 30 * 86400), ("1y", 365 * 86400),
])
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text) == timedelta(seconds=seconds)


@pytest.mark.parametrize("text", ["", "4", "h", "4 hours", "-4h", "0s", "4h; DROP TABLE x", "9999999h"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(InvalidInput):
        parse_duration(text)


def test_format_duration_round_trips() -> None:
    for text in ("30s", "4h", "1d2h", "1w"):
        assert format_duration(parse_duration(text)) == text


def test_clean_strips_control_characters_and_keeps_emoji() -> None:
    assert clean("Be\x00 kind\x1b[31m 👩‍⚕️", field="rule", limit=100) == "Be kind[31m 👩‍⚕️"


def test_clean_replaces_lone_surrogates() -> None:
    assert "\ud800" not in clean("a\ud800b", field="name", limit=10)


def test_clean_refuses_empty_and_oversized_text_with_the_field_name() -> None:
    with pytest.raises(InvalidInput, match="name can't be empty"):
        clean(" \x00 ", field="name", limit=10)
    with pytest.raises(InvalidInput, match="rule can be at most 1,000 characters"):
        clean("x" * 100_000, field="rule", limit=1000)


def test_settings_defaults_and_overrides() -> None:
    settings = Settings()
    assert settings.get(SLA) == timedelta(hours=24)
    changed = settings.with_value("sla", SLA.canonical("4h"))
    assert changed.get(SLA) == timedelta(hours=4)
    assert changed.with_value("sla", "24h").values == {}


def test_setting_validation() -> None:
    assert TIMEZONE.parse("Europe/Berlin").key == "Europe/Berlin"
    with pytest.raises(InvalidInput, match="timezone"):
        TIMEZONE.parse("Mars/Olympus")
    with pytest.raises(InvalidInput, match="timezone"):
        TIMEZONE.parse("../../etc/passwd")
    with pytest.raises(InvalidInput, match="between"):
        SLA.parse("90d")
    assert QUIET_HOURS.parse("22:00-07:00") == (time(22), time(7))
    with pytest.raises(InvalidInput):
        QUIET_HOURS.parse("25:00-07:00")
