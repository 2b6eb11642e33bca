"""Links to places on each platform, for nudges that point at a question's thread."""

from __future__ import annotations

from urllib.parse import quote

from core.refs import HomeRef


def thread_link(home: HomeRef, thread_id: str | None) -> str | None:
    if thread_id is None:
        return None
    if home.platform == "discord" and home.space_id:
        return f"https://discord.com/channels/{home.space_id}/{thread_id}"
    if home.platform == "matrix":
        return f"https://matrix.to/#/{quote(home.room_id, safe='!:')}/{quote(thread_id, safe='$:')}"
    return None
