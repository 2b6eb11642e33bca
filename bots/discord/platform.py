"""The Discord platform as the runtime sees it: deliver outbound effects, run the client."""

from __future__ import annotations

import asyncio
from typing import Literal

import aiohttp
import discord

from bots.discord import deliver as delivery
from bots.discord.client import CarpoolClient, ShardedCarpoolClient
from core.effects import OutboundEffect
from core.errors import DeliveryError

LOGIN_WAIT = 30.0


class DiscordPlatform:
    name: Literal["discord"] = "discord"

    def __init__(self, client: CarpoolClient | ShardedCarpoolClient, token: str | None = None) -> None:
        self.client = client
        self._token = token

    async def deliver(self, effect: OutboundEffect, key: str) -> None:
        # The outbox may start before the client has logged in; REST needs the login.
        if self.client.is_closed():
            raise DeliveryError("the Discord client is not running")
        try:
            await asyncio.wait_for(self.client.logged_in.wait(), LOGIN_WAIT)
        except TimeoutError:
            raise DeliveryError("the Discord client is not logged in yet") from None
        await delivery.deliver(self.client, effect, key)

    async def run(self) -> None:
        from bots.runtime import StartupError

        if self._token is None:
            raise StartupError("discord: CARPOOL_DISCORD__TOKEN is not set")
        try:
            await self.client.start(self._token)
        except discord.LoginFailure:
            raise StartupError("discord: the token was refused (CARPOOL_DISCORD__TOKEN)") from None
        except discord.PrivilegedIntentsRequired:
            raise StartupError("discord: the application lacks an intent it asks for") from None
        except (OSError, aiohttp.ClientError) as error:
            raise StartupError(f"discord: cannot reach Discord ({type(error).__name__})") from None
        finally:
            if not self.client.is_closed():
                await self.client.close()
