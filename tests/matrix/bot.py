"""The bot under test: the real app (bus, storage, outbox dispatcher) and the real Matrix
platform with its own nio client, run in-process against the test Synapse.

Time for the core comes from a FakeClock; the bot's database is a migrated SQLite file and
its E2EE store a folder, both kept across `stop()`/`start()` like a real restart.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from bots.bootstrap import App, bootstrap
from bots.dispatcher import OutboxDispatcher
from bots.matrix.platform import MatrixPlatform
from config.settings import Settings
from storage.engine import make_engine
from storage.migrate import upgrade
from tests.fakes import FakeClock
from tests.matrix.synapse import Registered, Synapse

START_TIMEOUT = 60.0


class Bot:
    def __init__(self, synapse: Synapse, account: Registered, folder: Path, clock: FakeClock, *,
                 dispatch: bool = True, timeline_limit: int | None = None, **matrix: Any) -> None:
        self.synapse = synapse
        self.account = account
        self.user_id = account.user_id
        self.folder = folder
        self.clock = clock
        self.matrix = matrix
        # False: the outbox is delivered only when a test calls `deliver()`, so it can look at
        # the outbox between a command and its delivery.
        self.dispatch = dispatch
        self.timeline_limit = timeline_limit
        self.engine: AsyncEngine | None = None
        self.app: App | None = None
        self.platform: MatrixPlatform | None = None
        self.tasks: list[asyncio.Task[None]] = []

    def settings(self) -> Settings:
        matrix: dict[str, Any] = {"homeserver": self.synapse.url, "user_id": self.user_id,
                                  "access_token": self.account.access_token,
                                  "device_id": self.account.device_id,
                                  "store_path": str(self.folder / "store"), "sync_timeout_ms": 5000}
        matrix.update(self.matrix)
        return Settings(_env_file=None, database_url=f"sqlite+aiosqlite:///{self.folder / 'bot.db'}",  # type: ignore[call-arg]
                        matrix=matrix)

    async def start(self) -> Bot:
        self.folder.mkdir(parents=True, exist_ok=True)
        settings = self.settings()
        self.engine = make_engine(settings.database_url.get_secret_value())
        await upgrade(self.engine)
        self.app = bootstrap(settings, clock=self.clock, engine=self.engine)
        self.platform = MatrixPlatform(self.app, settings.matrix)
        if self.timeline_limit is not None:
            self.platform.timeline_limit = self.timeline_limit
        dispatcher = self.app.attach([self.platform])
        self.tasks = [asyncio.create_task(self.platform.run(), name="matrix")]
        if self.dispatch:
            self.tasks.append(asyncio.create_task(dispatcher.run_forever(), name="outbox"))
        ready = asyncio.create_task(self.platform.ready.wait())
        done, _ = await asyncio.wait([ready, self.tasks[0]], timeout=START_TIMEOUT,
                                     return_when=asyncio.FIRST_COMPLETED)
        if ready not in done:
            ready.cancel()
            await self.stop()
            raise AssertionError("the bot did not finish its first sync")
        return self

    @property
    def dispatcher(self) -> OutboxDispatcher:
        assert self.app is not None and self.app.dispatcher is not None
        return self.app.dispatcher

    async def deliver(self) -> int:
        """Deliver what is due now (by the fake clock)."""
        return await self.dispatcher.run_once()

    async def stop(self) -> None:
        for task in self.tasks:
            task.cancel()
        for task in self.tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self.tasks = []
        if self.engine is not None:
            await self.engine.dispose()
            self.engine = None

    async def sql(self, statement: str) -> list[Any]:
        from sqlalchemy import text

        assert self.engine is not None
        async with self.engine.connect() as connection:
            return list((await connection.execute(text(statement))).all())
