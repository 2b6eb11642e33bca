"""A small loopback fake of Discord's REST API and gateway, for the unmodified client.

Just enough Discord for a login, the gateway handshake (HELLO → IDENTIFY → READY →
GUILD_CREATE), slash-command sync, an interaction answered through the real callback and
webhook endpoints, and channel messages with nonces and rate limits. It speaks JSON over
real HTTP and WebSocket frames on 127.0.0.1; nothing in discord.py is patched.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

APPLICATION_ID = 900_000_000_000_000_001
BOT_ID = 900_000_000_000_000_002
GUILD_ID = 900_000_000_000_000_003
CHANNEL_ID = 900_000_000_000_000_004
ADMIN_ROLE_ID = 900_000_000_000_000_005
TIMESTAMP = "2026-03-02T09:00:00+00:00"
BOT_USER = {"id": str(BOT_ID), "username": "carpool", "discriminator": "0", "global_name": "Carpool",
            "avatar": None, "bot": True, "flags": 0}


def user(user_id: int, name: str) -> dict[str, Any]:
    return {"id": str(user_id), "username": name, "discriminator": "0", "global_name": name.title(),
            "avatar": None, "bot": False, "flags": 0}


@dataclass
class Request:
    method: str
    path: str
    body: Any


@dataclass
class FakeDiscord:
    host: str = "127.0.0.1"
    port: int = 0
    requests: list[Request] = field(default_factory=list)
    identified: list[dict[str, Any]] = field(default_factory=list)
    messages: dict[int, dict[str, Any]] = field(default_factory=dict)
    # Answers for the next POST /channels/{id}/messages: retry_after seconds → a 429.
    rate_limits: list[float] = field(default_factory=list)
    answers: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    deleted: asyncio.Queue[str] = field(default_factory=asyncio.Queue)
    threads: asyncio.Queue[str] = field(default_factory=asyncio.Queue)
    # Interaction token → set when its first answer (or deferral's completion) arrives.
    first_answers: dict[str, asyncio.Event] = field(default_factory=dict)
    identify: asyncio.Event = field(default_factory=asyncio.Event)
    token: str = "wire-token"

    def __post_init__(self) -> None:
        self._ids = itertools.count(910_000_000_000_000_000)
        self._sequence = itertools.count(1)
        self._sockets: list[web.WebSocketResponse] = []
        self._runner: web.AppRunner | None = None
        self._interaction_tokens: dict[str, int] = {}
        self._originals: dict[str, dict[str, Any]] = {}

    # -- lifecycle ----------------------------------------------------------------------
    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/", self.gateway)
        api = "/api/v10"
        app.router.add_get(f"{api}/users/@me", self.me)
        app.router.add_get(f"{api}/oauth2/applications/@me", self.application)
        app.router.add_put(f"{api}/applications/{{app}}/commands", self.put_commands)
        app.router.add_put(f"{api}/applications/{{app}}/guilds/{{guild}}/commands", self.put_commands)
        app.router.add_post(f"{api}/interactions/{{id}}/{{token}}/callback", self.callback)
        app.router.add_patch(f"{api}/webhooks/{{app}}/{{token}}/messages/@original", self.edit_original)
        app.router.add_delete(f"{api}/webhooks/{{app}}/{{token}}/messages/@original", self.delete_original)
        app.router.add_post(f"{api}/webhooks/{{app}}/{{token}}", self.followup)
        app.router.add_post(f"{api}/channels/{{channel}}/messages", self.create_message)
        app.router.add_post(f"{api}/channels/{{channel}}/messages/{{message}}/threads", self.create_thread)
        app.router.add_get(f"{api}/guilds/{{guild}}/threads/active", self.active_threads)
        self._runner = web.AppRunner(app)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, 0)
        await site.start()
        self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]

    async def stop(self) -> None:
        for socket in self._sockets:
            await socket.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def api_base(self) -> str:
        return f"http://{self.host}:{self.port}/api/v10"

    @property
    def gateway_url(self) -> str:
        return f"ws://{self.host}:{self.port}/"

    # -- REST ---------------------------------------------------------------------------
    async def json(self, request: web.Request, data: Any, status: int = 200,
                   headers: dict[str, str] | None = None) -> web.Response:
        body = await request.read()
        self.requests.append(Request(request.method, request.path, json.loads(body) if body else None))
        # discord.py reads JSON only when the content type is exactly this.
        return web.Response(body=json.dumps(data).encode(), status=status,
                            headers={"Content-Type": "application/json", **(headers or {})})

    async def me(self, request: web.Request) -> web.Response:
        if request.headers.get("Authorization") != f"Bot {self.token}":
            return await self.json(request, {"message": "401: Unauthorized", "code": 0}, status=401)
        return await self.json(request, BOT_USER)

    async def application(self, request: web.Request) -> web.Response:
        return await self.json(request, {
            "id": str(APPLICATION_ID), "name": "Carpool", "icon": None, "description": "", "bot_public": True,
            "bot_require_code_grant": False, "verify_key": "0" * 64, "flags": 0, "owner": BOT_USER,
            "team": None, "summary": "", "rpc_origins": [], "interactions_endpoint_url": None,
        })

    async def put_commands(self, request: web.Request) -> web.Response:
        commands = await request.json()
        for command in commands:
            command.update(id=str(next(self._ids)), application_id=str(APPLICATION_ID), version="1")
        return await self.json(request, commands)

    async def callback(self, request: web.Request) -> web.Response:
        body = await request.json()
        ephemeral = bool((body.get("data") or {}).get("flags", 0) & 64)
        token = request.match_info["token"]
        message = self._message(CHANNEL_ID, "", flags=(64 if ephemeral else 0) | 128)
        self._originals[token] = message
        if body["type"] == 4:  # answered at once, not deferred
            message.update(content=(body.get("data") or {}).get("content") or "", flags=message["flags"] & ~128)
            await self.answers.put(message)
            self._answered(token)
        return await self.json(request, {"interaction": {
            "id": request.match_info["id"], "type": 2, "activity_instance_id": None,
            "response_message_id": message["id"], "response_message_loading": body["type"] == 5,
            "response_message_ephemeral": ephemeral}})

    async def edit_original(self, request: web.Request) -> web.Response:
        body = await request.json()
        message = self._originals[request.match_info["token"]]
        message["content"] = body.get("content") or ""
        message["components"] = body.get("components") or []
        message["flags"] &= ~128
        await self.answers.put(message)
        self._answered(request.match_info["token"])
        return await self.json(request, message)

    async def delete_original(self, request: web.Request) -> web.Response:
        self._originals.pop(request.match_info["token"], None)
        await self.json(request, None)
        await self.deleted.put(request.match_info["token"])
        return web.Response(status=204)

    async def followup(self, request: web.Request) -> web.Response:
        body = await request.json()
        message = self._message(CHANNEL_ID, body.get("content") or "", flags=body.get("flags") or 0)
        await self.answers.put(message)
        self._answered(request.match_info["token"])
        return await self.json(request, message)

    async def create_message(self, request: web.Request) -> web.Response:
        if self.rate_limits:
            retry_after = self.rate_limits.pop(0)
            # A real 429 comes through Discord's proxy (the Via header) with JSON saying how long.
            return await self.json(request, {"message": "You are being rate limited.", "retry_after": retry_after,
                                             "global": False}, status=429,
                                   headers={"Via": "1.1 google", "Retry-After": str(retry_after)})
        body = await request.json()
        if body.get("enforce_nonce"):
            # Discord returns the earlier message for a repeated nonce instead of a second one.
            for existing in self.messages.values():
                if existing.get("nonce") == body.get("nonce"):
                    return await self.json(request, existing)
        message = self._message(int(request.match_info["channel"]), body.get("content") or "",
                                nonce=body.get("nonce"))
        self.messages[int(message["id"])] = message
        return await self.json(request, message)

    def _answered(self, token: str) -> None:
        self.first_answers.setdefault(token, asyncio.Event()).set()

    def answered(self, token: str) -> asyncio.Event:
        """Set once the interaction with `token` has its first answer."""
        return self.first_answers.setdefault(token, asyncio.Event())

    async def active_threads(self, request: web.Request) -> web.Response:
        return await self.json(request, {"threads": [], "members": []})

    async def create_thread(self, request: web.Request) -> web.Response:
        """A thread started on a message: it takes the message's id."""
        body = await request.json()
        await self.threads.put(request.match_info["message"])
        return await self.json(request, {
            "id": request.match_info["message"], "type": 11, "guild_id": str(GUILD_ID),
            "parent_id": request.match_info["channel"], "name": body.get("name") or "", "owner_id": str(BOT_ID),
            "message_count": 0, "member_count": 1, "rate_limit_per_user": 0, "flags": 0, "last_message_id": None,
            "thread_metadata": {"archived": False, "auto_archive_duration": 1440, "archive_timestamp": TIMESTAMP,
                                "locked": False, "create_timestamp": TIMESTAMP}})

    def _message(self, channel_id: int, content: str, *, flags: int = 0, nonce: str | None = None
                 ) -> dict[str, Any]:
        return {"id": str(next(self._ids)), "channel_id": str(channel_id), "guild_id": str(GUILD_ID),
                "author": BOT_USER, "content": content, "timestamp": TIMESTAMP, "edited_timestamp": None,
                "tts": False, "mention_everyone": False, "mentions": [], "mention_roles": [], "attachments": [],
                "embeds": [], "pinned": False, "type": 0, "flags": flags, "components": [], "nonce": nonce}

    # -- gateway ------------------------------------------------------------------------
    async def gateway(self, request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        self._sockets.append(socket)
        # The client asks for zlib-stream compression; plain text frames are accepted too.
        await socket.send_json({"op": 10, "d": {"heartbeat_interval": 41_250}, "s": None, "t": None})
        async for frame in socket:
            if frame.type != WSMsgType.TEXT:
                break
            payload = json.loads(frame.data)
            if payload["op"] == 1:
                await socket.send_json({"op": 11, "d": None, "s": None, "t": None})
            elif payload["op"] == 2:
                self.identified.append(payload["d"])
                self.identify.set()
                await self._dispatch(socket, "READY", {
                    "v": 10, "user": BOT_USER, "guilds": [{"id": str(GUILD_ID), "unavailable": True}],
                    "session_id": "wire-session", "resume_gateway_url": self.gateway_url,
                    "application": {"id": str(APPLICATION_ID), "flags": 0}, "private_channels": [],
                    "relationships": [], "shard": [0, 1]})
                await self._dispatch(socket, "GUILD_CREATE", self.guild())
        return socket

    async def _dispatch(self, socket: web.WebSocketResponse, event: str, data: dict[str, Any]) -> None:
        await socket.send_json({"op": 0, "t": event, "s": next(self._sequence), "d": data})

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        for socket in self._sockets:
            if not socket.closed:
                await self._dispatch(socket, event, data)

    def guild(self) -> dict[str, Any]:
        everyone = {"id": str(GUILD_ID), "name": "@everyone", "permissions": str(1 << 31 | 1 << 10 | 1 << 11),
                    "position": 0, "color": 0, "hoist": False, "managed": False, "mentionable": False, "flags": 0}
        admins = {**everyone, "id": str(ADMIN_ROLE_ID), "name": "Admins", "permissions": str(1 << 5),
                  "position": 1}
        return {
            "id": str(GUILD_ID), "name": "Carpool", "icon": None, "owner_id": "1", "features": [],
            "verification_level": 0, "default_message_notifications": 0, "explicit_content_filter": 0,
            "mfa_level": 0, "nsfw_level": 0, "premium_tier": 0, "preferred_locale": "en-US",
            "roles": [everyone, admins], "emojis": [], "stickers": [], "member_count": 3,
            "unavailable": False, "large": False, "joined_at": TIMESTAMP, "threads": [],
            "channels": [self.channel()], "voice_states": [], "presences": [], "stage_instances": [],
            "guild_scheduled_events": [], "soundboard_sounds": [],
            "members": [{"user": BOT_USER, "roles": [], "joined_at": TIMESTAMP, "deaf": False, "mute": False,
                         "flags": 0}],
        }

    def channel(self) -> dict[str, Any]:
        return {"id": str(CHANNEL_ID), "type": 0, "guild_id": str(GUILD_ID), "name": "pacing", "position": 0,
                "permission_overwrites": [], "parent_id": None, "nsfw": False, "topic": None,
                "rate_limit_per_user": 0, "last_message_id": None, "flags": 0}

    def interaction(self, who: dict[str, Any], *, admin: bool, name: str,
                    options: list[dict[str, Any]]) -> dict[str, Any]:
        """An INTERACTION_CREATE for a slash command in the pacing channel."""
        interaction_id = next(self._ids)
        return {
            "id": str(interaction_id), "application_id": str(APPLICATION_ID), "type": 2,
            "token": f"token-{interaction_id}", "version": 1,
            "data": {"id": "1", "name": name, "type": 1, "options": options, "guild_id": str(GUILD_ID)},
            "guild_id": str(GUILD_ID), "channel_id": str(CHANNEL_ID), "channel": self.channel(),
            "member": {"user": who, "roles": [str(ADMIN_ROLE_ID)] if admin else [], "joined_at": TIMESTAMP,
                       "deaf": False, "mute": False, "flags": 0, "pending": False, "nick": None, "avatar": None,
                       "premium_since": None, "permissions": str((1 << 5) if admin else 0)},
            "locale": "en-US", "guild_locale": "en-US", "app_permissions": str((1 << 53) - 1),
            "entitlements": [], "authorizing_integration_owners": {"0": str(GUILD_ID)}, "context": 0,
            "attachment_size_limit": 26_214_400,
        }
