"""Direct rooms with people: created once, marked in the bot's `m.direct` account data (so
clients show them as DMs and the bot finds them again after a restart), and reused.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

from nio import AsyncClient, DirectRoomsResponse, ErrorResponse, RoomCreateResponse, RoomPreset

from bots.matrix.calls import MatrixCallError, call

log = logging.getLogger(__name__)

ENCRYPTION_STATE = {"type": "m.room.encryption", "state_key": "",
                    "content": {"algorithm": "m.megolm.v1.aes-sha2"}}


class DirectRooms:
    def __init__(self, client: AsyncClient, wait_for_room: Callable[..., Awaitable[None]]) -> None:
        self.client = client
        self.wait_for_room = wait_for_room
        # user id → their direct rooms with the bot, newest last (as in m.direct).
        self.by_user: dict[str, list[str]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    @property
    def rooms(self) -> set[str]:
        return {room for rooms in self.by_user.values() for room in rooms}

    def is_direct(self, room_id: str) -> bool:
        return room_id in self.rooms

    async def load(self) -> None:
        response = await self.client.list_direct_rooms()
        if isinstance(response, DirectRoomsResponse):
            self.update(response.rooms)
        elif isinstance(response, ErrorResponse) and response.status_code not in ("M_NOT_FOUND", None):
            # No m.direct yet is normal (M_NOT_FOUND); anything else we learn from the sync.
            log.warning("could not read m.direct: %s", response.status_code)

    def update(self, content: dict[str, Any]) -> None:
        self.by_user = {user: [r for r in rooms if isinstance(r, str)]
                        for user, rooms in content.items() if isinstance(rooms, list)}

    def usable(self, user_id: str) -> str | None:
        """The newest direct room with `user_id` that both of us are still in (or invited to)."""
        for room_id in reversed(self.by_user.get(user_id, [])):
            room = self.client.rooms.get(room_id)
            if room is not None and (user_id in room.users or user_id in room.invited_users):
                return room_id
        return None

    async def room_with(self, user_id: str) -> str:
        """The direct room with `user_id`, created (encrypted, marked in m.direct) if needed."""
        lock = self._locks.setdefault(user_id, asyncio.Lock())
        async with lock:
            existing = self.usable(user_id)
            if existing is not None:
                return existing
            # Synapse creates a room even when the invitee does not exist: ask first.
            profile = await self.client.get_profile(user_id)
            if isinstance(profile, ErrorResponse) and _status(profile) == 404:
                raise MatrixCallError("find the user", "M_NOT_FOUND", "no such user")
            response = await call(lambda: self.client.room_create(
                is_direct=True, invite=[user_id], preset=RoomPreset.trusted_private_chat,
                initial_state=[ENCRYPTION_STATE]), "create a direct room")
            assert isinstance(response, RoomCreateResponse)
            room_id = str(response.room_id)
            await self.remember(user_id, room_id)
            # The invite may come in a later sync than the room: the key must reach them too.
            await self.wait_for_room(room_id, member=user_id)
            return room_id

    async def remember(self, user_id: str, room_id: str) -> None:
        rooms = self.by_user.setdefault(user_id, [])
        if room_id in rooms:
            return
        rooms.append(room_id)
        await self._save()

    async def _save(self) -> None:
        # nio has no call for writing account data: a plain authorised PUT.
        path = f"/_matrix/client/v3/user/{quote(self.client.user_id, safe='')}/account_data/m.direct"
        body = json.dumps(self.by_user)

        async def put() -> Any:
            response = await self.client.send("PUT", path, body, {
                "Authorization": f"Bearer {self.client.access_token}", "Content-Type": "application/json"})
            async with response:
                if response.status == 200:
                    return {}
                try:
                    data = await response.json(content_type=None)
                except ValueError:
                    data = {}
                data = data if isinstance(data, dict) else {}
                return ErrorResponse(str(data.get("error", "")), str(data.get("errcode", response.status)),
                                     data.get("retry_after_ms"))

        try:
            await call(put, "save m.direct")
        except MatrixCallError as error:
            # The room works anyway; it is just not marked as direct for clients.
            log.warning("could not save m.direct: %s", error.code)


def _status(response: ErrorResponse) -> int | None:
    # Synapse answers an unknown user's profile with 404 and the errcode M_UNKNOWN.
    transport = getattr(response, "transport_response", None)
    return getattr(transport, "status", None)
