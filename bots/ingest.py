"""Thread messages into the core, grouped: concurrent messages share one transaction.

Chat platforms deliver bursts (a busy forum, a reconnect replaying active threads). One
transaction per message would cap ingest at the database's single-transaction rate; while a
batch is being written, newcomers queue and go together into the next. Order is kept, so a
question sees its thread's messages in the order they arrived.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable

from core.clock import Clock
from core.errors import ConcurrentUpdate
from core.questions.activity import ThreadMessage, record_activity
from storage.uow import SqlUnitOfWork

log = logging.getLogger(__name__)


class ActivityIngest:
    def __init__(self, uow_factory: Callable[[], SqlUnitOfWork], clock: Clock, *, max_batch: int = 500,
                 on_commit: Callable[[SqlUnitOfWork], None] | None = None) -> None:
        self.uow_factory = uow_factory
        self.clock = clock
        self.max_batch = max_batch
        self.on_commit = on_commit
        self._pending: list[tuple[ThreadMessage, asyncio.Future[None]]] = []
        self._draining: asyncio.Task[None] | None = None

    async def submit(self, message: ThreadMessage) -> None:
        """Record one message; returns once it is committed (with whatever it was grouped with)."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((message, future))
        if self._draining is None or self._draining.done():
            self._draining = asyncio.create_task(self._drain())
        await future

    async def _drain(self) -> None:
        while self._pending:
            batch, self._pending = self._pending[: self.max_batch], self._pending[self.max_batch:]
            try:
                await self._write([message for message, _ in batch])
            except Exception as error:
                log.exception("recording %d thread message(s) failed", len(batch))
                for _, future in batch:
                    if not future.done():
                        future.set_exception(error)
                continue
            for _, future in batch:
                if not future.done():
                    future.set_result(None)

    async def _write(self, messages: list[ThreadMessage]) -> None:
        for attempt in range(3):
            try:
                async with self.uow_factory() as uow:
                    await record_activity(uow, messages, self.clock.now())
                    await uow.commit()
                if self.on_commit is not None:
                    self.on_commit(uow)
                return
            except ConcurrentUpdate:
                if attempt == 2:
                    raise
