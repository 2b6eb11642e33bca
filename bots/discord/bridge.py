"""Runs what Discord users do through the core: slash commands, button clicks, autocomplete.

Every command is acknowledged (`defer`) before any database work waits on it, so Discord's
three-second deadline is never missed (a command that only reads runs while the
acknowledgement travels; one that writes starts once it arrived). The deferred answer
starts private when the command says its answers are personal. An answer of the other
visibility (an error after a public start, say) completes the placeholder, goes out as a
follow-up of the right visibility, and the placeholder is deleted: Discord fixes the first
answer's visibility at the `defer`.

A question asked in a forum home becomes a new post there (tagged "Open"); asked in a text
channel, it gets a thread on the answer that announces it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from typing import Any

import discord
from discord import app_commands

from bots.discord import forum
from bots.discord.edge import actor_of, where_of
from bots.discord.render import render
from core.commands.bus import CommandBus
from core.commands.parser import parse_scoped
from core.commands.spec import CommandSpec, Param, spec_for
from core.commands.suggest import suggest
from core.effects import Reply
from core.errors import UserError
from core.ports import UnitOfWork
from core.questions.activity import ThreadMessage
from core.refs import AccountRef, Actor, Where

log = logging.getLogger(__name__)

CHOICE_LIMIT = 25
HANDOFF = "…"
NO_PINGS = discord.AllowedMentions.none()
# In a forum, these open a post of their own instead of being about the post they are typed in.
NEW_POSTS = frozenset({("ask",), ("idea",)})
SETUP = ("community", "setup")

Ingest = Callable[[ThreadMessage], Awaitable[None]]


class Bridge:
    def __init__(self, bus: CommandBus, uow_factory: Callable[..., UnitOfWork], *,
                 ingest: Ingest | None = None) -> None:
        self.bus = bus
        self.uow_factory = uow_factory
        # Thread messages go to the core through here (grouped into shared transactions).
        self.ingest = ingest
        self.tags = forum.TagLocks()

    async def slash(self, interaction: discord.Interaction[Any], spec: CommandSpec,
                    values: Mapping[str, object]) -> None:
        try:
            cmd = spec.build(values)
        except UserError as error:
            # Nothing was looked up yet: answer at once, privately.
            await interaction.response.send_message(error.message, ephemeral=True, allowed_mentions=NO_PINGS)
            return
        await self.run(interaction, cmd)

    async def action(self, interaction: discord.Interaction[Any], command: str) -> None:
        try:
            # A button in a DM names its community (`in:3`): there is no home to find it by.
            cmd, community_id = parse_scoped(command)
        except UserError as error:
            await interaction.response.send_message(error.message, ephemeral=True, allowed_mentions=NO_PINGS)
            return
        await self.run(interaction, cmd, community_id)

    async def run(self, interaction: discord.Interaction[Any], cmd: object, community_id: int | None = None) -> None:
        spec = spec_for(cmd)
        where = where_of(interaction)
        new_post = where.room_kind == "forum" and spec.path in NEW_POSTS
        private = spec.private or new_post
        # An ephemeral answer (or a DM) is seen by nobody else: a secret ballot may be cast there.
        where = replace(where, private=private or where.direct, thread_id=None if new_post else where.thread_id)
        actor = actor_of(interaction.user)
        if spec.readonly:
            # Nothing is written, so the query need not wait for Discord to confirm the
            # acknowledgement: both travel at once (on Discord, one round trip saved).
            acknowledging = asyncio.ensure_future(acknowledge(interaction, private))
            await asyncio.sleep(0)  # the acknowledgement leaves first
            try:
                reply = await self.bus.run(cmd, actor, where, community_id=community_id)
            finally:
                acknowledged = await acknowledging
            if not acknowledged:
                return
        else:
            # A change is made only once Discord has the acknowledgement: an interaction that
            # expired already told the user it failed, and must not change anything.
            if not await acknowledge(interaction, private):
                return
            reply = await self.bus.run(cmd, actor, where, community_id=community_id)
        if reply.thread is not None and new_post:
            reply = await self._forum_post(interaction.client, where, reply, actor)
        elif spec.path == SETUP and where.room_kind == "forum" and not reply.error:
            reply = await self._forum_tags(interaction.client, where, reply)
        message = await answer(interaction, reply, deferred_private=private)
        if reply.thread is not None and message is not None:
            await self._thread_on(interaction, message, reply)

    async def _forum_post(self, client: discord.Client, where: Where, reply: Reply, actor: Actor) -> Reply:
        spec = reply.thread
        assert spec is not None
        try:
            home = await channel(client, where.room_id)
            if not isinstance(home, discord.ForumChannel):
                raise UserError("not a forum")
            post, note = await forum.forum_post(self.tags, home, spec, reply.text, actor.account)
        except (discord.HTTPException, UserError) as error:
            log.warning("could not open a forum post for a question (%s)", getattr(error, "status", "no forum"))
            return Reply("It is recorded (see `/questions mine`), but I couldn't open a post for it in this forum. "
                         "A server admin should check that I may create posts here.", private=True, error=True)
        if not await forum.attach(self.bus, spec, post.id):
            return Reply(f"It is posted as {post.mention}, but I couldn't link the post to it, so replies there "
                         "won't count. Please tell a leader.", private=True, error=True)
        return Reply(f"Posted: {post.mention}. Replies there are tracked, and leaders are nudged if it waits."
                     + (f"\n{note}" if note else ""), private=True)

    async def _forum_tags(self, client: discord.Client, where: Where, reply: Reply) -> Reply:
        """A forum home gets its status tags when it is set up; people hear if the bot may not."""
        try:
            home = await channel(client, where.room_id)
            if not isinstance(home, discord.ForumChannel):
                return reply
            _, note = await forum.ensure_tags(self.tags, home, list(forum.STATUS_TAGS.values()))
        except discord.HTTPException as error:
            log.warning("could not check a forum's tags (%s)", error.status)
            return reply
        return replace(reply, text=f"{reply.text}\n\n{note}") if note else reply

    async def _thread_on(self, interaction: discord.Interaction[Any], message: discord.Message, reply: Reply) -> None:
        spec = reply.thread
        assert spec is not None
        try:
            thread = await forum.thread_on(message, spec)
        except discord.HTTPException as error:
            log.warning("could not open a thread for a question (%s)", error.status)
            await interaction.followup.send("I couldn't open a thread for it here; leaders still see it in "
                                            "`/questions`. A server admin should check that I may create threads.",
                                            ephemeral=True, allowed_mentions=NO_PINGS)
            return
        if not await forum.attach(self.bus, spec, thread.id):
            await interaction.followup.send("I couldn't link the thread to the question, so replies there won't "
                                            "count. Please tell a leader.", ephemeral=True, allowed_mentions=NO_PINGS)

    async def choices(self, interaction: discord.Interaction[Any], param: Param,
                      current: str | int) -> list[app_commands.Choice[Any]]:
        if param.suggest is None:
            return []
        filled = {name: value for name, value in interaction.namespace if name != param.name}
        try:
            async with self.uow_factory(readonly=True) as uow:
                found = await suggest(uow, param.suggest, where_of(interaction), str(current or ""), filled,
                                      limit=CHOICE_LIMIT, account=AccountRef("discord", str(interaction.user.id)))
        except Exception:
            log.exception("suggestions from %s failed", param.suggest)
            return []
        if param.type == "int":
            return [app_commands.Choice(name=s.label, value=int(s.value)) for s in found if s.value.isdigit()]
        return [app_commands.Choice(name=s.label, value=s.value) for s in found if s.value]


async def acknowledge(interaction: discord.Interaction[Any], private: bool) -> bool:
    """Defer the answer (Discord waits three seconds for it, fifteen minutes after it)."""
    try:
        await interaction.response.defer(ephemeral=private, thinking=True)
    except discord.NotFound:
        # Expired before we saw it (a long pause): the user got Discord's failure notice.
        log.info("an interaction expired before it could be acknowledged; not run")
        return False
    return True


async def channel(client: discord.Client, channel_id: str) -> Any:
    ident = int(channel_id)
    return client.get_channel(ident) or await client.fetch_channel(ident)


async def answer(interaction: discord.Interaction[Any], reply: Reply, *, deferred_private: bool
                 ) -> discord.Message | None:
    """Complete a deferred interaction with `reply`, split over several messages if long;
    the message that took the place of the placeholder, if one did."""
    parts, view = render(reply.text, reply.actions, reply.choose)
    followups = parts
    first: discord.Message | None = None
    if reply.private == deferred_private:
        head, followups = parts[0], parts[1:]
        first = await interaction.edit_original_response(content=head, view=None if followups else view,
                                                         allowed_mentions=NO_PINGS)
    else:
        await interaction.edit_original_response(content=HANDOFF)
    for index, part in enumerate(followups):
        last = index == len(followups) - 1
        if last and view is not None:
            await interaction.followup.send(part, ephemeral=reply.private, view=view, allowed_mentions=NO_PINGS)
        else:
            await interaction.followup.send(part, ephemeral=reply.private, allowed_mentions=NO_PINGS)
    if reply.private != deferred_private:
        try:
            await interaction.delete_original_response()
        except discord.HTTPException:
            log.info("could not delete a placeholder answer")
    return first
