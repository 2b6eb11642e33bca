"""The composition root: the one place that wires storage, core and platforms together."""

from __future__ import annotations

import os
import socket
import uuid
from dataclasses import dataclass, field

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

import core.catalog  # noqa: F401  (registers every command)
from bots.dispatcher import OutboxDispatcher
from config.settings import Settings
from core.clock import Clock, SystemClock
from core.commands.bus import CommandBus
from core.network import NetworkPolicy
from core.ports import ChatPlatform
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
    platforms: dict[Platform, ChatPlatform] = field(default_factory=dict)
    dispatcher: OutboxDispatcher | None = None

    def uow(self, *, readonly: bool = False) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.sessions, self.clock, readonly=readonly)

    def attach(self, platforms: list[ChatPlatform]) -> OutboxDispatcher:
        """Register the platforms this process runs; the dispatcher delivers only theirs."""
        self.platforms = {p.name: p for p in platforms}
        self.dispatcher = OutboxDispatcher(self.uow, self.clock, self.platforms, self.worker)
        return self.dispatcher

    def wake_dispatcher(self) -> None:
        if self.dispatcher is not None:
            self.dispatcher.wake()


def bootstrap(settings: Settings, *, clock: Clock | None = None, engine: AsyncEngine | None = None) -> App:
    clock = clock or SystemClock()
    engine = engine or make_engine(settings.database_url.get_secret_value())
    sessions = make_sessionmaker(engine)
    network = NetworkPolicy(settings.network.staff_refs(), settings.network.hub_refs())

    def uow(*, readonly: bool = False) -> SqlUnitOfWork:
        return SqlUnitOfWork(sessions, clock, readonly=readonly)

    app = App(settings, engine, sessions, clock, network, CommandBus(uow, clock, network), worker_id())
    app.bus.on_commit = app.wake_dispatcher
    return app
