"""Questions as threads: forum posts with status tags, threads on an answer in a text channel.

A forum home shows a question's state with tags ("Open", "Solved", …) that the bot creates
when missing. Creating a tag needs Manage Channels and tagging someone else's post Manage
Threads; without them the bot carries on untagged and says so once where it matters (the
setup answer, the asker's answer, a note in the post) rather than failing the question.

Creating a forum post has no idempotency key on Discord, so a post is created once and only
the recording of its id is retried.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable, Sequence
from typing import Any

import discord

from bots.discord.render import allowed_mentions, render
from core.commands.bus import CommandBus
from core.effects import OpenThread
from core.refs import AccountRef

log = logging.getLogger(__name__)

# The forum tags a question's post carries, by state.
STATUS_TAGS = {"open": "Open", "answered": "Answered", "solved": "Solved", "closed": "Closed"}
STATUS_NAMES = frozenset(STATUS_TAGS.values())
TAGS_PER_POST = 5
TITLE_LIMIT = 100
ATTACH_ATTEMPTS = 3

CANNOT_CREATE = ("I couldn't create the forum tags {names} here: I need the **Manage Channels** permission "
                 "in this forum (or a server admin can add the tags).")
CANNOT_APPLY = "I couldn't set the “{name}” tag on this post: I need the **Manage Threads** permission in this forum."
FORUM_FULL = "I couldn't add the forum tags {names}: this forum already has as many tags as Discord allows."

def _quoted(names: Iterable[str]) -> str:
    return ", ".join(f"“{n}”" for n in names)


class TagLocks:
    """One tag creation at a time per forum: two questions asked together must not add "Open"
    twice. Kept by the client (a lock belongs to one event loop)."""

    def __init__(self) -> None:
        self._locks: dict[int, asyncio.Lock] = {}

    def of(self, forum_id: int) -> asyncio.Lock:
        return self._locks.setdefault(forum_id, asyncio.Lock())


async def ensure_tags(locks: TagLocks, forum: discord.ForumChannel, names: Sequence[str]
                      ) -> tuple[dict[str, discord.ForumTag], str | None]:
    """The forum's tags called `names`, created in one edit when missing; and a note for
    people when some could not be created."""
    async with locks.of(forum.id):
        current = forum.guild.get_channel(forum.id)
        if isinstance(current, discord.ForumChannel):
            forum = current  # the cache follows channel updates; the object we were given may be older
        found = {tag.name: tag for tag in forum.available_tags if tag.name in names}
        missing = [name for name in names if name not in found]
        if not missing:
            return found, None
        tags = [*forum.available_tags, *(discord.ForumTag(name=name) for name in missing)]
        try:
            edited = await forum.edit(available_tags=tags, reason="Carpool: question status tags")
        except discord.Forbidden:
            return found, CANNOT_CREATE.format(names=_quoted(missing))
        except discord.HTTPException as error:
            if error.status >= 500:
                raise
            # Forums hold at most 20 tags.
            return found, FORUM_FULL.format(names=_quoted(missing))
        if isinstance(edited, discord.ForumChannel):
            found = {tag.name: tag for tag in edited.available_tags if tag.name in names}
        return found, None


def with_status(applied: Sequence[discord.ForumTag], tag: discord.ForumTag) -> list[discord.ForumTag]:
    """The post's tags with `tag` as its only status tag (a post carries at most five)."""
    kept = [t for t in applied if t.name not in STATUS_NAMES and t.id != tag.id]
    return [*kept[: TAGS_PER_POST - 1], tag]


async def tag_post(locks: TagLocks, thread: discord.Thread, status: str) -> tuple[discord.Thread, str | None]:
    """Give a forum post its status tag; the post as it is now, and a note for people when
    the bot may not."""
    forum = thread.parent
    if not isinstance(forum, discord.ForumChannel):
        return thread, None
    name = STATUS_TAGS[status]
    tags, note = await ensure_tags(locks, forum, [name])
    tag = tags.get(name)
    if tag is None:
        return thread, note
    wanted = with_status(thread.applied_tags, tag)
    if [t.id for t in wanted] == [t.id for t in thread.applied_tags]:
        return thread, note
    changes: dict[str, Any] = {"applied_tags": wanted}
    if thread.archived:
        # Discord refuses changes to an archived post unless the same edit reopens it.
        changes["archived"] = False
    try:
        thread = await thread.edit(**changes, reason="Carpool: question status")
    except discord.Forbidden:
        note = CANNOT_APPLY.format(name=name)
    return thread, note


async def forum_post(locks: TagLocks, forum: discord.ForumChannel, spec: OpenThread, text: str,
                     asker: AccountRef) -> tuple[discord.Thread, str | None]:
    """A new post in `forum` holding `text`, tagged by status; and a note when the tags could
    not be set."""
    tags, note = await ensure_tags(locks, forum, [STATUS_TAGS["open"], *spec.tags])
    applied = [tags[name] for name in dict.fromkeys([STATUS_TAGS["open"], *spec.tags]) if name in tags]
    parts, _ = render(text)
    # Mentioning the asker makes them follow the post, so they hear of the replies.
    created = await forum.create_thread(name=title(spec.title), content=parts[0], applied_tags=applied[:TAGS_PER_POST],
                                        allowed_mentions=allowed_mentions([asker]))
    for part in parts[1:]:
        await created.thread.send(part, allowed_mentions=allowed_mentions())
    return created.thread, note


async def thread_on(message: discord.Message, spec: OpenThread) -> discord.Thread:
    """A thread started on `message` (the answer that announced the question)."""
    return await message.create_thread(name=title(spec.title))


def title(text: str) -> str:
    return discord.utils.remove_markdown(" ".join(text.split()))[:TITLE_LIMIT] or "Question"


async def attach(bus: CommandBus, spec: OpenThread, thread_id: int) -> bool:
    """Record the thread opened for `spec`. The thread exists now and cannot be made again
    safely, so it is the recording that is retried."""
    for attempt in range(ATTACH_ATTEMPTS):
        try:
            await bus.attach_thread(spec.key, str(thread_id))
            return True
        except Exception:
            log.warning("recording a question's thread failed (attempt %d)", attempt + 1, exc_info=True)
    return False
