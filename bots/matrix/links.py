"""matrix.to permalinks: what nudges and notices link to (a thread, a room, a person)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from urllib.parse import quote, unquote, urlencode

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


# A link to an event as the core writes it (core/links.py), possibly without `via` servers.
_EVENT_LINK = re.compile(
    r"https://matrix\.to/#/((?:!|%21)[^/\s?#()\[\]<>]+)/((?:\$|%24)[^/\s?#()\[\]<>]+)(\?via=[^\s()\[\]<>]*)?")


def event_links(text: str) -> set[tuple[str, str]]:
    """(room id, event id) of every event link in `text` that names no `via` server."""
    return {(unquote(m[1]), unquote(m[2])) for m in _EVENT_LINK.finditer(text) if not m[3]}


def relink(text: str, link: Callable[[str, str], str]) -> str:
    """Event links without `via` rewritten by `link(room id, event id)`; others kept as they are."""
    return _EVENT_LINK.sub(lambda m: m[0] if m[3] else link(unquote(m[1]), unquote(m[2])), text)
