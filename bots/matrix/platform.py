"""The Matrix platform: sync, turn `!cop` messages into core commands, reply in the command's
thread, and deliver the outbox (direct messages, home posts, power levels).

Sync position: the token is kept in the database once every event before it was handled
(commands run in a worker task, in order, so the sync loop keeps going meanwhile). The first
start ever skips the backlog; later starts continue from the token (with the full room state,
so nio knows every room's members and encryption again), so commands sent while the bot was
down are answered once and older ones never again. Commands that change something are claimed
by event id first, so a crash between a command and storing the token does not run it twice;
a reply's transaction id comes from the command's event id, so the homeserver drops a repeat.

Questions: `!cop ask …` posts the question as a new message that is the root of its thread;
a member's own top-level message starting with `?` in a community room is a question too, with
its own event as the thread root. Every other message in a thread (m.thread relation) goes to the
ingest queue, which records answers and stops the leaders' response clock.

Bots: messages from the bot itself, from users listed in `bot_users` (wildcards allowed) and
every `m.notice` (Matrix's convention for automated messages, which this bot uses for its own
replies) are ignored, so two bots never answer each other.
"""

from __future__ import annotations

import asyncio
import fnmatch
import logging
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Any, Literal, assert_never

from nio import (
    AsyncClient,
    InviteMemberEvent,
    MegolmEvent,
    RoomMessagesResponse,
    RoomSendResponse,
    SyncResponse,
)
from nio.api import MessageDirection
from nio.exceptions import LocalProtocolError

from bots.matrix.calls import CONNECTION_ERRORS, MatrixCallError, call, delivery_error, txn_id
from bots.matrix.direct import DirectRooms
from bots.matrix.leaders import LeaderPower
from bots.matrix.links import event_link, event_links, relink, server_of
from bots.matrix.render import command_line, in_thread, message_content, strip_reply_fallback
from bots.matrix.rooms import RoomStates
from bots.matrix.session import MatrixLoginError, forget_session, open_client
from config.settings import MatrixSettings
from core.commands.parser import parse_scoped
from core.commands.spec import spec_for
from core.effects import Action, DirectMessage, HomePost, OutboundEffect, Reply, RoleChange, ThreadUpdate
from core.errors import DeliveryError, UserError
from core.questions.activity import ThreadMessage
from core.questions.commands import Ask
from core.refs import AccountRef, Actor, HomeRef, Where, mention
from storage.matrix import SYNC_TOKEN, SqlMatrixState

if TYPE_CHECKING:
    from bots.bootstrap import App

log = logging.getLogger(__name__)

TIMELINE_LIMIT = 100
# The first sync ever only needs the rooms' state: its messages are backlog.
FIRST_SYNC_FILTER: dict[str, Any] = {"room": {"timeline": {"limit": 1}}, "presence": {"not_types": ["*"]}}
GAP_PAGES = 20
READY_TIMEOUT = 30.0
ROOM_WAIT = 30.0
SEND_ROOM_WAIT = 10.0
MAX_SYNC_BACKOFF = 30.0
KEEP_HANDLED_EVENTS = timedelta(days=3)
WORK_QUEUE = 10_000
SECRET_SENT = "I sent you a direct message with that (it holds a code only you should use)."
SECRET_FAILED = "I couldn't open a direct message with you. Send me the command in a direct message instead."
# Where a question's thread root lives, kept for thread roots in rooms of a space: the core
# links a question to its community's home, which for a space home is the space itself.
ROOT_ROOM = "root-room:"
SEND_ERRORS = (MatrixCallError, LocalProtocolError, TimeoutError, *CONNECTION_ERRORS)


@dataclass(frozen=True)
class Reconcile:
    room_id: str


def sync_filter(limit: int) -> dict[str, Any]:
    return {"room": {"timeline": {"limit": limit}, "state": {"lazy_load_members": False}},
            "presence": {"not_types": ["*"]}}


class MatrixPlatform:
    name: Literal["matrix"] = "matrix"

    def __init__(self, app: App, settings: MatrixSettings) -> None:
        if not settings.user_id or not settings.homeserver:
            raise ValueError("the Matrix platform needs a homeserver and a user id")
        self.app = app
        self.settings = settings
        self.prefix = settings.prefix
        self.user_id: str = settings.user_id
        own_server = server_of(self.user_id)
        self.allowed_servers = set(settings.allowed_servers) or ({own_server} if own_server else set())
        self.bot_patterns = list(settings.bot_users)
        self.timeline_limit = TIMELINE_LIMIT
        self.client: AsyncClient | None = None
        self.states = RoomStates()
        self.leaders = LeaderPower(self)
        self.direct: DirectRooms | None = None
        self.joined: set[str] = set()
        # Rooms joined or created whose first sync is awaited.
        self._joining: set[str] = set()
        self.ready = asyncio.Event()
        self.running = False
        # nio refuses a second key query while one is needed no more: one at a time.
        self._keys_lock = asyncio.Lock()
        self._synced = asyncio.Condition()
        self.syncs = 0
        # Events to handle, in order, each sync's token after its events: commands run off
        # the sync loop (which must keep going, e.g. while a new direct room is awaited), and
        # a token is stored only once everything before it was handled.
        self._work: asyncio.Queue[tuple[str, Any] | str | Reconcile] = asyncio.Queue(maxsize=WORK_QUEUE)
        # Thread messages handed to the ingest queue and not yet committed: a run of them (a
        # busy thread, a catch-up after a restart) is written together; anything that must see
        # them (a command, the sync token) waits for them first.
        self._ingesting: list[asyncio.Task[None]] = []

    # -- lifecycle ---------------------------------------------------------------------------
    async def run(self) -> None:
        self.running = True
        try:
            self.client = await open_client(self.settings)
        except BaseException:
            self.running = False
            raise
        self.direct = DirectRooms(self.client, self.wait_for_room)
        worker = asyncio.create_task(self._handle_work(), name="matrix-commands")
        try:
            await self._sync_forever(worker)
        finally:
            self.running = False
            self.ready.clear()
            worker.cancel()
            await asyncio.gather(worker, return_exceptions=True)
            await self._settle()  # thread messages already handed over are written, not cut off
            await self.client.close()

    async def _handle_work(self) -> None:
        while True:
            item = await self._work.get()
            if isinstance(item, str):
                await self._settle()
                await self._save_token(item)
                continue
            if isinstance(item, Reconcile):
                try:
                    await self.leaders.reconcile(item.room_id)
                except Exception:
                    log.exception("giving leaders their power level in %s failed", item.room_id)
                continue
            room_id, event = item
            try:
                await self._on_event(room_id, event)
            except Exception:
                log.exception("handling an event in %s failed", room_id)

    def state_repo(self, uow: Any) -> SqlMatrixState:
        return SqlMatrixState(uow.db, self.user_id)

    async def _load_token(self) -> str | None:
        async with self.app.uow(readonly=True) as uow:
            return await self.state_repo(uow).get(SYNC_TOKEN)

    async def _save_token(self, token: str) -> None:
        async with self.app.uow() as uow:
            await self.state_repo(uow).put(SYNC_TOKEN, token)
            if self.syncs % 500 == 0:
                await self.state_repo(uow).forget_events(self.app.clock.now() - KEEP_HANDLED_EVENTS)
            await uow.commit()

    # -- the sync loop -----------------------------------------------------------------------
    async def _sync_forever(self, worker: asyncio.Task[None]) -> None:
        assert self.client is not None and self.direct is not None
        since = await self._load_token()
        first = True
        failures = 0
        while True:
            fresh = since is None
            try:
                if first:
                    await self.direct.load()
                response = await call(partial(
                    self.client.sync, timeout=0 if first else self.settings.sync_timeout_ms,
                    sync_filter=FIRST_SYNC_FILTER if fresh else sync_filter(self.timeline_limit),
                    since=since, full_state=True if first and not fresh else None), "sync")
                assert isinstance(response, SyncResponse)
                await self._keys()
                await self._handle_sync(response, since=since, skip_messages=fresh)
            except MatrixCallError as error:
                if error.code == "M_UNKNOWN_TOKEN":
                    # Logged out elsewhere: a stored session is dropped, so the next start logs
                    # in again with the password (a configured token must be replaced by hand).
                    forget_session(self.settings.store_path)
                    raise MatrixLoginError("the Matrix homeserver no longer accepts the bot's access token; "
                                           "start again to log in with the password, or set a new token") from None
                failures += 1
                await self._back_off(failures, error.retry_after, error.code)
                continue
            except CONNECTION_ERRORS as error:
                failures += 1
                await self._back_off(failures, None, type(error).__name__)
                continue
            if failures:
                log.info("Matrix sync is back after %d failed attempt(s)", failures)
            failures = 0
            since = response.next_batch
            if worker.done():
                worker.result()  # the command worker died: stop rather than sync without it
            await self._work.put(since)
            self.syncs += 1
            if first:
                first = False
                self.ready.set()
            async with self._synced:
                self._synced.notify_all()

    async def _back_off(self, failures: int, retry_after: float | None, what: str) -> None:
        wait = retry_after if retry_after is not None else min(0.5 * 2 ** (failures - 1), MAX_SYNC_BACKOFF)
        if failures == 1 or failures % 10 == 0:
            log.warning("Matrix sync failed (%s); retrying in %.1fs", what, wait)
        await asyncio.sleep(wait)

    async def _keys(self) -> None:
        """What nio's sync_forever would do between syncs: to-device messages and E2EE keys."""
        client = self.client
        assert client is not None
        await client.send_to_device_messages()
        if client.should_upload_keys:
            await call(client.keys_upload, "upload keys")
        await self._query_keys()
        if client.should_claim_keys:
            await call(lambda: client.keys_claim(client.get_users_for_key_claiming()), "claim keys")

    async def _query_keys(self) -> None:
        client = self.client
        assert client is not None
        async with self._keys_lock:
            if client.should_query_keys:
                await call(client.keys_query, "query keys")

    async def wait_for_room(self, room_id: str, within: float = ROOM_WAIT, *, member: str | None = None) -> None:
        """Until a sync has told nio about `room_id` (needed before sending to it), and about
        `member` in it: an encrypted message's key goes only to the members nio knows of."""
        assert self.client is not None
        client = self.client

        def known() -> bool:
            room = client.rooms.get(room_id)
            return room is not None and (member is None or member in room.users)

        self._joining.add(room_id)
        try:
            async with self._synced:
                await asyncio.wait_for(self._synced.wait_for(known), within)
        finally:
            self._joining.discard(room_id)

    async def wait_synced(self, rounds: int = 1) -> None:
        """Until `rounds` more syncs were handled (tests and benchmarks wait on this)."""
        target = self.syncs + rounds
        async with self._synced:
            await self._synced.wait_for(lambda: self.syncs >= target)

    async def _handle_sync(self, response: SyncResponse, *, since: str | None, skip_messages: bool) -> None:
        assert self.direct is not None
        for event in response.account_data_events:
            if getattr(event, "type", None) == "m.direct" and isinstance(getattr(event, "content", None), dict):
                self.direct.update(event.content)
        for room_id, invite in response.rooms.invite.items():
            await self._on_invite(room_id, invite.invite_state)
        for room_id in response.rooms.leave:
            self.joined.discard(room_id)
            self.states.forget(room_id)
        for room_id, info in response.rooms.join.items():
            self.joined.add(room_id)
            self._joining.discard(room_id)
            gap: list[Any] = []
            if info.timeline.limited and since is not None and not skip_messages and info.timeline.prev_batch:
                gap = await self._fill_gap(room_id, info.timeline.prev_batch, since)
            # In time order: the gap, then `state` (as the timeline starts), then the timeline.
            for event in gap:
                self.states.apply(room_id, event.source)
            for event in info.state:
                self.states.apply(room_id, event.source)
            could_before = self.leaders.can_set_power(room_id)
            for event in info.timeline.events:
                self.states.apply(room_id, event.source)
            events = gap + list(info.timeline.events)
            if skip_messages:
                continue
            if could_before is False and self.leaders.can_set_power(room_id):
                # Someone gave the bot the power it lacked: leaders get theirs now.
                await self._work.put(Reconcile(room_id))
            for event in self._after_own_join(events):
                await self._work.put((room_id, event))

    async def _fill_gap(self, room_id: str, start: str, since: str) -> list[Any]:
        """Events the sync left out (more than the timeline limit arrived while we were away)."""
        assert self.client is not None
        client = self.client
        older: list[Any] = []
        token: str | None = start
        for _ in range(GAP_PAGES):
            if token is None:
                break
            page_start = token
            response = await call(partial(client.room_messages, room_id, start=page_start, end=since,
                                          direction=MessageDirection.back, limit=100), "fetch missed messages")
            assert isinstance(response, RoomMessagesResponse)
            if not response.chunk:
                break
            older.extend(response.chunk)
            token = response.end if response.end != page_start else None
        else:
            log.warning("more missed messages in %s than fetched; the oldest are skipped", room_id)
        older.reverse()
        return older

    def _after_own_join(self, events: Sequence[Any]) -> list[Any]:
        """Events after the bot's own join: what came before it is backlog, not for us."""
        kept: list[Any] = []
        for event in events:
            source = event.source
            if (source.get("type") == "m.room.member" and source.get("state_key") == self.user_id
                    and source.get("content", {}).get("membership") == "join"
                    and source.get("unsigned", {}).get("prev_content", {}).get("membership") != "join"):
                kept = []
                continue
            kept.append(event)
        return kept

    # -- invites -----------------------------------------------------------------------------
    async def _on_invite(self, room_id: str, invite_state: Sequence[Any]) -> None:
        assert self.client is not None and self.direct is not None
        invite = next((e for e in invite_state if isinstance(e, InviteMemberEvent)
                       and e.state_key == self.user_id and e.membership == "invite"), None)
        if invite is None:
            return
        inviter = invite.sender
        if server_of(inviter) not in self.allowed_servers:
            log.info("declining an invite from a server that is not allowed")
            await self._quietly(self.client.room_leave(room_id), "decline an invite")
            return
        client = self.client
        self._joining.add(room_id)
        try:
            await call(lambda: client.join(room_id), "join a room")
        except MatrixCallError as error:
            self._joining.discard(room_id)
            log.warning("could not join a room I was invited to: %s", error.code)
            return
        if invite.content.get("is_direct"):
            await self.direct.remember(inviter, room_id)

    async def _quietly(self, request: Any, what: str) -> None:
        try:
            await call(lambda: request, what, retries=0)
        except MatrixCallError as error:
            log.info("%s failed: %s", what, error.code)

    # -- messages ----------------------------------------------------------------------------
    def is_bot(self, user_id: str) -> bool:
        return user_id == self.user_id or any(fnmatch.fnmatchcase(user_id, p) for p in self.bot_patterns)

    async def _on_event(self, room_id: str, event: Any) -> None:
        source = event.source
        if isinstance(event, MegolmEvent):
            # Sent before the sender had our device's keys: nothing to read.
            log.warning("an encrypted message in %s could not be decrypted", room_id)
            return
        if source.get("type") != "m.room.message":
            return
        sender = source.get("sender", "")
        content = source.get("content")
        if not isinstance(content, dict) or self.is_bot(sender):
            return
        msgtype = content.get("msgtype")
        if msgtype == "m.notice" or not isinstance(content.get("body"), str):
            return  # notices are what bots send
        found = content.get("m.relates_to")
        relates: dict[str, Any] = found if isinstance(found, dict) else {}
        if relates.get("rel_type") == "m.replace":
            return  # an edit: the command ran when it was first sent
        body = content["body"]
        if "m.in_reply_to" in relates and not relates.get("is_falling_back"):
            body = strip_reply_fallback(body)
        event_id = str(source.get("event_id", ""))
        found_root = relates.get("event_id") if relates.get("rel_type") == "m.thread" else None
        thread_root = found_root if isinstance(found_root, str) else None
        line = command_line(body, self.prefix) if msgtype == "m.text" else None
        if line is None and thread_root is not None:
            self._thread_message(room_id, thread_root, sender, source)
            return
        await self._settle()
        if line is None:
            if not relates and msgtype == "m.text" and (text := question_text(body)):
                await self._question_root(room_id, event_id, sender, text)
            return
        where = self.where_for(room_id, thread_root, sender)
        try:
            cmd, community_id = parse_scoped(line)
        except UserError as error:
            reply = Reply(error.message, private=True, error=True)
        else:
            # A command that changes something runs once: its event id is claimed first. One
            # that only reads may run again after a crash; its reply has the same transaction
            # id, so the homeserver does not post it twice.
            if not spec_for(cmd).readonly and not await self._claim(event_id):
                return
            reply = await self.run_command(cmd, room_id, sender, where, community_id=community_id)
        await self.send_reply(room_id, event_id, thread_root or event_id, reply, sender, where)

    def _thread_message(self, room_id: str, thread_root: str, sender: str, source: dict[str, Any]) -> None:
        """A message in a thread: if the thread is a question's, it may be its answer."""
        where = self.where_for(room_id, thread_root, sender)
        actor = self.actor_for(room_id, sender, where, whole_space=False)
        message = ThreadMessage("matrix", thread_root, actor, self.sent_at(source))
        self._ingesting.append(asyncio.create_task(self.app.ingest.submit(message)))

    async def _settle(self) -> None:
        """Until the thread messages handed to the ingest queue are committed."""
        if not self._ingesting:
            return
        pending, self._ingesting = self._ingesting, []
        for result in await asyncio.gather(*pending, return_exceptions=True):
            if isinstance(result, BaseException):
                log.error("recording a thread message failed: %s", type(result).__name__)

    async def _question_root(self, room_id: str, event_id: str, sender: str, text: str) -> None:
        """`? How do you…` in a community room: the message is the question and its thread's root."""
        where = self.where_for(room_id, event_id, sender)
        if where.direct or not await self._is_home(where) or not await self._claim(event_id):
            return
        actor = self.actor_for(room_id, sender, where, whole_space=False)
        reply = await self.app.bus.run(Ask(text=text), actor, where)
        if not reply.error:
            await self._remember_root(where, event_id)
        await self.send_reply(room_id, event_id, event_id, reply, sender, where)

    async def _is_home(self, where: Where) -> bool:
        async with self.app.uow(readonly=True) as uow:
            return await uow.homes.find("matrix", where.home_candidates()) is not None

    def sent_at(self, source: dict[str, Any]) -> datetime:
        """When a message was sent, on the core's clock: a message read late (after a restart)
        counts from when it was written, not from when the bot saw it."""
        now = self.app.clock.now()
        stamp = source.get("origin_server_ts")
        if not isinstance(stamp, int):
            return now
        age_ms = time.time() * 1000 - stamp
        return now - timedelta(milliseconds=max(0.0, age_ms))

    async def _claim(self, event_id: str) -> bool:
        async with self.app.uow() as uow:
            claimed = await self.state_repo(uow).claim_event(event_id, self.app.clock.now())
            await uow.commit()
        return claimed

    def where_for(self, room_id: str, thread_root: str | None, sender: str | None = None) -> Where:
        assert self.direct is not None
        state = self.states.get(room_id)
        direct = self.direct.is_direct(room_id)
        return Where("matrix", room_id=room_id, space_id=self.states.space_of(room_id, self.joined),
                     thread_id=thread_root, direct=direct, private=direct and self._alone_with(room_id, sender),
                     room_kind="space" if state.is_space else "room")

    def _alone_with(self, room_id: str, sender: str | None) -> bool:
        """Whether nobody but `sender` and the bot is in (or invited to) the room: only then is
        what they type there private (a secret ballot may be cast); someone invited later would
        see it."""
        assert self.client is not None
        room = self.client.rooms.get(room_id)
        if room is None or sender is None:
            return False
        return not (set(room.users) | set(room.invited_users)) - {self.user_id, sender}

    def actor_for(self, room_id: str, sender: str, where: Where, *, whole_space: bool) -> Actor:
        assert self.client is not None
        room = self.client.rooms.get(room_id)
        name = (room.user_name(sender) if room is not None else None) or sender.split(":")[0].lstrip("@")
        admin = self.states.get(room_id).is_admin(sender)
        if whole_space and where.space_id is not None:
            admin = admin and self.states.get(where.space_id).is_admin(sender)
        return Actor(AccountRef("matrix", sender), name[:100], is_space_admin=admin)

    async def run_command(self, cmd: object, room_id: str, sender: str, where: Where, *,
                          community_id: int | None = None) -> Reply:
        # A command for the whole space (`community setup … --space`) needs a space admin.
        actor = self.actor_for(room_id, sender, where, whole_space=bool(getattr(cmd, "space", False)))
        return await self.app.bus.run(cmd, actor, where, community_id=community_id)

    async def send_reply(self, room_id: str, event_id: str, root: str, reply: Reply, sender: str,
                         where: Where) -> None:
        if reply.secret and not where.direct:
            sent = await self._send_secret(sender, reply, event_id)
            reply = Reply(SECRET_SENT if sent else SECRET_FAILED, private=True, error=not sent)
        if reply.thread is not None and not where.direct:
            await self._open_thread(room_id, event_id, reply, where)
            return
        content = await self.render(reply.text, actions=reply.actions, msgtype="m.notice")
        if where.direct:
            content["m.relates_to"] = {"m.in_reply_to": {"event_id": event_id}}
        else:
            in_thread(content, root, event_id)
        try:
            await self.send(room_id, content, txn_id("reply", event_id))
        except SEND_ERRORS as error:
            log.warning("could not reply in %s: %s", room_id, getattr(error, "code", type(error).__name__))

    async def _open_thread(self, room_id: str, event_id: str, reply: Reply, where: Where) -> None:
        """A reply that starts a thread (a question): a new message in the room, the root of the
        thread, reported back to the core. A real message, not a notice: it mentions the asker."""
        assert reply.thread is not None
        content = await self.render(reply.text, actions=reply.actions)
        try:
            root = await self.send(room_id, content, txn_id("thread", event_id))
        except SEND_ERRORS as error:
            log.warning("could not post a thread root in %s: %s", room_id,
                        getattr(error, "code", type(error).__name__))
            return
        await self.app.bus.attach_thread(reply.thread.key, root)
        await self._remember_root(where, root)

    async def _remember_root(self, where: Where, root: str) -> None:
        if where.space_id is None:
            return  # the room is its own home: links to it need no lookup
        async with self.app.uow() as uow:
            await self.state_repo(uow).put(ROOT_ROOM + root, where.room_id)
            await uow.commit()

    async def render(self, text: str, *, actions: Iterable[Action] = (), msgtype: str = "m.text",
                     extra_mentions: Iterable[AccountRef] = ()) -> dict[str, Any]:
        """Message content for core text, its links to threads made resolvable (see `_permalinks`)."""
        text, linked = await self._permalinks(text, tuple(actions))
        return message_content(text, prefix=self.prefix, actions=linked, msgtype=msgtype,
                               extra_mentions=extra_mentions)

    async def _permalinks(self, text: str, actions: tuple[Action, ...]) -> tuple[str, tuple[Action, ...]]:
        """The core links a thread as `matrix.to/#/<home room>/<root event>`. Room ids of
        version 12 name no server, so each link gets `via` servers; and when the home is a
        space, the room the root was posted in replaces the space."""
        found = event_links(text).union(*(event_links(a.url) for a in actions if a.url))
        if not found:
            return text, actions
        rooms: dict[str, str] = {}
        spaces = {event for room, event in found if self.states.get(room).is_space}
        if spaces:
            async with self.app.uow(readonly=True) as uow:
                for event in spaces:
                    room = await self.state_repo(uow).get(ROOT_ROOM + event)
                    if room is not None:
                        rooms[event] = room

        def link(room: str, event: str) -> str:
            return self.permalink(rooms.get(event, room), event)

        return relink(text, link), tuple(replace(a, url=relink(a.url, link)) if a.url else a for a in actions)

    async def _send_secret(self, user_id: str, reply: Reply, event_id: str) -> bool:
        assert self.direct is not None
        try:
            room = await self.direct.room_with(user_id)
            content = await self.render(reply.text, actions=reply.actions, msgtype="m.notice")
            await self.send(room, content, txn_id("secret", event_id))
        except SEND_ERRORS as error:
            log.warning("could not send a direct message: %s", getattr(error, "code", type(error).__name__))
            return False
        return True

    async def send(self, room_id: str, content: dict[str, Any], txn: str) -> str:
        """Send one message (encrypted where the room is); returns its event id."""
        assert self.client is not None
        client = self.client
        if room_id not in client.rooms and room_id in self.joined | self._joining:
            # Just joined or created: nio learns the room (members, encryption) from the next sync.
            await self.wait_for_room(room_id, SEND_ROOM_WAIT)
        room = client.rooms.get(room_id)
        if room is not None and room.encrypted and client.olm is not None:
            # Everyone in the room, invited people too, must get the message's key: know
            # their devices before sending (nio shares keys only with devices it knows).
            client.olm.update_tracked_users(room)
            await self._query_keys()
        response = await call(lambda: client.room_send(room_id, "m.room.message", content, tx_id=txn,
                                                       ignore_unverified_devices=True), "send a message")
        assert isinstance(response, RoomSendResponse)
        return str(response.event_id)

    # -- delivering the outbox -----------------------------------------------------------------
    async def deliver(self, effect: OutboundEffect, key: str) -> None:
        if not self.running:
            raise DeliveryError("the Matrix client is not running")
        try:
            await asyncio.wait_for(self.ready.wait(), READY_TIMEOUT)
        except TimeoutError:
            raise DeliveryError("not connected to Matrix yet") from None
        try:
            match effect:
                case DirectMessage():
                    await self._deliver_direct(effect, key)
                case HomePost():
                    await self._deliver_post(effect, key)
                case RoleChange():
                    await self.leaders.deliver(effect, key)
                case ThreadUpdate():
                    # Matrix threads have no tags or archive state; the command's reply already
                    # says a question was solved or closed.
                    return
                case _:
                    assert_never(effect)
        except DeliveryError:
            raise
        except LocalProtocolError as error:
            # nio refuses to send to a room it does not know (the bot is not in it).
            raise DeliveryError(f"cannot send there: {error}"[:300], permanent=True) from None
        except Exception as error:
            failure = delivery_error(error)
            log.warning("Matrix delivery failed: %s", failure.reason)
            raise failure from None

    async def _deliver_direct(self, effect: DirectMessage, key: str) -> None:
        assert self.direct is not None
        content = await self.render(effect.text, actions=effect.actions)
        try:
            room = await self.direct.room_with(effect.to.user_id)
        except MatrixCallError as error:
            if not error.permanent or effect.fallback is None:
                raise
            # They cannot be invited (unknown user, invites blocked): mention them at home instead.
            text = f"{mention(effect.to, effect.to.user_id)} {effect.text}"
            fallback = await self.render(text, actions=effect.actions)
            await self.send(self.post_room(effect.fallback), fallback, txn_id(key, "fallback"))
            return
        await self.send(room, content, key)

    def permalink(self, room_id: str, event_id: str) -> str:
        """A matrix.to link to an event (a question's thread root), resolvable by other servers."""
        state = self.states.get(room_id)
        via = [server_of(self.user_id), server_of(state.create_sender or "")]
        return event_link(room_id, event_id, [v for v in via if v])

    def post_room(self, home: HomeRef) -> str:
        """Where a post to a home goes: the room itself, or for a space home its first room."""
        if self.states.get(home.room_id).is_space:
            rooms = self.states.rooms_of_space(home.room_id, self.joined)
            if rooms:
                return rooms[0]
        return home.room_id

    async def _deliver_post(self, effect: HomePost, key: str) -> None:
        content = await self.render(effect.text, actions=effect.actions, extra_mentions=effect.mentions)
        if effect.thread_id:
            in_thread(content, effect.thread_id)
        await self.send(self.post_room(effect.home), content, key)


def question_text(body: str) -> str:
    """`? How do you pace yourself` → the question; "" when the message is not one."""
    text = body.strip()
    if not text.startswith("?"):
        return ""
    text = text.lstrip("?").strip()
    return text if any(c.isalnum() for c in text) else ""
