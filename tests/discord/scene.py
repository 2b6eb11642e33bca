"""A small Discord server on SimCord for the journeys: a community channel, a server admin
who sets the community up (and so leads it), a member, and helpers to read answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import discord
from simcord import Env
from simcord.actors import MemberActor
from simcord.builders import ChannelHandle, GuildHandle, RoleHandle
from simcord.results import InteractionResult, ResponseMessage

from core.effects import OutboundEffect
from tests.world import World


@dataclass
class Scene:
    env: Env
    world: World
    guild: GuildHandle
    channel: ChannelHandle
    admins: RoleHandle
    lena: MemberActor  # server admin, sets the community up and leads it
    sam: MemberActor  # an ordinary member of the server

    @classmethod
    def create(cls, env: Env, world: World, *, shard_id: int | None = None) -> Scene:
        guild = env.create_guild("Carpool", shard_id=shard_id)
        channel = guild.create_text_channel("pacing")
        admins = guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
        lena = guild.add_member(env.create_user("lena", global_name="Lena"), roles=[admins])
        sam = guild.add_member(env.create_user("sam", global_name="Sam"))
        # One time for both sides: message timestamps from simulated Discord and the core's clock.
        world.clock.set(env.now())
        return cls(env, world, guild, channel, admins, lena, sam)

    async def community(self, channel: ChannelHandle | None = None) -> None:
        result = await self.lena.slash(channel or self.channel, "community setup", name="Pacing Circle",
                                       domain="living with ME/CFS")
        assert "is set up here" in said(result), said(result)

    async def joined(self, member: MemberActor, where: ChannelHandle | None = None) -> None:
        result = await member.slash(where or self.channel, "join-accept")
        assert "Welcome to" in said(result), said(result)

    def forum_post(self, forum: ChannelHandle, author: MemberActor, title: str) -> ChannelHandle:
        """A post a member opens in a forum channel (a public thread in the forum)."""
        thread = self.env.backend.create_thread(forum.id, title, author.id)
        return ChannelHandle(self.env, self.guild, thread)

    async def member_post(self, forum: ChannelHandle, author: MemberActor, title: str,
                          text: str = "Details in the post.") -> ChannelHandle:
        """A post a member opens in a forum, with its first message, as the bot sees them."""
        post = self.forum_post(forum, author, title)
        await author.send(post, text)
        await self.env.settle()
        return post

    async def forum_home(self) -> tuple[ChannelHandle, ChannelHandle]:
        """A forum channel set up as the community's home; Sam has joined. Returns the forum and
        the welcome post commands are typed in."""
        forum = self.guild.create_forum_channel("questions")
        welcome = self.forum_post(forum, self.lena, "Welcome")
        await self.community(welcome)
        await self.joined(self.sam, welcome)
        return forum, welcome

    def tags(self, channel: ChannelHandle) -> list[str]:
        """The names of the tags a forum post carries."""
        stored = self.env.backend.get_channel(channel.id)
        forum = self.env.backend.get_channel(stored.parent_id) if stored.parent_id is not None else None
        names = {int(t["id"]): t["name"] for t in forum.available_tags} if forum is not None else {}
        return [names.get(t, str(t)) for t in stored.applied_tags]

    def available_tags(self, forum: ChannelHandle) -> list[str]:
        return [t["name"] for t in self.env.backend.get_channel(forum.id).available_tags]

    def archived(self, channel: ChannelHandle) -> bool:
        meta = self.env.backend.get_channel(channel.id).thread_metadata
        return meta is not None and meta.archived

    async def advance(self, **delta: float) -> None:
        """Time passes, for the core and for simulated Discord alike."""
        step = timedelta(**delta)
        self.world.clock.advance(step)
        await self.env.advance_time(step.total_seconds())

    async def sweep(self) -> None:
        """Fire every due timer (a rung arms a digest that is due at once), deliver the outbox."""
        while await self.world.app.sweeper.run_once():
            pass
        await self.deliver()

    async def question(self, number: int) -> dict[str, Any]:
        [row] = await self.world.sql(f"SELECT status, thread_id, first_response_at, snoozed_until, text FROM questions "
                                     f"WHERE number = {int(number)}")
        return dict(zip(("status", "thread_id", "first_response_at", "snoozed_until", "text"), row, strict=True))

    async def timers(self, kind: str) -> list[str]:
        rows = await self.world.sql(f"SELECT subject FROM timers WHERE kind = '{kind}' AND state = 'pending'")
        return [r[0] for r in rows]

    async def emit(self, effect: OutboundEffect, key: str | None = None) -> None:
        """Write an outbound effect to the outbox, as a core command would."""
        async with self.world.app.uow() as uow:
            await uow.outbox.add(effect, key)
            await uow.commit()

    async def deliver(self) -> int:
        delivered = await self.world.deliver()
        await self.env.settle()
        return delivered


def messages(result: InteractionResult) -> list[ResponseMessage]:
    """What the user sees after an interaction: the answer and any follow-ups."""
    found = [result.response] if result.response is not None else []
    return found + result.followups


def said(result: InteractionResult) -> str:
    return "\n".join(m.content for m in messages(result))


def private(result: InteractionResult) -> bool:
    shown = messages(result)
    return bool(shown) and all(m.ephemeral for m in shown)


def public(result: InteractionResult) -> bool:
    shown = messages(result)
    return bool(shown) and not any(m.ephemeral for m in shown)


def buttons(message: ResponseMessage | discord.Message) -> list[dict[str, Any]]:
    rows = message.components if isinstance(message, ResponseMessage) else [
        c.to_dict() for c in message.components]
    return [c for row in rows for c in row.get("components", [])]
