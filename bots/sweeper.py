"""Fires due timers: claim a batch atomically, then hand each kind's timers to its handler in
one transaction together with what the handler writes.

Two phases, so that a crash is survivable: the claim (with a lease and an attempt count) is
committed first; handling marks the timers fired in the same transaction as their effects.
A worker that dies after claiming leaves a lease that expires, and the timer is claimed again;
one that loses its claim (the timer was re-armed or taken over) handles nothing.
A kind's batch that fails is retried timer by timer, so one bad timer cannot hold up others.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

import core.catalog  # noqa: F401  (registers timer handlers)
from core.clock import Clock
from core.network import NetworkPolicy
from core.timers.context import TimerContext
from core.timers.model import HANDLERS, DueTimer
from storage.uow import SqlUnitOfWork

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
BATCH = 500


class TimerSweeper:
    def __init__(self, uow_factory: Callable[[], SqlUnitOfWork], clock: Clock, network: NetworkPolicy,
                 worker: str, *, batch: int = BATCH, lease: timedelta = timedelta(minutes=2)) -> None:
        self.uow_factory = uow_factory
        self.clock = clock
        self.network = network
        self.worker = worker
        self.batch = batch
        self.lease = lease
        # Called after a batch was handled and committed (the runtime wakes the outbox
        # dispatcher for the nudges just written, and the sweeper for timers just armed).
        self.on_commit: Callable[[SqlUnitOfWork], None] | None = None

    async def run_once(self, *, rounds: int = 20) -> int:
        """Fire every due timer, including those that handlers arm for now (a digest after a
        rung of the ladder); returns how many were handled."""
        handled = 0
        for _ in range(rounds):
            async with self.uow_factory() as uow:
                claimed = await uow.timers.claim(now=self.clock.now(), worker=self.worker, lease=self.lease,
                                                 limit=self.batch)
                await uow.commit()
            if not claimed:
                break
            handled += await self.handle(claimed)
        return handled

    async def handle(self, claimed: Sequence[DueTimer]) -> int:
        by_kind: dict[str, list[DueTimer]] = defaultdict(list)
        for timer in claimed:
            by_kind[timer.kind].append(timer)
        handled = 0
        for kind, timers in by_kind.items():
            try:
                handled += await self._handle(kind, timers)
            except Exception:
                if len(timers) == 1:
                    await self._failed(timers[0])
                    continue
                log.warning("timer batch of %d %r failed; retrying one by one", len(timers), kind)
                for timer in timers:
                    try:
                        handled += await self._handle(kind, [timer])
                    except Exception:
                        await self._failed(timer)
        return handled

    async def _handle(self, kind: str, timers: Sequence[DueTimer]) -> int:
        handler = HANDLERS.get(kind)
        async with self.uow_factory() as uow:
            now = self.clock.now()
            live_ids = await uow.timers.mark_fired([t.id for t in timers], self.worker, now)
            live = [t for t in timers if t.id in live_ids]
            if live and handler is not None:
                await handler(live, TimerContext(uow, now, self.network))
            elif live:
                log.error("no handler for timer kind %r; %d timer(s) dropped", kind, len(live))
            await uow.commit()
        if live and self.on_commit is not None:
            self.on_commit(uow)
        return len(live)

    async def _failed(self, timer: DueTimer) -> None:
        log.exception("timer %d (%s) failed on attempt %d", timer.id, timer.kind, timer.attempts)
        async with self.uow_factory() as uow:
            if timer.attempts >= MAX_ATTEMPTS:
                await uow.timers.fail(timer.id, self.worker, "handler kept failing")
            else:
                delay = timedelta(seconds=30 * 2 ** (timer.attempts - 1))
                await uow.timers.retry(timer.id, self.worker, self.clock.now() + delay, "handler failed")
            await uow.commit()

    async def next_due(self) -> datetime | None:
        async with self.uow_factory() as uow:
            return await uow.timers.next_due()
