"""Shards: one process runs the shards CARPOOL_DISCORD__SHARD_IDS names, of SHARD_COUNT."""

from __future__ import annotations

import asyncio

import pytest
from simcord import Env

from bots.bootstrap import App
from bots.discord.client import ShardedCarpoolClient
from bots.discord.factory import DiscordConfigError, build_client
from bots.discord.platform import DiscordPlatform
from bots.discord.sync import CommandSync
from config.settings import Settings
from tests.discord.scene import Scene, said
from tests.world import World

WAIT = 5.0  # for the shard's new session; it comes in milliseconds


def app_with(world: World, **discord: object) -> App:
    world.app.settings = Settings(_env_file=None, discord=discord)  # type: ignore[call-arg]
    return world.app


@pytest.fixture
def simcord_bot(world: World) -> ShardedCarpoolClient:
    client = build_client(app_with(world, shard_ids=[1], shard_count=2), sync_at_start=False)
    assert isinstance(client, ShardedCarpoolClient)
    client.startup_sync = CommandSync(world.app.uow, world.clock).at_start
    world.app.attach([DiscordPlatform(client)])
    return client


async def test_a_process_serves_the_guilds_of_its_shards(simcord_env: Env, world: World) -> None:
    client = simcord_env.bot
    assert isinstance(client, ShardedCarpoolClient) and client.shard_ids == [1] and client.shard_count == 2
    guild = simcord_env.create_guild("Shard one", shard_id=1)
    channel = guild.create_text_channel("pacing")
    member = guild.add_member(simcord_env.create_user("sam"))
    result = await member.slash(channel, "community info")
    assert "isn't a community home yet" in said(result)


def test_shard_ids_without_a_count_is_a_configuration_error(world: World) -> None:
    with pytest.raises(DiscordConfigError, match="SHARD_COUNT"):
        build_client(app_with(world, shard_ids=[0]))


async def test_a_shard_that_reconnects_catches_up_on_replies_it_missed(simcord_env: Env, world: World) -> None:
    scene = Scene.create(simcord_env, world, shard_id=1)
    forum, welcome = await scene.forum_home()
    asked = await scene.sam.slash(welcome, "ask", text="Which shard am I on?")
    assert "Posted:" in said(asked)
    [post] = [t for t in forum.threads if t.name == "Which shard am I on?"]
    shard = simcord_env.bot.get_shard(1)
    assert shard is not None
    await scene.advance(minutes=5)
    await shard.disconnect()  # the shard's connection drops; its events are lost meanwhile
    await scene.lena.send(post, "Shard one, and here is your answer")
    assert (await scene.question(1))["status"] == "open"
    client = simcord_env.bot
    ready = asyncio.ensure_future(client.wait_for("shard_ready", timeout=WAIT))
    await shard.reconnect()  # a new session: READY and the servers again, nothing replayed
    assert await ready == 1
    await simcord_env.settle()
    await client.thread_activity.idle()
    assert (await scene.question(1))["status"] == "answered"
