"""The composition root: the one place that wires storage, core and platforms together."""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

import core.catalog  # noqa: F401  (registers every command and timer handler)
from bots.dispatcher import OutboxDispatcher
from bots.ingest import ActivityIngest
from bots.sweeper import TimerSweeper
from config.settings import Settings
from core.clock import Clock, SystemClock
from core.commands.bus import CommandBus
from core.network import NetworkPolicy
from core.ports import ChatPlatform, UnitOfWork
from core.refs import Platform
from storage.engine import make_engine, make_sessionmaker
from storage.uow import SqlUnitOfWork


def worker_id() -> str:
    return f"{socket.gethostname()[:30]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass
class App:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    clock: Clock
    network: NetworkPolicy
    bus: CommandBus
    worker: str
    sweeper: TimerSweeper
    ingest: ActivityIngest
    platforms: dict[Platform, ChatPlatform] = field(default_factory=dict)
    dispatcher: OutboxDispatcher | None = None
    # Set by the runtime: asks for a sweep at a given time (earlier than the next interval).
    sweep_at: Callable[[datetime], None] | None = None

    def uow(self, *, readonly: bool = False) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.sessions, self.clock, readonly=readonly)

    def attach(self, platforms: list[ChatPlatform]) -> OutboxDispatcher:
        """Register the platforms this process runs; the dispatcher delivers only theirs."""
        self.platforms = {p.name: p for p in platforms}
        self.dispatcher = OutboxDispatcher(self.uow, self.clock, self.platforms, self.worker)
        return self.dispatcher

    def committed(self, uow: UnitOfWork) -> None:
        """After a commit: deliver what it wrote to the outbox, fire the timers it armed in time."""
        if self.dispatcher is not None:
            self.dispatcher.wake()
        armed = getattr(getattr(uow, "timers", None), "earliest_armed", None)
        if armed is not None and self.sweep_at is not None:
            self.sweep_at(armed)


def bootstrap(settings: Settings, *, clock: Clock | None = None, engine: AsyncEngine | None = None) -> App:
    clock = clock or SystemClock()
    engine = engine or make_engine(settings.database_url.get_secret_value())
    sessions = make_sessionmaker(engine)
    network = NetworkPolicy(settings.network.staff_refs(), settings.network.hub_refs())
    worker = worker_id()

    def uow(*, readonly: bool = False) -> SqlUnitOfWork:
        return SqlUnitOfWork(sessions, clock, readonly=readonly)

    app = App(settings, engine, sessions, clock, network, CommandBus(uow, clock, network), worker,
              TimerSweeper(uow, clock, network, worker), ActivityIngest(uow, clock))
    app.bus.on_commit = app.committed
    app.ingest.on_commit = app.committed
    app.sweeper.on_commit = app.committed
    return app
