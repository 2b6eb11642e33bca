"""Who is speaking and where: the small value objects every adapter hands to the core.

Platform ids (Discord snowflakes, Matrix ids, console names) are always strings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Platform = Literal["console", "discord", "matrix"]
PLATFORMS: tuple[Platform, ...] = ("console", "discord", "matrix")


@dataclass(frozen=True, slots=True)
class AccountRef:
    platform: Platform
    user_id: str

    def __str__(self) -> str:
        return f"{self.platform}:{self.user_id}"

    @classmethod
    def parse(cls, text: str) -> AccountRef:
        platform, _, user_id = text.partition(":")
        if platform not in PLATFORMS or not user_id:
            raise ValueError(f"not an account reference (platform:user_id): {text!r}")
        return cls(platform, user_id)


@dataclass(frozen=True, slots=True)
class HomeRef:
    """A place a community lives: a Discord channel, a Matrix room or space, the console room.

    `room_id` is unique per platform (Discord channel ids and Matrix room ids are global);
    `space_id` is the guild or Matrix space it sits in, when there is one.
    """

    platform: Platform
    room_id: str
    space_id: str | None = None


@dataclass(frozen=True, slots=True)
class Where:
    """Where a command or message came from.

    `space_id` lets a command in any room of a Matrix space reach the space's community;
    `thread_id` is the thread (Discord thread/forum post, Matrix thread root) if any;
    `direct` is true in a one-to-one conversation with the bot; `private` is true wherever
    nobody but the actor sees what they typed (a direct conversation, a Discord slash command
    answered ephemerally, the console) — where a secret ballot may be cast.
    """

    platform: Platform
    room_id: str
    space_id: str | None = None
    thread_id: str | None = None
    direct: bool = False
    private: bool = False
    room_kind: Literal["text", "forum", "room", "space", "console"] = "text"

    def home_candidates(self) -> tuple[str, ...]:
        return (self.room_id,) if self.space_id is None else (self.room_id, self.space_id)


@dataclass(frozen=True, slots=True)
class Actor:
    """The account behind a command, with what the platform says about it at the edge."""

    account: AccountRef
    display_name: str
    is_space_admin: bool = False
    is_bot: bool = False


def mention(account: AccountRef, name: str) -> str:
    """A mention token in core text; each adapter renders it its own way (pill, <@id>, @name)."""
    safe = name.replace("|", "/").replace(">", "")
    return f"<@{account.platform}:{account.user_id}|{safe}>"
