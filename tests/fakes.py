"""Hand-written fakes for the core's tests: a clock you move, a platform that records."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from core.effects import OutboundEffect
from core.errors import DeliveryError
from core.refs import Platform

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday morning


class FakeClock:
    def __init__(self, start: datetime = START) -> None:
        self._now = start

    def now(self) -> datetime:
        return self._now

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        self._now += delta if delta is not None else timedelta(**kwargs)
        return self._now

    def set(self, when: datetime) -> None:
        self._now = when


@dataclass
class FakePlatform:
    """Records every delivered effect; can be told to fail the next N deliveries."""

    name: Platform = "console"
    delivered: list[tuple[str, OutboundEffect]] = field(default_factory=list)
    fail_next: int = 0
    fail_permanently: bool = False
    retry_after: float | None = None
    attempts: int = 0

    async def deliver(self, effect: OutboundEffect, key: str) -> None:
        self.attempts += 1
        if self.fail_next > 0:
            self.fail_next -= 1
            raise DeliveryError("platform unavailable", permanent=self.fail_permanently,
                                retry_after=self.retry_after)
        self.delivered.append((key, effect))

    @property
    def effects(self) -> list[OutboundEffect]:
        return [effect for _, effect in self.delivered]

    def texts(self) -> list[str]:
        return [getattr(e, "text", "") for e in self.effects]
