"""What the core asks the platforms to do.

A `Reply` answers the command that was just typed and is rendered by the adapter that
received it. Every other message (nudges, announcements, DMs, role changes) is an
`OutboundEffect`: written to the outbox in the same transaction as the change that caused
it, then delivered by the dispatcher through `ChatPlatform.deliver`. Adapters match on the
union with `assert_never`, so adding a kind here is a type error until every adapter handles it.

Text uses a small markup every adapter renders: Markdown (`**bold**`, `[label](url)`, lists)
plus mention tokens from `core.refs.mention`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from core.refs import AccountRef, HomeRef, Platform
from core.roles import Role


@dataclass(frozen=True, slots=True)
class Action:
    """A suggested next command: a button on Discord, a hint line on Matrix and the console.

    `command` is a text command without the prefix, e.g. `join accept` or `questions snooze 4 4h`.
    """

    label: str
    command: str
    style: Literal["primary", "secondary", "success", "danger", "link"] = "secondary"
    url: str | None = None


@dataclass(frozen=True, slots=True)
class OpenThread:
    """Asks the adapter to start a thread with the reply as its first message (a forum post,
    a thread on the reply, a Matrix thread root) and to report the thread's id back through
    `CommandBus.attach_thread(key, …)`."""

    key: str
    title: str
    tags: tuple[str, ...] = ()
    # The short number users see (#4), for platforms that name threads by it (the console).
    number: int | None = None


@dataclass(frozen=True, slots=True)
class Choose:
    """A pick among options, for platforms with a widget for it (a Discord select menu): the
    values picked, joined with commas, replace `{}` in `command`. The reply's text still says
    what to type, for platforms without one.

    `ordered`: the order of picking matters (a ranked ballot), so picks are made one at a time.
    """

    command: str
    options: tuple[tuple[str, str], ...]  # (label, value)
    max_picks: int = 1
    ordered: bool = False
    placeholder: str = ""


@dataclass(frozen=True, slots=True)
class Reply:
    text: str
    private: bool = False
    error: bool = False
    actions: tuple[Action, ...] = ()
    thread: OpenThread | None = None
    # Holds something only its reader may use (a one-time code). Platforms without private
    # replies (Matrix) send it in a direct message instead of the room.
    secret: bool = False
    choose: Choose | None = None


@dataclass(frozen=True, slots=True)
class DirectMessage:
    to: AccountRef
    text: str
    actions: tuple[Action, ...] = ()
    # Where to mention the person instead when their DMs are closed.
    fallback: HomeRef | None = None
    kind: Literal["dm"] = "dm"

    @property
    def platform(self) -> Platform:
        return self.to.platform


@dataclass(frozen=True, slots=True)
class HomePost:
    home: HomeRef
    text: str
    thread_id: str | None = None
    actions: tuple[Action, ...] = ()
    mentions: tuple[AccountRef, ...] = field(default=())
    kind: Literal["post"] = "post"

    @property
    def platform(self) -> Platform:
        return self.home.platform


@dataclass(frozen=True, slots=True)
class RoleChange:
    """Make the platform follow the core's roles (a Discord role, a Matrix power level)."""

    home: HomeRef
    account: AccountRef
    role: Role
    granted: bool
    community_name: str = ""
    # Settings the adapter needs, copied from the community so delivery needs no lookup.
    discord_role_id: str | None = None
    matrix_power_level: int = 50
    kind: Literal["role"] = "role"

    @property
    def platform(self) -> Platform:
        return self.home.platform


@dataclass(frozen=True, slots=True)
class ThreadUpdate:
    """A question's thread changed state: Discord forum posts get their tag (and may be
    archived); other platforms need not show it."""

    home: HomeRef
    thread_id: str
    status: Literal["open", "answered", "solved", "closed"]
    archive: bool = False
    kind: Literal["thread"] = "thread"

    @property
    def platform(self) -> Platform:
        return self.home.platform


OutboundEffect = DirectMessage | HomePost | RoleChange | ThreadUpdate
