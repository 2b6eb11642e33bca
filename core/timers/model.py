"""Durable timers: rows in the database, not jobs in memory.

A feature arms a timer (`uow.timers.arm(kind, subject, due_at)`); arming the same (kind,
subject) again moves it, so there is never a duplicate. When it comes due, the sweeper claims
it and calls the handler registered for its kind, in one transaction with whatever the
handler writes (outbox messages, other timers): a timer fires exactly once in effect.

Handlers take a batch of due timers of one kind, so 500 due timers cost a few statements,
not 500 transactions.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from core.timers.context import TimerContext


@dataclass(frozen=True, slots=True)
class DueTimer:
    id: int
    kind: str
    subject: str
    due_at: datetime
    attempts: int
    data: Mapping[str, Any] = field(default_factory=dict)


TimerHandler = Callable[[Sequence[DueTimer], "TimerContext"], Awaitable[None]]
HANDLERS: dict[str, TimerHandler] = {}


def on_timer(kind: str) -> Callable[[TimerHandler], TimerHandler]:
    def register(handler: TimerHandler) -> TimerHandler:
        if kind in HANDLERS:
            raise RuntimeError(f"timer kind {kind!r} registered twice")
        HANDLERS[kind] = handler
        return handler

    return register
