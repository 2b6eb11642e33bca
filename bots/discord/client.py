"""The discord.py client: the command tree built from the core, persistent buttons, and
start-up that syncs slash commands only when their set changed (never in `on_ready`,
which repeats after every reconnect)."""

from __future__ import annotations

import asyncio
import gc
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import discord
from discord import app_commands

from bots.discord.activity import Activity
from bots.discord.bridge import Bridge
from bots.discord.buttons import ActionButton
from bots.discord.choose import PickSelect
from bots.discord.slash import build_commands

log = logging.getLogger(__name__)

# Rate limits longer than this become DeliveryError(retry_after) for the outbox instead of
# a wait inside discord.py (30 s is the smallest value discord.py accepts).
MAX_INLINE_RATE_LIMIT_WAIT = 30.0

StartupSync = Callable[["CarpoolClient"], Awaitable[object]]


class _Carpool:
    """What both client classes (single process, sharded) add to discord.py's."""

    tree: app_commands.CommandTree[Any]
    bridge: Bridge
    thread_activity: Activity
    startup_sync: StartupSync | None
    logged_in: asyncio.Event
    freeze_heap: bool

    def _carpool_init(self, bridge: Bridge, startup_sync: StartupSync | None, freeze_heap: bool) -> None:
        self.bridge = bridge
        self.thread_activity = Activity(bridge)
        self.startup_sync = startup_sync
        self.freeze_heap = freeze_heap
        self.logged_in = asyncio.Event()
        self.tree = app_commands.CommandTree(self)
        for command in build_commands(bridge):
            self.tree.add_command(command)

    async def setup_hook(self) -> None:
        # Clicks on buttons of messages sent before a restart arrive here.
        self.add_dynamic_items(ActionButton, PickSelect)  # type: ignore[attr-defined]
        if self.startup_sync is not None:
            await self.startup_sync(self)  # type: ignore[arg-type]
        if self.freeze_heap:
            # Everything alive now (modules, discord.py, the command tree) lives as long as the
            # process: keep it out of full garbage collections, which would otherwise block
            # the event loop for tens of milliseconds at a time.
            gc.freeze()
        self.logged_in.set()

    # Gateway events: metadata of what happens in threads (no message content is read).
    async def on_message(self, message: discord.Message) -> None:
        await self.thread_activity.message(message)

    async def on_thread_create(self, thread: discord.Thread) -> None:
        await self.thread_activity.forum_post(thread, self.user)  # type: ignore[attr-defined]

    # After a restart, a reconnect or a resumed session, catch up on what was missed. `ready`
    # comes again after every new session (never sync commands there); a shard's events
    # cover the servers of that shard.
    async def on_ready(self) -> None:
        self.thread_activity.catch_up_soon(self.guilds)  # type: ignore[attr-defined]

    async def on_resumed(self) -> None:
        self.thread_activity.catch_up_soon(self.guilds)  # type: ignore[attr-defined]

    async def on_shard_ready(self, shard_id: int) -> None:
        self.thread_activity.catch_up_soon(self._guilds_of(shard_id))

    async def on_shard_resumed(self, shard_id: int) -> None:
        self.thread_activity.catch_up_soon(self._guilds_of(shard_id))

    def _guilds_of(self, shard_id: int) -> list[discord.Guild]:
        return [g for g in self.guilds if g.shard_id == shard_id]  # type: ignore[attr-defined]


def _options(**extra: Any) -> dict[str, Any]:
    intents = discord.Intents.default()  # no privileged intents: metadata is enough
    options: dict[str, Any] = dict(
        intents=intents,
        allowed_mentions=discord.AllowedMentions(everyone=False, roles=False, replied_user=False),
        max_ratelimit_timeout=MAX_INLINE_RATE_LIMIT_WAIT,
        # No message cache: the bot reads only the metadata of each message as it arrives,
        # and a thousand cached messages are memory and garbage-collection work for nothing.
        max_messages=None,
    )
    options.update(extra)
    return options


class CarpoolClient(_Carpool, discord.Client):
    def __init__(self, bridge: Bridge, *, startup_sync: StartupSync | None = None, freeze_heap: bool = False,
                 **options: Any) -> None:
        super().__init__(**_options(**options))
        self._carpool_init(bridge, startup_sync, freeze_heap)


class ShardedCarpoolClient(_Carpool, discord.AutoShardedClient):
    def __init__(self, bridge: Bridge, *, startup_sync: StartupSync | None = None, freeze_heap: bool = False,
                 **options: Any) -> None:
        super().__init__(**_options(**options))
        self._carpool_init(bridge, startup_sync, freeze_heap)


def make_client(bridge: Bridge, *, shard_ids: list[int] | None = None, shard_count: int | None = None,
                startup_sync: StartupSync | None = None, freeze_heap: bool = False,
                **options: Any) -> CarpoolClient | ShardedCarpoolClient:
    """A sharded client when shards are configured (one process per group of shards)."""
    if shard_ids is not None or shard_count is not None:
        if shard_ids is not None and shard_count is None:
            raise ValueError("CARPOOL_DISCORD__SHARD_IDS needs CARPOOL_DISCORD__SHARD_COUNT")
        return ShardedCarpoolClient(bridge, startup_sync=startup_sync, freeze_heap=freeze_heap,
                                    shard_ids=shard_ids, shard_count=shard_count, **options)
    return CarpoolClient(bridge, startup_sync=startup_sync, freeze_heap=freeze_heap, **options)
