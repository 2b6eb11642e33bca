"""A small Discord server on SimCord for the journeys: a community channel, a server admin
who sets the community up (and so leads it), a member, and helpers to read answers."""

from __future__ import annotations

from dataclasses import dataclass
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
    def create(cls, env: Env, world: World) -> Scene:
        guild = env.create_guild("Carpool")
        channel = guild.create_text_channel("pacing")
        admins = guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
        lena = guild.add_member(env.create_user("lena", global_name="Lena"), roles=[admins])
        sam = guild.add_member(env.create_user("sam", global_name="Sam"))
        return cls(env, world, guild, channel, admins, lena, sam)

    async def community(self, channel: ChannelHandle | None = None) -> None:
        result = await self.lena.slash(channel or self.channel, "community setup", name="Pacing Circle",
                                       domain="living with ME/CFS")
        assert "is set up here" in said(result), said(result)

    async def joined(self, member: MemberActor) -> None:
        result = await member.slash(self.channel, "join-accept")
        assert "Welcome to" in said(result), said(result)

    def forum_post(self, forum: ChannelHandle, author: MemberActor, title: str) -> ChannelHandle:
        """A post a member opens in a forum channel (a public thread in the forum)."""
        thread = self.env.backend.create_thread(forum.id, title, author.id)
        return ChannelHandle(self.env, self.guild, thread)

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
