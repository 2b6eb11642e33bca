"""Responsiveness figures (`leader stats`, `community info`), over a window of questions."""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from core.durations import humanize
from core.questions.model import Question, Status

WINDOW = timedelta(days=30)


@dataclass(frozen=True, slots=True)
class Responsiveness:
    asked: int
    answered: int
    median: timedelta | None
    p90: timedelta | None
    # Of the questions old enough to judge, the share first answered within the SLA.
    within_sla: float | None
    open: int
    stale: int
    per_leader: dict[int, LeaderFigures] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class LeaderFigures:
    responses: int
    median: timedelta | None
    within_sla: int


def measure(questions: Sequence[Question], now: datetime, sla: timedelta,
            leaders: Sequence[int] = ()) -> Responsiveness:
    times = [q.first_response_at - q.created_at for q in questions if q.first_response_at is not None]
    judged = [q for q in questions if q.first_response_at is not None or now - q.created_at >= sla]
    fast = [q for q in judged if q.first_response_at is not None and q.first_response_at - q.created_at <= sla]
    per_leader = {}
    for person in leaders:
        mine = [q.first_leader_at - q.created_at for q in questions
                if q.first_leader_by == person and q.first_leader_at is not None]
        per_leader[person] = LeaderFigures(len(mine), _median(mine), sum(1 for t in mine if t <= sla))
    return Responsiveness(
        asked=len(questions), answered=len(times), median=_median(times), p90=_percentile(times, 0.9),
        within_sla=len(fast) / len(judged) if judged else None,
        open=sum(1 for q in questions if q.status is Status.OPEN),
        stale=sum(1 for q in questions if q.is_stale(now, sla)),
        per_leader=per_leader,
    )


def _median(values: Sequence[timedelta]) -> timedelta | None:
    return statistics.median(sorted(values)) if values else None  # type: ignore[type-var]


def _percentile(values: Sequence[timedelta], q: float) -> timedelta | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered) + 0.999999) - 1)]


def describe(figures: Responsiveness, sla: timedelta) -> str:
    if not figures.asked:
        return "Responsiveness (30 days): no questions yet."
    share = "n/a" if figures.within_sla is None else f"{figures.within_sla:.0%}"
    median = humanize(figures.median) if figures.median is not None else "n/a"
    p90 = humanize(figures.p90) if figures.p90 is not None else "n/a"
    return (f"Responsiveness (30 days): {figures.asked} asked, first response median {median}, "
            f"90th percentile {p90}, {share} answered within the SLA ({humanize(sla)}); "
            f"{figures.open} open, {figures.stale} waiting past the SLA.")
