"""Community settings for resources."""

from __future__ import annotations

from datetime import timedelta

from core.community.settings import SettingSpec, duration_between, register
from core.durations import format_duration

MIN_REVIEW = timedelta(days=1)
MAX_REVIEW = timedelta(days=5 * 365)
_YEAR = timedelta(days=365)
_MONTH = timedelta(days=30)


def show_review(value: timedelta) -> str:
    """Review periods read best in years or months: `1y`, `6mo`."""
    if value % _YEAR == timedelta(0):
        return f"{value // _YEAR}y"
    if value % _MONTH == timedelta(0):
        return f"{value // _MONTH}mo"
    return format_duration(value)


REVIEW_AFTER = register(
    SettingSpec("review_after", "How long a vetted guideline or article stays trusted before it is due for review",
                "1y", duration_between(MIN_REVIEW, MAX_REVIEW), show_review, ("6mo", "1y", "2y"))
)
