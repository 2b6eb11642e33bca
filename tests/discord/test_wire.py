"""The unmodified discord.py client against a loopback fake of Discord's REST API and
gateway: real HTTP, real WebSocket frames, real JSON. The fake answers in milliseconds;
waits below are for the client process's events, each with a time limit."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bots.discord.bridge import Bridge
from bots.discord.client import CarpoolClient, make_client
from bots.discord.deliver import nonce_for
from bots.discord.platform import DiscordPlatform
from bots.discord.sync import CommandSync
from core.effects import HomePost
from core.refs import HomeRef
from tests.discord.wire import CHANNEL_ID, GUILD_ID, FakeDiscord, user
from tests.world import World

LENA = user(800_000_000_000_000_001, "lena")
SAM = user(800_000_000_000_000_002, "sam")
WAIT = 10.0


@pytest.fixture
async def fake(monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[FakeDiscord]:
    discord_fake = FakeDiscord()
    await discord_fake.start()
    monkeypatch.setattr(Route, "BASE", discord_fake.api_base)
    monkeypatch.setattr(DiscordWebSocket, "DEFAULT_GATEWAY", yarl.URL(discord_fake.gateway_url))
    yield discord_fake
    await discord_fake.stop()


@pytest.fixture
async def client(fake: FakeDiscord, world: World) -> AsyncIterator[CarpoolClient]:
    bot = make_client(Bridge(world.app.bus, world.app.uow, ingest=world.app.ingest.submit),
                      startup_sync=CommandSync(world.app.uow, world.clock).at_start,
                      # READY waits this long for more servers after the last one arrived.
                      guild_ready_timeout=0.05)
    assert isinstance(bot, CarpoolClient)
    world.app.attach([DiscordPlatform(bot)])
    running = asyncio.create_task(bot.start("wire-token"))
    await asyncio.wait_for(bot.wait_until_ready(), WAIT)
    yield bot
    await bot.close()
    await asyncio.wait_for(running, WAIT)


async def slash(fake: FakeDiscord, who: dict[str, Any], *, admin: bool, name: str,
                options: list[dict[str, Any]]) -> dict[str, Any]:
    await fake.dispatch("INTERACTION_CREATE", fake.interaction(who, admin=admin, name=name, options=options))
    return await asyncio.wait_for(fake.answers.get(), WAIT)


async def test_login_handshake_and_a_slash_command_round_trip_over_http(fake: FakeDiscord,
                                                                         client: CarpoolClient,
                                                                         world: World) -> None:
    # The gateway handshake: IDENTIFY carried the token and asked for no privileged intent.
    [identify] = fake.identified
    assert identify["token"] == "wire-token"
    assert identify["intents"] & (1 << 1 | 1 << 8 | 1 << 15) == 0  # members, presences, message content
    assert client.get_guild(GUILD_ID) is not None
    # The command set was synced once, at start, as generated from the core.
    [synced] = [r for r in fake.requests if r.method == "PUT"]
    assert {c["name"] for c in synced.body} >= {"community", "rules", "join", "join-accept", "help"}

    answer = await slash(fake, LENA, admin=True, name="community", options=[
        {"name": "setup", "type": 1, "options": [{"name": "name", "type": 3, "value": "Pacing Circle"}]}])
    assert answer["content"].startswith("**Pacing Circle** is set up here")
    assert answer["flags"] & 64 == 0  # public
    callback = next(r for r in fake.requests if r.path.endswith("/callback"))
    assert callback.body["type"] == 5  # deferred before any database work
    assert await world.sql("SELECT room_id, space_id, kind FROM homes") == [
        (str(CHANNEL_ID), str(GUILD_ID), "text")]

    # Refused after a public start: the placeholder is completed, the refusal follows
    # privately, and the public placeholder is deleted.
    placeholder = await slash(fake, SAM, admin=False, name="rules", options=[
        {"name": "add", "type": 1, "options": [{"name": "text", "type": 3, "value": "Sam's rule"}]}])
    refused = await asyncio.wait_for(fake.answers.get(), WAIT)
    assert refused["content"] == "Only a leader of this community can change its rules."
    assert refused["flags"] & 64 == 64  # private
    assert await asyncio.wait_for(fake.deleted.get(), WAIT) and placeholder["content"] == "…"


async def test_a_rate_limit_is_honoured_and_the_outbox_delivers_exactly_once(fake: FakeDiscord,
                                                                              client: CarpoolClient,
                                                                              world: World) -> None:
    async with world.app.uow() as uow:
        await uow.outbox.add(HomePost(HomeRef("discord", str(CHANNEL_ID), str(GUILD_ID)), "Welcome, everyone."),
                             key="post:welcome")
        await uow.commit()
    fake.rate_limits.append(45.0)  # longer than the client waits inline: handed back to the outbox
    assert await world.deliver() == 0
    attempts = [r for r in fake.requests if r.path.endswith("/messages") and r.method == "POST"]
    assert len(attempts) == 1 and fake.messages == {}
    assert await world.sql("SELECT state, last_error FROM outbox") == [("pending", "Discord rate limit")]

    world.clock.advance(timedelta(seconds=44))
    assert await world.deliver() == 0  # not before Discord said
    assert len([r for r in fake.requests if r.path.endswith("/messages")]) == 1

    world.clock.advance(timedelta(seconds=1))
    assert await world.deliver() == 1
    [message] = fake.messages.values()
    assert message["content"] == "Welcome, everyone."
    assert message["nonce"] == nonce_for("post:welcome")

    # A repeat of the delivery (a crash after sending, before recording) is no second message.
    async with world.app.engine.begin() as connection:
        from sqlalchemy import text

        await connection.execute(text("UPDATE outbox SET state = 'pending', claimed_until = NULL"))
    assert await world.deliver() == 1
    assert len(fake.messages) == 1
