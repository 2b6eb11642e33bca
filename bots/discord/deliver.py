"""Outbound effects on Discord: DMs (with a mention in the community home when DMs are
closed), posts in a home channel, thread or forum, and the leader role following the core.

Messages carry a nonce derived from the outbox key, with `enforce_nonce`: if a delivery is
repeated after a crash between sending and recording it, Discord returns the first message
instead of posting a second. Failures become DeliveryError, so the dispatcher retries
(transient, rate limits after `retry_after`) or gives up (permanent) with a clear reason.
Reasons never contain message text.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from typing import Any, assert_never

import discord

from bots.discord.forum import TagLocks, tag_post
from bots.discord.render import allowed_mentions, render
from core.effects import Action, DirectMessage, HomePost, OutboundEffect, RoleChange, ThreadUpdate
from core.errors import DeliveryError
from core.refs import AccountRef, HomeRef, mention

log = logging.getLogger(__name__)

DMS_CLOSED = 50007  # "Cannot send messages to this user"
NONCE_LIMIT = 25
TITLE_LIMIT = 100
FALLBACK = "{mention} I couldn't send you a direct message (your DMs are closed), so here it is:\n"


def nonce_for(key: str, part: int = 0) -> str:
    """A short stable nonce for outbox item `key` (Discord allows 25 characters)."""
    return hashlib.blake2b(f"{key}#{part}".encode(), digest_size=12).hexdigest()[:NONCE_LIMIT]


async def deliver(client: discord.Client, effect: OutboundEffect, key: str) -> None:
    try:
        match effect:
            case DirectMessage():
                await _direct(client, effect, key)
            case HomePost():
                await _post(client, effect.home, effect.thread_id, effect.text, effect.actions,
                            effect.mentions, key)
            case RoleChange():
                await _role(client, effect)
            case ThreadUpdate():
                await _thread_state(client, effect, key)
            case _:
                assert_never(effect)
    except DeliveryError:
        raise
    except discord.RateLimited as error:
        raise DeliveryError("Discord rate limit", retry_after=error.retry_after) from None
    except discord.HTTPException as error:
        raise _failure(error) from None


def _failure(error: discord.HTTPException) -> DeliveryError:
    what = f"Discord answered {error.status} (code {error.code})"
    if error.status == 429:
        return DeliveryError(what, retry_after=_retry_after(error))
    if error.status >= 500:
        return DeliveryError(what)
    # Unknown channel, missing access, invalid body: trying again cannot help.
    return DeliveryError(what, permanent=True)


def _retry_after(error: discord.HTTPException) -> float | None:
    header = error.response.headers.get("Retry-After") if error.response is not None else None
    try:
        return float(header) if header is not None else None
    except ValueError:
        return None


async def _direct(client: discord.Client, effect: DirectMessage, key: str) -> None:
    user_id = _snowflake(effect.to.user_id, "user")
    user = client.get_user(user_id) or await client.fetch_user(user_id)
    try:
        channel = user.dm_channel or await user.create_dm()
        await _send(channel, effect.text, effect.actions, [effect.to], key)
    except discord.Forbidden as error:
        if error.code != DMS_CLOSED:
            raise
        if effect.fallback is None:
            raise DeliveryError("the person's DMs are closed and there is no home to mention them in",
                                permanent=True) from None
        log.info("DMs closed for a Discord user; mentioning them in their community home instead")
        text = FALLBACK.format(mention=mention(effect.to, user.display_name)) + effect.text
        # In a forum home this opens a post: its title says who it is for, not the raw mention.
        await _post(client, effect.fallback, None, text, effect.actions, [effect.to], key,
                    title=f"For {user.display_name}")


async def _post(client: discord.Client, home: HomeRef, thread_id: str | None, text: str,
                actions: Sequence[Action], mentions: Sequence[AccountRef], key: str, *, title: str | None = None
                ) -> None:
    if thread_id is not None:
        target: discord.abc.Messageable = client.get_partial_messageable(_snowflake(thread_id, "thread"))
        await _send(target, text, actions, mentions, key)
        return
    channel_id = _snowflake(home.room_id, "channel")
    channel = client.get_channel(channel_id) or await client.fetch_channel(channel_id)
    if isinstance(channel, discord.ForumChannel):
        # A forum takes posts, not messages: the text opens a post of its own.
        parts, view = render(text, actions)
        title = (title or discord.utils.remove_markdown(parts[0].split("\n", 1)[0]))[:TITLE_LIMIT] or "Message"
        kwargs: dict[str, Any] = {"view": view} if view is not None and len(parts) == 1 else {}
        created = await channel.create_thread(name=title, content=parts[0],
                                              allowed_mentions=allowed_mentions(mentions), **kwargs)
        if len(parts) > 1:
            await _send_parts(created.thread, parts[1:], view, mentions, key, first=1)
        return
    if not isinstance(channel, discord.abc.Messageable):
        raise DeliveryError(f"Discord channel {channel_id} cannot take messages", permanent=True)
    await _send(channel, text, actions, mentions, key)


async def _send(channel: discord.abc.Messageable, text: str, actions: Sequence[Action],
                mentions: Sequence[AccountRef], key: str) -> None:
    parts, view = render(text, actions)
    await _send_parts(channel, parts, view, mentions, key)


async def _send_parts(channel: discord.abc.Messageable, parts: Sequence[str], view: discord.ui.View | None,
                      mentions: Sequence[AccountRef], key: str, *, first: int = 0) -> None:
    pings = allowed_mentions(mentions)
    for index, part in enumerate(parts, start=first):
        if index == first + len(parts) - 1 and view is not None:
            await channel.send(part, view=view, nonce=nonce_for(key, index), allowed_mentions=pings)
        else:
            await channel.send(part, nonce=nonce_for(key, index), allowed_mentions=pings)


async def _thread_state(client: discord.Client, effect: ThreadUpdate, key: str) -> None:
    thread_id = _snowflake(effect.thread_id, "thread")
    thread = client.get_channel(thread_id) or await client.fetch_channel(thread_id)
    if not isinstance(thread, discord.Thread):
        return
    thread, note = await tag_post(tag_locks(client), thread, effect.status)
    if note is not None:
        # Said where the people who care look; the question's state changed all the same.
        await _send(thread, note, (), (), key)
    if effect.archive and not thread.archived:
        await thread.edit(archived=True, reason="Carpool: the question is solved")


def tag_locks(client: discord.Client) -> TagLocks:
    bridge = getattr(client, "bridge", None)
    return bridge.tags if bridge is not None else TagLocks()


async def _role(client: discord.Client, effect: RoleChange) -> None:
    if effect.discord_role_id is None:
        return  # the community mirrors no role on Discord
    role = discord.Object(_snowflake(effect.discord_role_id, "role"))
    guild_id = _snowflake(effect.home.space_id or "", "server")
    guild = client.get_guild(guild_id) or await client.fetch_guild(guild_id)
    user_id = _snowflake(effect.account.user_id, "user")
    try:
        member = guild.get_member(user_id) or await guild.fetch_member(user_id)
    except discord.NotFound:
        raise DeliveryError("the person is no longer on the server", permanent=True) from None
    reason = f"Carpool: {'now' if effect.granted else 'no longer'} {effect.role.value} of {effect.community_name}"
    try:
        if effect.granted:
            await member.add_roles(role, reason=reason[:500])
        else:
            await member.remove_roles(role, reason=reason[:500])
    except discord.Forbidden:
        raise DeliveryError(
            "the bot may not manage the leader role: give it Manage Roles and place its own role above "
            "the leader role", permanent=True) from None
    except discord.NotFound:
        raise DeliveryError("the configured leader role no longer exists on the server", permanent=True) from None


def _snowflake(value: str, what: str) -> int:
    if not value.isdigit():
        raise DeliveryError(f"not a Discord {what} id", permanent=True)
    return int(value)
