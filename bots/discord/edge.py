"""Who and where, as Discord says at the edge of an interaction or a message.

A thread (a forum post, or a thread in a text channel) belongs to its parent channel's
community: the parent is the home, the thread is `Where.thread_id`. An interaction is
private when its answer is ephemeral (nobody else sees the command or the answer) or it
happens in a DM: that is where a secret ballot may be cast.
"""

from __future__ import annotations

from typing import Any, Literal

import discord

from core.refs import AccountRef, Actor, Where


def actor_of(user: discord.User | discord.Member) -> Actor:
    # Manage Server is what Discord calls a server admin; `administrator` implies it.
    admin = isinstance(user, discord.Member) and user.guild_permissions.manage_guild
    return Actor(AccountRef("discord", str(user.id)), user.display_name, is_space_admin=admin, is_bot=user.bot)


def where_of(interaction: discord.Interaction[Any], *, private: bool = False) -> Where:
    channel = interaction.channel
    channel_id = str(interaction.channel_id)
    if interaction.guild_id is None:
        return Where("discord", room_id=channel_id, direct=True, private=True)
    return where_in(channel, interaction.channel_id, interaction.guild_id, private=private)


def where_in(channel: object, channel_id: int | None, guild_id: int, *, private: bool = False) -> Where:
    """Where something happens in channel `channel` (as discord.py has it) of server `guild_id`."""
    space = str(guild_id)
    if isinstance(channel, discord.Thread):
        return Where("discord", room_id=str(channel.parent_id), space_id=space, thread_id=str(channel.id),
                     private=private, room_kind=kind_of(channel.parent))
    return Where("discord", room_id=str(channel_id), space_id=space, private=private, room_kind=kind_of(channel))


def kind_of(channel: object) -> Literal["forum", "text"]:
    return "forum" if isinstance(channel, discord.ForumChannel) else "text"
