"""Slash-command sync: explicit (`carpool discord sync`) or at start when the command set
changed. Discord allows 200 command creations a day per guild, and syncing in `on_ready`
would repeat on every reconnect; the hash of the last synced set lives in the database, so
every process of a deployment agrees on it."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import discord

from bots.discord.slash import command_hash
from core.clock import Clock
from storage.discord_state import SqlDiscordState
from storage.uow import SqlUnitOfWork

log = logging.getLogger(__name__)


def state_key(application_id: int | None, guild_id: int | None) -> str:
    scope = "global" if guild_id is None else f"guild:{guild_id}"
    return f"commands:{application_id}:{scope}"


class CommandSync:
    def __init__(self, uow_factory: Callable[[], SqlUnitOfWork], clock: Clock) -> None:
        self.uow_factory = uow_factory
        self.clock = clock

    async def stored(self, key: str) -> str | None:
        async with self.uow_factory() as uow:
            return await SqlDiscordState(uow.db).get(key)

    async def sync(self, client: Any, *, guild_id: int | None = None, force: bool = False) -> bool:
        """Sync the tree (globally or to one guild) unless the stored hash says it is current.

        Returns whether a sync was sent."""
        guild = discord.Object(guild_id) if guild_id is not None else None
        if guild is not None:
            client.tree.copy_global_to(guild=guild)
        digest = command_hash(client.tree, guild)
        key = state_key(client.application_id, guild_id)
        if not force and await self.stored(key) == digest:
            log.info("slash commands unchanged; not syncing")
            return False
        synced = await client.tree.sync(guild=guild)
        async with self.uow_factory() as uow:
            await SqlDiscordState(uow.db).put(key, digest, self.clock.now())
            await uow.commit()
        log.info("synced %d slash commands (%s)", len(synced), "global" if guild is None else f"guild {guild_id}")
        return True

    async def at_start(self, client: Any) -> None:
        try:
            await self.sync(client)
        except (discord.HTTPException, discord.RateLimited) as error:
            # The commands registered last time still work; the next start tries again.
            log.warning("could not sync slash commands (%s); run `carpool discord sync` to retry",
                        type(error).__name__)
