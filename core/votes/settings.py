"""Community settings for votes (`community config <key> <value>`), with their bounds.

A vote copies these when it starts, so a change applies to later votes only; and a leader
under recall may not change them at all while the recall runs (see core.votes.guards).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from fractions import Fraction

from core.community.settings import SettingSpec, duration_between, integer_between, number_between, register
from core.durations import format_duration
from core.errors import InvalidInput


def _percent(value: float) -> str:
    return f"{value:g}%"


def percent_between(low: float, high: float) -> Callable[[str], float]:
    parse = number_between(low, high)

    def checked(text: str) -> float:
        value = parse(text)
        if round(value, 2) != value:
            raise InvalidInput("Use at most two decimals, like 33.33%.")
        return value

    return checked


def parse_method(text: str) -> str:
    value = text.strip().lower()
    if value not in ("approval", "ranked"):
        raise InvalidInput("The election method is approval or ranked.")
    return value


VOTE_DURATION = register(SettingSpec(
    "vote_duration", "How long a secret ballot stays open", "3d",
    duration_between(timedelta(hours=1), timedelta(days=30)), format_duration, ("2d", "3d", "1w")))
VOTE_QUORUM = register(SettingSpec(
    "vote_quorum", "Share of the voter roll that must vote for a recall to count", "30%",
    percent_between(0, 100), _percent, ("25%", "30%", "50%")))
VOTE_THRESHOLD = register(SettingSpec(
    "vote_threshold", "Share of the votes cast needed to recall a leader", "60%",
    percent_between(50, 100), _percent, ("60%", "66.67%")))
PETITION_MIN = register(SettingSpec(
    "petition_min", "Co-signers a recall petition needs at least", "3",
    integer_between(1, 1000), str, ("3", "5")))
PETITION_PERCENT = register(SettingSpec(
    "petition_percent", "Co-signers a recall petition needs, as a share of members (the larger count applies)",
    "10%", percent_between(0, 100), _percent, ("10%", "20%")))
PETITION_WINDOW = register(SettingSpec(
    "petition_window", "How long a recall petition collects co-signers", "7d",
    duration_between(timedelta(days=1), timedelta(days=30)), format_duration, ("7d", "14d")))
NOMINATION_WINDOW = register(SettingSpec(
    "nomination_window", "How long an election takes nominations", "3d",
    duration_between(timedelta(hours=1), timedelta(days=30)), format_duration, ("3d", "1w")))
MEMBER_DAYS = register(SettingSpec(
    "vote_member_days", "Days a member must have belonged to the community to sign or vote", "14",
    integer_between(0, 365), str, ("7", "14", "30")))
METHOD = register(SettingSpec(
    "vote_method", "How elections count: approval, or ranked (instant runoff / single transferable vote)",
    "approval", parse_method, str, ("approval", "ranked")))
RESPONSIVE_SHARE = register(SettingSpec(
    "responsive_share", "A leader answering fewer of the questions waiting for them in time gets a check-in",
    "50%", percent_between(1, 100), _percent, ("50%", "66%")))
RESPONSIVE_MIN = register(SettingSpec(
    "responsive_min", "Questions (30 days) needed before a leader's responsiveness is judged", "5",
    integer_between(1, 1000), str, ("5", "10")))
RESPONSIVE_GRACE = register(SettingSpec(
    "responsive_grace", "After a check-in, how long before the community is told it may start a recall",
    "14d", duration_between(timedelta(days=1), timedelta(days=90)), format_duration, ("14d", "30d")))

# The settings a leader under recall may not touch while it runs.
GUARDED = (VOTE_DURATION, VOTE_QUORUM, VOTE_THRESHOLD, PETITION_MIN, PETITION_PERCENT, PETITION_WINDOW,
           NOMINATION_WINDOW, MEMBER_DAYS, METHOD, RESPONSIVE_SHARE, RESPONSIVE_MIN, RESPONSIVE_GRACE)
# What a vote copies when it starts.
FROZEN = GUARDED


def fraction(percent: float) -> Fraction:
    """An exact share from a percent setting: counts are compared without float rounding."""
    return Fraction(str(percent)) / 100
