"""What the bot knows about each room's state, kept from the sync: creation, power levels and
space links. Pure bookkeeping and arithmetic; no I/O.

Power (room versions ≤ 11): a user's level is `users[user]`, else `users_default`; without a
power-levels event the creator has 100. Room version 12 and later: the creator and the
`additional_creators` of `m.room.create` have unlimited power and never appear in `users`.

Spaces: a room belongs to a space when the space names the room in `m.space.child`, or the
room names the space in `m.space.parent` and whoever set that may add children to the space
(a room cannot claim a space on its own: the spec's rule, checked with the space's power
levels, so the bot must be in the space). Both need a non-empty `via`. With several, a
canonical parent wins, then a space the bot is in, then the lowest id, so the answer is stable.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

UNLIMITED = 1 << 62
ADMIN_LEVEL = 100
CREATE = "m.room.create"
POWER_LEVELS = "m.room.power_levels"
SPACE_PARENT = "m.space.parent"
SPACE_CHILD = "m.space.child"
TRACKED = frozenset({CREATE, POWER_LEVELS, SPACE_PARENT, SPACE_CHILD})
# Room versions where creators have unlimited power (MSC4289): 12 and later, and the
# unstable name Synapse used before 12 was stable.
CREATOR_VERSIONS_UNSTABLE = frozenset({"org.matrix.hydra.11"})


def creators_privileged(room_version: str) -> bool:
    return room_version in CREATOR_VERSIONS_UNSTABLE or (room_version.isdigit() and int(room_version) >= 12)


def as_int(value: object, default: int) -> int:
    # Old room versions allowed power levels as strings ("50").
    try:
        return int(value)  # type: ignore[call-overload, no-any-return]
    except (TypeError, ValueError):
        return default


def _via(content: Mapping[str, Any]) -> bool:
    via = content.get("via")
    return isinstance(via, list) and bool(via)


@dataclass
class RoomState:
    create_sender: str | None = None
    create_content: dict[str, Any] = field(default_factory=dict)
    power_levels: dict[str, Any] | None = None
    parents: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Who set each m.space.parent: it counts only if they may add children to that space.
    parent_senders: dict[str, str] = field(default_factory=dict)
    children: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def is_space(self) -> bool:
        return self.create_content.get("type") == "m.space"

    @property
    def room_version(self) -> str:
        return str(self.create_content.get("room_version", "1"))

    def creators(self) -> frozenset[str]:
        """Users with unlimited power (room version 12+), else none."""
        if self.create_sender is None or not creators_privileged(self.room_version):
            return frozenset()
        extra = self.create_content.get("additional_creators")
        others = [u for u in extra if isinstance(u, str)] if isinstance(extra, list) else []
        return frozenset({self.create_sender, *others})

    def level(self, user_id: str, power_levels: Mapping[str, Any] | None = None) -> int:
        if user_id in self.creators():
            return UNLIMITED
        levels = self.power_levels if power_levels is None else power_levels
        if levels is None:
            creator = self.create_content.get("creator", self.create_sender)
            return ADMIN_LEVEL if user_id == creator else 0
        users = levels.get("users")
        default = as_int(levels.get("users_default"), 0)
        if isinstance(users, dict) and user_id in users:
            return as_int(users[user_id], default)
        return default

    def required_for_state(self, event_type: str, power_levels: Mapping[str, Any] | None = None) -> int:
        levels = self.power_levels if power_levels is None else power_levels
        if levels is None:
            return 0
        events = levels.get("events")
        state_default = as_int(levels.get("state_default"), 50)
        if isinstance(events, dict) and event_type in events:
            return as_int(events[event_type], state_default)
        return state_default

    def is_admin(self, user_id: str) -> bool:
        return self.level(user_id) >= ADMIN_LEVEL


@dataclass(frozen=True, slots=True)
class PowerPlan:
    """What to write to give or take a leader's power in one room.

    `content` is the whole new `m.room.power_levels` content (None: nothing to change);
    `problem` says in plain words why the bot cannot do it.
    """

    content: dict[str, Any] | None = None
    problem: str | None = None


def plan_power(state: RoomState, power_levels: Mapping[str, Any] | None, bot: str, target: str,
               level: int, granted: bool) -> PowerPlan:
    if target in state.creators():
        return PowerPlan()  # unlimited already, and creators may not be listed in `users`
    levels: dict[str, Any] = copy.deepcopy(dict(power_levels)) if power_levels is not None else {}
    found = levels.get("users")
    users: dict[str, Any] = found if isinstance(found, dict) else {}
    current = state.level(target, levels or None)
    if granted:
        if current >= level:
            return PowerPlan()  # already as powerful (a room admin stays an admin)
    elif as_int(users.get(target), -1) != level:
        return PowerPlan()  # only take back what leadership gave; other levels stay
    mine = state.level(bot, levels or None)
    needed = state.required_for_state(POWER_LEVELS, levels or None)
    if mine < needed:
        return PowerPlan(problem=f"changing power levels here needs power level {needed} and I have {mine}")
    if target != bot and current >= mine:
        return PowerPlan(problem=f"they have power level {current}, not below mine ({mine})")
    if granted and level > mine:
        return PowerPlan(problem=f"power level {level} is above mine ({mine})")
    new_users = dict(users)
    if granted:
        new_users[target] = level
    else:
        new_users.pop(target, None)
    levels["users"] = new_users
    return PowerPlan(content=levels)


class RoomStates:
    """Tracked state of every room the bot is in, fed with raw events from the sync."""

    def __init__(self) -> None:
        self.rooms: dict[str, RoomState] = {}

    def get(self, room_id: str) -> RoomState:
        return self.rooms.setdefault(room_id, RoomState())

    def apply(self, room_id: str, event: Mapping[str, Any]) -> None:
        kind = event.get("type")
        if kind not in TRACKED or "state_key" not in event:
            return
        content = event.get("content")
        content = dict(content) if isinstance(content, dict) else {}
        state = self.get(room_id)
        key = str(event["state_key"])
        if kind == CREATE:
            state.create_sender = str(event.get("sender", "")) or None
            state.create_content = content
        elif kind == POWER_LEVELS:
            state.power_levels = content
        elif kind == SPACE_PARENT:
            if _via(content):
                state.parents[key] = content
                state.parent_senders[key] = str(event.get("sender", ""))
            else:
                state.parents.pop(key, None)
                state.parent_senders.pop(key, None)
        elif kind == SPACE_CHILD:
            (state.children.__setitem__(key, content) if _via(content) else state.children.pop(key, None))

    def forget(self, room_id: str) -> None:
        self.rooms.pop(room_id, None)

    def space_of(self, room_id: str, joined: Iterable[str] = ()) -> str | None:
        state = self.rooms.get(room_id)
        if state is None or state.is_space:
            return None
        joined_set = set(joined)
        candidates = {space for space in state.parents if self._parent_allowed(state, space)}
        candidates |= {space for space, s in self.rooms.items() if room_id in s.children}
        if not candidates:
            return None

        def rank(space: str) -> tuple[bool, bool, str]:
            canonical = bool(state.parents.get(space, {}).get("canonical"))
            return (not canonical, space not in joined_set, space)

        return min(candidates, key=rank)

    def _parent_allowed(self, state: RoomState, space_id: str) -> bool:
        space = self.rooms.get(space_id)
        if space is None or not space.is_space:
            return False
        sender = state.parent_senders.get(space_id, "")
        return space.level(sender) >= space.required_for_state(SPACE_CHILD)

    def rooms_of_space(self, space_id: str, joined: Iterable[str]) -> list[str]:
        """The space's rooms that the bot is in, in the space's order."""
        joined_set = set(joined)
        children = self.rooms.get(space_id, RoomState()).children
        found = set(children) | {r for r, s in self.rooms.items()
                                 if space_id in s.parents and self._parent_allowed(s, space_id)}
        found &= joined_set
        found.discard(space_id)

        def order(room: str) -> tuple[str, str]:
            value = children.get(room, {}).get("order")
            return (value if isinstance(value, str) else "\U0010ffff", room)

        return sorted(found, key=order)
