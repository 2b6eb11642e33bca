"""Delivers the outbox: claim due rows, hand each effect to its platform, record the outcome.

Retries use exponential backoff (or the platform's retry-after for rate limits) and stop
after MAX_ATTEMPTS; permanent failures stop at once. Each row carries an idempotency key
that the platforms pass on (Matrix txn ids, Discord nonces), so a redelivery after a crash
between sending and recording is not a second message.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from datetime import timedelta

from core.clock import Clock
from core.errors import DeliveryError
from core.ports import ChatPlatform
from core.refs import Platform
from storage.uow import SqlUnitOfWork

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 10
BASE_BACKOFF = timedelta(seconds=2)
MAX_BACKOFF = timedelta(minutes=10)


def backoff(attempts: int) -> timedelta:
    return min(BASE_BACKOFF * (1 << max(0, min(attempts, 20) - 1)), MAX_BACKOFF)


class OutboxDispatcher:
    def __init__(self, uow_factory: Callable[[], SqlUnitOfWork], clock: Clock,
                 platforms: Mapping[Platform, ChatPlatform], worker: str, *, batch: int = 50,
                 lease: timedelta = timedelta(minutes=2), delivery_timeout: float = 60.0) -> None:
        self.uow_factory = uow_factory
        self.clock = clock
        self.platforms = dict(platforms)
        self.worker = worker
        self.batch = batch
        self.lease = lease
        self.delivery_timeout = delivery_timeout
        self._wake = asyncio.Event()
        self._stopping = False

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        """Finish the current round and leave `run_forever` (cancelling it mid-transaction
        would strand a database connection, and aiosqlite's thread would keep the process alive)."""
        self._stopping = True
        self._wake.set()

    async def run_once(self) -> int:
        """Deliver every due item; returns how many were delivered."""
        delivered = 0
        while True:
            async with self.uow_factory() as uow:
                items = await uow.outbox.claim(list(self.platforms), worker=self.worker,
                                               lease=self.lease, limit=self.batch)
                await uow.commit()
            if not items:
                return delivered
            for item in items:
                delivered += await self._deliver(item.id, item.key, item.effect, item.attempts)
            if len(items) < self.batch:
                return delivered

    async def _deliver(self, item_id: int, key: str, effect: object, attempts: int) -> int:
        platform = self.platforms[effect.platform]  # type: ignore[attr-defined]
        try:
            await asyncio.wait_for(platform.deliver(effect, key), self.delivery_timeout)  # type: ignore[arg-type]
        except DeliveryError as error:
            await self._failed(item_id, attempts, error.reason, permanent=error.permanent,
                               retry_after=error.retry_after)
            return 0
        except Exception as error:  # a platform outage, a timeout, a bug: retry later
            log.warning("delivery of outbox item %d failed: %s", item_id, type(error).__name__)
            await self._failed(item_id, attempts, f"{type(error).__name__}: {error}"[:300],
                               permanent=False, retry_after=None)
            return 0
        async with self.uow_factory() as uow:
            await uow.outbox.delivered(item_id, self.worker)
            await uow.commit()
        return 1

    async def _failed(self, item_id: int, attempts: int, reason: str, *, permanent: bool,
                      retry_after: float | None) -> None:
        async with self.uow_factory() as uow:
            if permanent or attempts >= MAX_ATTEMPTS:
                log.warning("outbox item %d given up after %d attempt(s)", item_id, attempts)
                await uow.outbox.failed(item_id, self.worker, reason)
            else:
                delay = timedelta(seconds=retry_after) if retry_after is not None else backoff(attempts)
                await uow.outbox.retry(item_id, self.worker, reason, self.clock.now() + delay)
            await uow.commit()

    async def run_forever(self, poll_seconds: float = 5.0) -> None:
        """Deliver whenever woken (a command wrote to the outbox) or every `poll_seconds`
        (rows written by other processes, retries coming due)."""
        while not self._stopping:
            try:
                await self.run_once()
            except Exception:
                log.exception("outbox dispatch round failed; retrying")
            if self._stopping:
                return
            try:
                await asyncio.wait_for(self._wake.wait(), poll_seconds)
            except TimeoutError:
                pass
            self._wake.clear()

