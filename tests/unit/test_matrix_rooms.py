"""Power levels and space membership as the Matrix adapter works them out from room state."""

from __future__ import annotations

from typing import Any

import pytest

from bots.matrix.rooms import UNLIMITED, RoomState, RoomStates, plan_power

BOT, LENA, SAM = "@bot:x.org", "@lena:x.org", "@sam:x.org"


def room(version: str = "12", *, creator: str = LENA, users: dict[str, Any] | None = None,
         extra: dict[str, Any] | None = None, **levels: Any) -> tuple[RoomState, dict[str, Any]]:
    power = {"users": users if users is not None else {BOT: 100}, **levels}
    state = RoomState(create_sender=creator, create_content={"room_version": version, **(extra or {})},
                      power_levels=power)
    return state, power


def test_in_version_12_the_creator_and_additional_creators_have_unlimited_power() -> None:
    state, _ = room(extra={"additional_creators": [SAM]})
    assert state.level(LENA) == UNLIMITED and state.level(SAM) == UNLIMITED
    assert state.level(BOT) == 100
    assert state.is_admin(LENA)


def test_before_version_12_the_creator_has_only_what_the_users_map_says() -> None:
    state, _ = room("10", users={LENA: 100, SAM: "50"}, users_default=0)
    assert state.level(LENA) == 100
    assert state.level(SAM) == 50  # old rooms may hold levels as strings
    assert state.level(BOT) == 0


def test_granting_sets_the_level_and_keeps_everything_else() -> None:
    state, power = room(users={BOT: 100, "@mod:x.org": 50}, events={"m.room.name": 50})
    plan = plan_power(state, power, BOT, SAM, 50, granted=True)
    assert plan.problem is None and plan.content is not None
    assert plan.content["users"] == {BOT: 100, "@mod:x.org": 50, SAM: 50}
    assert plan.content["events"] == {"m.room.name": 50}
    assert power["users"] == {BOT: 100, "@mod:x.org": 50}  # the input is not changed


def test_revoking_removes_only_what_leadership_gave() -> None:
    state, power = room(users={BOT: 100, SAM: 50, "@admin:x.org": 100})
    assert plan_power(state, power, BOT, SAM, 50, granted=False).content == {"users": {BOT: 100, "@admin:x.org": 100}}
    assert plan_power(state, power, BOT, "@admin:x.org", 50, granted=False).content is None


@pytest.mark.parametrize(("target", "users"), [
    (LENA, {BOT: 100}),  # a creator: unlimited already
    (SAM, {BOT: 100, SAM: 100}),  # an admin stays an admin
])
def test_nothing_to_do_when_they_already_have_the_power(target: str, users: dict[str, int]) -> None:
    state, power = room(users=users)
    assert plan_power(state, power, BOT, target, 50, granted=True).content is None


@pytest.mark.parametrize(("users", "levels", "problem"), [
    ({BOT: 0}, {}, "changing power levels here needs power level 100 and I have 0"),
    ({BOT: 50}, {"events": {"m.room.power_levels": 50}, "users_default": 0}, None),
    ({BOT: 40}, {"events": {"m.room.power_levels": 30}}, "power level 50 is above mine (40)"),
    ({BOT: 60, SAM: 60}, {"events": {"m.room.power_levels": 50}}, None),  # already ≥ 50: nothing to do
    ({BOT: 60, SAM: 70}, {"events": {"m.room.power_levels": 50}}, None),
])
def test_the_bot_says_why_it_cannot(users: dict[str, int], levels: dict[str, Any], problem: str | None) -> None:
    state, power = room(users=users, state_default=100, **levels)
    assert plan_power(state, power, BOT, SAM, 50, granted=True).problem == problem


def test_taking_back_from_someone_as_powerful_as_the_bot_is_refused_plainly() -> None:
    state, power = room(users={BOT: 50, SAM: 50}, events={"m.room.power_levels": 50})
    assert plan_power(state, power, BOT, SAM, 50, granted=False).problem == \
        "they have power level 50, not below mine (50)"


def state_event(kind: str, key: str, content: dict[str, Any], sender: str = LENA) -> dict[str, Any]:
    return {"type": kind, "state_key": key, "content": content, "sender": sender}


def test_a_room_belongs_to_the_space_named_by_either_side() -> None:
    states = RoomStates()
    states.apply("!space", state_event("m.room.create", "", {"type": "m.space", "room_version": "12"}))
    states.apply("!space", state_event("m.room.power_levels", "", {"users": {SAM: 50}, "state_default": 50}))
    states.apply("!space", state_event("m.space.child", "!a", {"via": ["x.org"], "order": "2"}))
    states.apply("!space", state_event("m.space.child", "!b", {"via": ["x.org"], "order": "1"}))
    states.apply("!c", state_event("m.space.parent", "!space", {"via": ["x.org"]}))  # by lena, its creator
    states.apply("!a", state_event("m.room.create", "", {"room_version": "12"}))
    assert states.space_of("!a") == "!space"  # the space lists it
    assert states.space_of("!c") == "!space"  # it lists the space
    assert states.space_of("!space") is None
    assert states.rooms_of_space("!space", {"!a", "!b", "!c", "!space"}) == ["!b", "!a", "!c"]
    assert states.rooms_of_space("!space", {"!a"}) == ["!a"]  # only rooms the bot is in
    # A child event without `via` is a removal.
    states.apply("!space", state_event("m.space.child", "!a", {}))
    assert states.space_of("!a") is None


def test_a_room_cannot_claim_a_space_its_sender_may_not_add_children_to() -> None:
    states = RoomStates()
    states.apply("!space", state_event("m.room.create", "", {"type": "m.space", "room_version": "12"}))
    states.apply("!space", state_event("m.room.power_levels", "", {"users": {SAM: 50}, "users_default": 0,
                                                                     "events": {"m.space.child": 50}}))
    states.apply("!rogue", state_event("m.space.parent", "!space", {"via": ["x.org"]}, sender="@eve:x.org"))
    states.apply("!ok", state_event("m.space.parent", "!space", {"via": ["x.org"]}, sender=SAM))
    states.apply("!unknown", state_event("m.space.parent", "!elsewhere", {"via": ["x.org"]}))
    assert states.space_of("!rogue") is None
    assert states.space_of("!ok") == "!space"
    assert states.space_of("!unknown") is None  # a space the bot is not in cannot be checked
    assert states.rooms_of_space("!space", {"!rogue", "!ok"}) == ["!ok"]


def space(states: RoomStates, space_id: str) -> None:
    states.apply(space_id, state_event("m.room.create", "", {"type": "m.space", "room_version": "12"}))


def test_a_canonical_parent_wins_over_other_spaces() -> None:
    states = RoomStates()
    space(states, "!aaa")
    space(states, "!zzz")
    states.apply("!r", state_event("m.space.parent", "!aaa", {"via": ["x.org"]}))
    states.apply("!r", state_event("m.space.parent", "!zzz", {"via": ["x.org"], "canonical": True}))
    assert states.space_of("!r") == "!zzz"
    states.apply("!r", state_event("m.space.parent", "!zzz", {"via": ["x.org"]}))
    assert states.space_of("!r", joined={"!zzz"}) == "!zzz"  # then a space the bot is in
    assert states.space_of("!r") == "!aaa"  # then the lowest id, so the answer is stable
