"""Who and where, as Discord says at the edge of an interaction.

A thread (a forum post, or a thread in a text channel) belongs to its parent channel's
community: the parent is the home, the thread is `Where.thread_id`.
"""

from __future__ import annotations

from typing import Any

import discord

from core.refs import AccountRef, Actor, Where


def actor_of(user: discord.User | discord.Member) -> Actor:
    # Manage Server is what Discord calls a server admin; `administrator` implies it.
    admin = isinstance(user, discord.Member) and user.guild_permissions.manage_guild
    return Actor(AccountRef("discord", str(user.id)), user.display_name, is_space_admin=admin, is_bot=user.bot)


def where_of(interaction: discord.Interaction[Any]) -> Where:
    channel = interaction.channel
    channel_id = str(interaction.channel_id)
    if interaction.guild_id is None:
        return Where("discord", room_id=channel_id, direct=True)
    guild_id = str(interaction.guild_id)
    if isinstance(channel, discord.Thread):
        return Where("discord", room_id=str(channel.parent_id), space_id=guild_id, thread_id=str(channel.id),
                     room_kind="forum" if isinstance(channel.parent, discord.ForumChannel) else "text")
    return Where("discord", room_id=channel_id, space_id=guild_id,
                 room_kind="forum" if isinstance(channel, discord.ForumChannel) else "text")
