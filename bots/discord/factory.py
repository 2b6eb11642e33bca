"""Wiring the Discord platform from settings (used by `carpool run` and `carpool discord sync`)."""

from __future__ import annotations

import logging

import aiohttp
import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bots.bootstrap import App
from bots.discord.bridge import Bridge
from bots.discord.client import CarpoolClient, ShardedCarpoolClient, make_client
from bots.discord.platform import DiscordPlatform
from bots.discord.sync import CommandSync
from bots.runtime import StartupError
from config.settings import DiscordSettings


class DiscordConfigError(StartupError):
    pass


def point_at(settings: DiscordSettings) -> None:
    """Use another REST base or gateway (a self-hosted gateway, a test fake) when configured."""
    if settings.api_base:
        Route.BASE = settings.api_base.rstrip("/")
    if settings.gateway:
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.gateway)


def quiet_discord_debug_logs() -> None:
    # discord.py's debug logs carry whole gateway events and request bodies: message text.
    logger = logging.getLogger("discord")
    logger.setLevel(max(logging.INFO, logger.getEffectiveLevel()))


def build_client(app: App, *, sync_at_start: bool = True, freeze_heap: bool = False
                 ) -> CarpoolClient | ShardedCarpoolClient:
    settings = app.settings.discord
    point_at(settings)
    quiet_discord_debug_logs()
    commands = CommandSync(app.uow, app.clock)
    try:
        return make_client(Bridge(app.bus, app.uow, ingest=app.ingest.submit), shard_ids=settings.shard_ids,
                           shard_count=settings.shard_count, startup_sync=commands.at_start if sync_at_start else None,
                           freeze_heap=freeze_heap)
    except ValueError as error:
        raise DiscordConfigError(str(error)) from None


def make_discord(app: App) -> DiscordPlatform:
    token = app.settings.discord.token
    if token is None:
        raise DiscordConfigError("CARPOOL_DISCORD__TOKEN is not set")
    return DiscordPlatform(build_client(app, freeze_heap=True), token.get_secret_value())


async def sync_commands(app: App, guild_id: int | None) -> bool:
    """Log in over REST only, sync the slash commands, log out (`carpool discord sync`)."""
    token = app.settings.discord.token
    if token is None:
        raise DiscordConfigError("CARPOOL_DISCORD__TOKEN is not set")
    client = build_client(app, sync_at_start=False)
    try:
        await client.login(token.get_secret_value())
        return await CommandSync(app.uow, app.clock).sync(client, guild_id=guild_id, force=True)
    except discord.LoginFailure:
        raise DiscordConfigError("discord: the token was refused (CARPOOL_DISCORD__TOKEN)") from None
    except (OSError, aiohttp.ClientError) as error:
        raise DiscordConfigError(f"discord: cannot reach Discord ({type(error).__name__})") from None
    except discord.HTTPException as error:
        raise DiscordConfigError(f"discord: Discord refused the sync ({error.status}, code {error.code})") from None
    finally:
        await client.close()
