"""Questions and ideas raised in a community, and their response clocks.

A question is `open` while it waits for a response (since `waiting_since`), `answered` once
someone other than the asker (and not a bot) replied, and `resolved` or `closed` when done.
When the asker writes again after an answer and nobody replies within the follow-up window,
it is `open` again from the time of that follow-up: the "next response" clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from core.refs import HomeRef, Platform


class Status(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    RESOLVED = "resolved"
    CLOSED = "closed"


DONE = (Status.RESOLVED, Status.CLOSED)


@dataclass(frozen=True, slots=True)
class Question:
    id: int
    community_id: int
    number: int
    kind: str  # "question" or "idea"
    asker_person_id: int
    text: str
    platform: Platform
    room_id: str
    space_id: str | None
    thread_id: str | None
    status: Status
    created_at: datetime
    waiting_since: datetime
    last_activity_at: datetime
    first_response_at: datetime | None = None
    first_response_by: int | None = None
    first_leader_at: datetime | None = None
    first_leader_by: int | None = None
    follow_up_at: datetime | None = None
    snoozed_until: datetime | None = None
    resolved_at: datetime | None = None
    tier: int = 0
    # What solved it, in the words of whoever marked it solved.
    answer: str | None = None

    @property
    def home(self) -> HomeRef:
        return HomeRef(self.platform, self.room_id, self.space_id)

    @property
    def label(self) -> str:
        return f"{'idea' if self.kind == 'idea' else 'question'} #{self.number}"

    def is_stale(self, now: datetime, sla: timedelta) -> bool:
        return (self.status is Status.OPEN and now - self.waiting_since >= sla
                and (self.snoozed_until is None or self.snoozed_until <= now))


def subject(question_id: int) -> str:
    return f"q:{question_id}"


def question_id(subject: str) -> int:
    return int(subject.removeprefix("q:"))
