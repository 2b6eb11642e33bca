"""Members and leaders in the Matrix tests: each a real nio client (with E2EE) of its own.

Waiting is sync-based: `wait_for` long-polls the homeserver until a matching event arrives or
a deadline passes. To show that something did NOT happen (a command ignored, a message not
sent twice), send a later command and wait for its reply: the bot handles a room's events in
order, so by then any answer to the earlier one would have arrived.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from nio import (
    AsyncClient,
    AsyncClientConfig,
    ErrorResponse,
    InviteMemberEvent,
    JoinResponse,
    MegolmEvent,
    RoomCreateResponse,
    RoomPreset,
    RoomSendResponse,
    SyncResponse,
)

from tests.matrix.synapse import Registered, Synapse

Event = dict[str, Any]
WAIT = 20.0
FILTER = {"room": {"timeline": {"limit": 200}, "state": {"lazy_load_members": False}},
          "presence": {"not_types": ["*"]}}


class Member:
    def __init__(self, synapse: Synapse, account: Registered, store: Path) -> None:
        store.mkdir(parents=True, exist_ok=True)
        self.synapse = synapse
        self.account = account
        self.user_id = account.user_id
        config = AsyncClientConfig(encryption_enabled=True, store_sync_tokens=False, max_limit_exceeded=5,
                                   max_timeouts=2, request_timeout=30)
        self.client = AsyncClient(synapse.url, account.user_id, store_path=str(store), config=config)
        self.client.restore_login(account.user_id, account.device_id, account.access_token)
        self.events: list[Event] = []
        self.invites: list[tuple[str, Event]] = []
        self.undecrypted = 0
        self.next_batch: str | None = None

    async def start(self) -> Member:
        if self.client.should_upload_keys:
            await self.client.keys_upload()
        await self.sync(0)
        return self

    async def close(self) -> None:
        await self.client.close()

    # -- syncing ------------------------------------------------------------------------------
    async def sync(self, timeout_ms: int = 1000) -> None:
        response = await self.client.sync(timeout=timeout_ms, since=self.next_batch, sync_filter=FILTER)
        if isinstance(response, ErrorResponse):
            raise AssertionError(f"{self.user_id} sync failed: {response.status_code} {response.message}")
        assert isinstance(response, SyncResponse)
        self.next_batch = response.next_batch
        for room_id, info in response.rooms.join.items():
            for event in info.timeline.events:
                if isinstance(event, MegolmEvent):
                    self.undecrypted += 1
                source = dict(event.source)
                source.setdefault("room_id", room_id)
                self.events.append(source)
        for room_id, invite in response.rooms.invite.items():
            for event in invite.invite_state:
                if isinstance(event, InviteMemberEvent) and event.state_key == self.user_id:
                    self.invites.append((room_id, {"sender": event.sender, "content": dict(event.content)}))
        await self.client.send_to_device_messages()
        if self.client.should_upload_keys:
            await self.client.keys_upload()
        if self.client.should_query_keys:
            await self.client.keys_query()
        if self.client.should_claim_keys:
            await self.client.keys_claim(self.client.get_users_for_key_claiming())

    async def wait_for(self, match: Callable[[Event], bool], what: str, within: float = WAIT) -> Event:
        deadline = time.monotonic() + within
        checked = 0
        while True:
            for event in self.events[checked:]:
                if match(event):
                    return event
            checked = len(self.events)
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.user_id} waited {within:.0f}s for {what}; saw "
                                     f"{[summary(e) for e in self.events[-8:]]}")
            await self.sync(1000)

    def seen(self, match: Callable[[Event], bool]) -> list[Event]:
        return [e for e in self.events if match(e)]

    # -- rooms --------------------------------------------------------------------------------
    async def create_room(self, *, invite: tuple[str, ...] = (), encrypted: bool = False, space: bool = False,
                          users: dict[str, int] | None = None, name: str = "room", direct: bool = False,
                          initial_state: tuple[Event, ...] = ()) -> str:
        state = list(initial_state)
        if encrypted:
            state.append({"type": "m.room.encryption", "state_key": "",
                          "content": {"algorithm": "m.megolm.v1.aes-sha2"}})
        override = {"users": dict(users)} if users else None
        response = await self.client.room_create(
            name=name, invite=list(invite), preset=RoomPreset.private_chat, space=space, initial_state=state,
            is_direct=direct,
            power_level_override=override)
        assert isinstance(response, RoomCreateResponse), response
        await self.know_room(str(response.room_id))
        return str(response.room_id)

    async def join(self, room_id: str) -> None:
        response = await self.client.join(room_id)
        assert isinstance(response, JoinResponse), response
        await self.know_room(room_id)

    async def know_room(self, room_id: str) -> None:
        """Sync until nio knows the room (it sends only to rooms it knows)."""
        deadline = time.monotonic() + WAIT
        while room_id not in self.client.rooms:
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.user_id} never saw room {room_id}")
            await self.sync(1000)

    async def put_state(self, room_id: str, event_type: str, content: Event, state_key: str = "") -> None:
        response = await self.client.room_put_state(room_id, event_type, content, state_key=state_key)
        assert not isinstance(response, ErrorResponse), response

    async def power_levels(self, room_id: str) -> Event:
        response = await self.client.room_get_state_event(room_id, "m.room.power_levels")
        assert not isinstance(response, ErrorResponse), response
        return dict(response.content)

    async def wait_joined(self, room_id: str, user_id: str) -> None:
        await self.wait_for(lambda e: e.get("room_id") == room_id and e.get("type") == "m.room.member"
                            and e.get("state_key") == user_id and e["content"].get("membership") == "join",
                            f"{user_id} to join")

    async def wait_invite(self, what: str = "an invite") -> tuple[str, Event]:
        deadline = time.monotonic() + WAIT
        while not self.invites:
            if time.monotonic() > deadline:
                raise AssertionError(f"{self.user_id} got no invite")
            await self.sync(1000)
        return self.invites.pop(0)

    # -- messages -----------------------------------------------------------------------------
    async def send(self, room_id: str, text: str, *, thread: str | None = None, msgtype: str = "m.text",
                   content: Event | None = None) -> str:
        body = content or {"msgtype": msgtype, "body": text}
        if thread is not None:
            body["m.relates_to"] = {"rel_type": "m.thread", "event_id": thread, "is_falling_back": True,
                                    "m.in_reply_to": {"event_id": thread}}
        room = self.client.rooms.get(room_id)
        if room is not None and room.encrypted and self.client.should_query_keys:
            await self.client.keys_query()
        response = await self.client.room_send(room_id, "m.room.message", body, ignore_unverified_devices=True)
        assert isinstance(response, RoomSendResponse), response
        return str(response.event_id)

    async def reply_to(self, event_id: str, sender: str, what: str = "a reply") -> Event:
        return await self.wait_for(lambda e: e.get("sender") == sender and in_reply_to(e) == event_id, what)

    async def command(self, room_id: str, text: str, bot: str, *, thread: str | None = None) -> Event:
        """Send a command and wait for the bot's answer to it; returns the answer's content."""
        event_id = await self.send(room_id, text, thread=thread)
        reply = await self.reply_to(event_id, bot, f"the bot's reply to {text[:40]!r}")
        return dict(reply["content"])


def in_reply_to(event: Event) -> str | None:
    relates = event.get("content", {}).get("m.relates_to") or {}
    reply = relates.get("m.in_reply_to") or {}
    return reply.get("event_id")


def summary(event: Event) -> str:
    content = event.get("content", {})
    return f"{event.get('type')} from {event.get('sender')}: {str(content.get('body', content))[:60]}"
