"""matrix.to permalinks: what nudges and notices link to (a thread, a room, a person)."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import quote, urlencode

BASE = "https://matrix.to/#/"


def server_of(matrix_id: str) -> str | None:
    """`@ana:example.org` → `example.org`; room ids of version 12 have no server part."""
    _, sep, server = matrix_id.partition(":")
    return server if sep and server else None


def _via(via: Iterable[str]) -> str:
    servers = list(dict.fromkeys(v for v in via if v))[:3]
    return f"?{urlencode([('via', s) for s in servers])}" if servers else ""


def user_link(user_id: str) -> str:
    return BASE + quote(user_id, safe="@:")


def room_link(room_id: str, via: Iterable[str] = ()) -> str:
    return BASE + quote(room_id, safe="") + _via(via)


def event_link(room_id: str, event_id: str, via: Iterable[str] = ()) -> str:
    """A link to one event, e.g. a question's thread root; `via` names servers that can
    resolve the room (needed for room ids without a server part)."""
    return BASE + quote(room_id, safe="") + "/" + quote(event_id, safe="") + _via(via)
