"""What happens in questions' threads, from gateway events: metadata only (author, thread,
time), never message text, so the bot needs no privileged message-content intent.

- A message in a thread goes to the core's activity ingest (first response, follow-ups,
  the ladder stopped), grouped with concurrent ones into one transaction.
- A post a member opens in a forum home is a question: its title is the question.
- After a reconnect (or a restart) Discord does not replay what was missed: the open
  questions' threads among the servers' active threads are read back from the last activity
  the core knows of, so a reply sent while the bot was away still stops the clock.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

import discord

from bots.discord import forum
from bots.discord.deliver import nonce_for
from bots.discord.edge import actor_of, where_in
from bots.discord.render import allowed_mentions, render
from core.commands.spec import REGISTRY
from core.questions.activity import ThreadMessage
from core.questions.model import DONE
from core.refs import mention

if TYPE_CHECKING:
    from bots.discord.bridge import Bridge

log = logging.getLogger(__name__)

COUNTED = frozenset({discord.MessageType.default, discord.MessageType.reply})
# Per thread and catch-up: a question with more missed replies than this has had its answer.
HISTORY_LIMIT = 50
CHUNK = 500
NOT_CHANNELS = (discord.TextChannel, discord.ForumChannel, discord.VoiceChannel, discord.StageChannel,
                discord.CategoryChannel)


def counts(message: discord.Message) -> bool:
    """A person's message in a thread of a server (bots, webhooks and system messages never count)."""
    return (message.guild is not None and not message.author.bot and message.webhook_id is None
            and message.type in COUNTED and not isinstance(message.channel, NOT_CHANNELS))


def thread_message(message: discord.Message) -> ThreadMessage:
    return ThreadMessage("discord", str(message.channel.id), actor_of(message.author), message.created_at)


class Activity:
    def __init__(self, bridge: Bridge) -> None:
        self.bridge = bridge
        self._catching_up: asyncio.Task[None] | None = None
        self._waiting: dict[int, discord.Guild] = {}

    # -- messages ----------------------------------------------------------------------------
    async def message(self, message: discord.Message) -> None:
        ingest = self.bridge.ingest
        if ingest is None or not counts(message):
            return
        try:
            await ingest(thread_message(message))
        except Exception:
            log.exception("recording a thread message failed")

    # -- forum posts -------------------------------------------------------------------------
    async def forum_post(self, thread: discord.Thread, me: discord.abc.Snowflake | None) -> None:
        """A post opened in a forum home asks its title as a question."""
        if not isinstance(thread.parent, discord.ForumChannel) or me is None or thread.owner_id == me.id:
            return
        where = where_in(thread, thread.id, thread.guild.id)
        async with self.bridge.uow_factory(readonly=True) as uow:
            home = await uow.homes.find("discord", where.home_candidates())
        if home is None:
            return  # a forum that is no community's home: not ours to answer in
        owner = thread.owner
        if owner is None and thread.owner_id is not None:
            try:
                owner = await thread.guild.fetch_member(thread.owner_id)
            except discord.HTTPException:
                owner = None
        if owner is None or owner.bot:
            return
        cmd = REGISTRY[("ask",)].build({"text": thread.name})
        reply = await self.bridge.bus.run(cmd, actor_of(owner), where)
        note = None
        if not reply.error:
            try:
                thread, note = await forum.tag_post(self.bridge.tags, thread, "open")
            except discord.HTTPException as error:
                log.warning("could not tag a forum post (%s)", error.status)
        text = reply.text if not reply.error else f"{mention(actor_of(owner).account, owner.display_name)} {reply.text}"
        parts, view = render(text + (f"\n{note}" if note else ""), reply.actions)
        pings = allowed_mentions([actor_of(owner).account] if reply.error else [])
        for index, part in enumerate(parts):
            last = index == len(parts) - 1
            extra: dict[str, Any] = {"view": view} if last and view is not None else {}
            try:
                await thread.send(part, nonce=nonce_for(f"post:{thread.id}", index), allowed_mentions=pings, **extra)
            except discord.HTTPException as error:
                log.warning("could not answer in a forum post (%s)", error.status)
                return

    # -- catching up after a reconnect -------------------------------------------------------
    def catch_up_soon(self, guilds: Iterable[discord.Guild]) -> None:
        """Catch up on `guilds` in the background (events keep flowing meanwhile), one run at
        a time: servers asked for while a run goes on are caught up by the next."""
        self._waiting.update((g.id, g) for g in guilds)
        if self._waiting and (self._catching_up is None or self._catching_up.done()):
            self._catching_up = asyncio.create_task(self._catch_up_loop(), name="discord-catch-up")

    async def idle(self) -> None:
        """Wait until no catch-up runs (tests, and a clean stop)."""
        while self._catching_up is not None and not self._catching_up.done():
            await asyncio.wait([self._catching_up])

    async def _catch_up_loop(self) -> None:
        while self._waiting:
            guilds = list(self._waiting.values())
            self._waiting.clear()
            try:
                await self.catch_up(guilds)
            except Exception:
                log.exception("catching up on missed thread messages failed")

    async def catch_up(self, guilds: Iterable[discord.Guild]) -> int:
        """Record the messages of open questions' threads that arrived while the bot was away,
        and take up the forum posts it never saw; returns how many messages."""
        missed = 0
        for guild in guilds:
            try:
                threads = await guild.active_threads()
            except discord.HTTPException as error:
                log.warning("could not list a server's active threads (%s)", error.status)
                continue
            missed += await self._catch_up_threads(threads, guild.me)
        return missed

    async def _catch_up_threads(self, threads: Sequence[discord.Thread], me: discord.abc.Snowflake) -> int:
        ingest = self.bridge.ingest
        if ingest is None or not threads:
            return 0
        by_id = {str(t.id): t for t in threads}
        ids = list(by_id)
        async with self.bridge.uow_factory(readonly=True) as uow:
            questions = {}
            for start in range(0, len(ids), CHUNK):
                questions.update(await uow.questions.by_threads("discord", ids[start:start + CHUNK]))
        for post in await self._unseen_posts([t for t in threads if str(t.id) not in questions], me):
            await self.forum_post(post, me)
        missed: list[ThreadMessage] = []
        for thread_id, question in questions.items():
            thread = by_id[thread_id]
            if question.status in DONE or not _newer(thread.last_message_id, question.last_activity_at):
                continue
            try:
                async for message in thread.history(limit=HISTORY_LIMIT, after=question.last_activity_at,
                                                    oldest_first=True):
                    if counts(message):
                        missed.append(thread_message(message))
            except discord.HTTPException as error:
                log.warning("could not read a thread's missed messages (%s)", error.status)
        if missed:
            # Submitted together, they share transactions; each thread's order is kept.
            await asyncio.gather(*(ingest(m) for m in missed))
            log.info("caught up on %d thread message(s) sent while away", len(missed))
        return len(missed)


    async def _unseen_posts(self, threads: Sequence[discord.Thread], me: discord.abc.Snowflake
                            ) -> list[discord.Thread]:
        """Posts members opened in a forum home while the bot was away: newer than the
        community, and without a word from the bot (it answers in every post it sees)."""
        candidates = [t for t in threads if isinstance(t.parent, discord.ForumChannel)
                      and t.owner_id is not None and t.owner_id != me.id]
        if not candidates:
            return []
        since: dict[int, datetime | None] = {}
        async with self.bridge.uow_factory(readonly=True) as uow:
            for forum_id in {t.parent_id for t in candidates}:
                home = await uow.homes.find("discord", [str(forum_id)])
                community = await uow.communities.get(home.community_id) if home is not None else None
                since[forum_id] = community.created_at if community is not None else None
        unseen = []
        for thread in candidates:
            start = since.get(thread.parent_id)
            if start is None or (thread.created_at or discord.utils.snowflake_time(thread.id)) <= start:
                continue
            try:
                answered = [m async for m in thread.history(limit=HISTORY_LIMIT, oldest_first=True)
                            if m.author.id == me.id]
            except discord.HTTPException as error:
                log.warning("could not read a forum post's messages (%s)", error.status)
                continue
            if not answered:
                unseen.append(thread)
        return unseen


def _newer(message_id: int | None, than: datetime) -> bool:
    return message_id is not None and discord.utils.snowflake_time(message_id) > than
