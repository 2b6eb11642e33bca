"""A small test harness: the real bus, storage and dispatcher, with a fake clock and platforms."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from bots.bootstrap import App, bootstrap
from bots.markup import plain
from config.settings import Settings
from core.effects import Reply
from core.ports import ChatPlatform
from core.refs import AccountRef, Actor, Platform, Where
from storage.base import Base
from tests.fakes import FakeClock

HOME = Where("console", room_id="main", space_id="console", room_kind="console", private=True)
OTHER_ROOM = Where("console", room_id="elsewhere", space_id="other", room_kind="console")


class World:
    def __init__(self, app: App, clock: FakeClock) -> None:
        self.app = app
        self.clock = clock
        self.admins: set[str] = set()

    @classmethod
    def create(cls, engine: AsyncEngine, clock: FakeClock, platforms: Sequence[ChatPlatform],
               **settings: Any) -> World:
        config = Settings(_env_file=None, **settings)  # type: ignore[call-arg]
        app = bootstrap(config, clock=clock, engine=engine)
        app.attach(list(platforms))
        return cls(app, clock)

    def actor(self, name: str, *, platform: Platform = "console", admin: bool | None = None,
              bot: bool = False) -> Actor:
        is_admin = name in self.admins if admin is None else admin
        return Actor(AccountRef(platform, name), name, is_space_admin=is_admin, is_bot=bot)

    async def say(self, name: str, line: str, *, where: Where | None = HOME, admin: bool | None = None,
                  platform: Platform = "console") -> Reply:
        reply = await self.app.bus.run_text(line, self.actor(name, platform=platform, admin=admin), where)
        if reply.thread is not None and reply.thread.number is not None and where is not None:
            # As the console does: a question's thread is named by its number.
            await self.app.bus.attach_thread(reply.thread.key, f"{where.room_id}:q{reply.thread.number}")
        # What a console user reads: Markdown markers and mention tokens rendered as text.
        return replace(reply, text=plain(reply.text))

    async def ok(self, name: str, line: str, **kwargs: Any) -> Reply:
        reply = await self.say(name, line, **kwargs)
        assert not reply.error, f"{line!r} failed: {reply.text}"
        return reply

    async def fails(self, name: str, line: str, **kwargs: Any) -> Reply:
        reply = await self.say(name, line, **kwargs)
        assert reply.error, f"{line!r} should have failed but said: {reply.text}"
        return reply

    async def community(self, leader: str = "lena", name: str = "Pacing Circle",
                        members: Sequence[str] = ()) -> None:
        """Set up a community in HOME with `leader`, and let `members` join."""
        await self.ok(leader, f'community setup "{name}" living with ME/CFS', admin=True)
        for member in members:
            await self.ok(member, "join accept")

    async def sweep(self) -> int:
        """Fire due timers, then deliver the outbox: what a minute of a running bot does."""
        fired = await self.app.sweeper.run_once()
        await self.deliver()
        return fired

    async def reply_in(self, name: str, number: int, *, bot: bool = False, platform: Platform = "console") -> None:
        """`name` writes a message in question `number`'s thread (console threads are named by number)."""
        from bots.console.platform import thread_id
        from core.questions.activity import ThreadMessage

        await self.app.ingest.submit(ThreadMessage(platform, thread_id(number),
                                                   self.actor(name, platform=platform, bot=bot), self.clock.now()))

    async def in_thread(self, name: str, number: int, line: str, **kwargs: Any) -> Reply:
        from bots.console.platform import thread_id

        return await self.say(name, line, where=replace(HOME, thread_id=thread_id(number)), **kwargs)

    async def deliver(self) -> int:
        assert self.app.dispatcher is not None
        return await self.app.dispatcher.run_once()

    async def counts(self) -> dict[str, int]:
        """Rows per table: 'nothing half-written' checks compare these before and after."""
        result = {}
        async with self.app.engine.connect() as connection:
            for table in Base.metadata.sorted_tables:
                count = (await connection.execute(select(func.count()).select_from(table))).scalar_one()
                result[table.name] = int(count)
        return result

    async def sql(self, statement: str) -> list[Any]:
        async with self.app.engine.connect() as connection:
            return list((await connection.execute(text(statement))).all())
