"""Leaders' power levels: a RoleChange sets or takes back a leader's power level in the
community's room (or its space and the space's rooms), with the bot's own power checked first
(see rooms.plan_power); when the bot lacks it, it says so in the room, and once someone gives
it the power, `reconcile` gives every leader theirs."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from nio import RoomGetStateEventResponse, RoomGetStateResponse
from nio.exceptions import LocalProtocolError

from bots.matrix.calls import MatrixCallError, call, txn_id
from bots.matrix.render import message_content
from bots.matrix.rooms import POWER_LEVELS, plan_power
from core.community.settings import MATRIX_LEADER_POWER
from core.effects import RoleChange
from core.errors import DeliveryError
from core.refs import HomeRef, mention
from core.roles import Role

if TYPE_CHECKING:
    from bots.matrix.platform import MatrixPlatform

log = logging.getLogger(__name__)


class LeaderPower:
    def __init__(self, platform: MatrixPlatform) -> None:
        self.platform = platform

    def can_set_power(self, room_id: str) -> bool | None:
        """Whether the bot may change power levels in the room (None: not known yet)."""
        state = self.platform.states.rooms.get(room_id)
        if state is None or state.create_sender is None:
            return None
        return state.level(self.platform.user_id) >= state.required_for_state(POWER_LEVELS)

    async def reconcile(self, room_id: str) -> None:
        """Give every leader of the community living here their power level in this room."""
        async with self.platform.app.uow(readonly=True) as uow:
            space = self.platform.states.space_of(room_id, self.platform.joined)
            candidates = [room_id] if space is None else [room_id, space]
            home = await uow.homes.find("matrix", candidates)
            community = None if home is None else await uow.communities.get(home.community_id)
            if home is None or community is None:
                return
            leaders = await uow.members.list(community.id, Role.LEADER)
        level = community.settings.get(MATRIX_LEADER_POWER)
        given = []
        for leader in leaders:
            for account in leader.accounts:
                if account.ref.platform != "matrix":
                    continue
                change = RoleChange(home.ref, account.ref, Role.LEADER, True, community.name,
                                    matrix_power_level=level)
                before = self.platform.states.get(room_id).level(account.ref.user_id)
                if await self.apply(room_id, change) is None and before < level:
                    given.append(mention(account.ref, account.display_name))
        if given:
            text = f"Thank you: {', '.join(given)} now {'has' if len(given) == 1 else 'have'} " \
                   f"the power level of a leader of **{community.name}** here."
            await self.platform.send(room_id, message_content(text, prefix=self.platform.prefix, msgtype="m.notice"),
                            txn_id("reconcile", room_id, str(self.platform.syncs)))

    def role_rooms(self, home: HomeRef) -> list[str]:
        """A home room, or a space home with every room of it the bot is in."""
        if self.platform.states.get(home.room_id).is_space:
            return [home.room_id, *self.platform.states.rooms_of_space(home.room_id, self.platform.joined)]
        return [home.room_id]

    async def deliver(self, effect: RoleChange, key: str) -> None:
        problems: list[str] = []
        for room_id in self.role_rooms(effect.home):
            problem = await self.apply(room_id, effect)
            if problem is None:
                continue
            problems.append(problem)
            verb = "give" if effect.granted else "take back"
            who = mention(effect.account, effect.account.user_id)
            role = effect.role.value
            text = (f"{who} {'is now' if effect.granted else 'is no longer'} {role} of **{effect.community_name}**, "
                    f"but I couldn't {verb} their power level {effect.matrix_power_level} in this room: "
                    f"{problem}. A room admin can raise my power level (room settings → roles & "
                    "permissions); I will then give leaders theirs.")
            platform = self.platform
            space = platform.states.get(room_id).is_space
            target = platform.post_room(HomeRef("matrix", room_id)) if space else room_id
            content = message_content(text, prefix=platform.prefix)
            try:
                await platform.send(target, content, txn_id(key, "power", room_id))
            except (MatrixCallError, LocalProtocolError) as error:
                log.warning("could not say that I lack power: %s", getattr(error, "code", error))
        if problems:
            raise DeliveryError(f"not enough power in {len(problems)} room(s): {problems[0]}", permanent=True)

    async def apply(self, room_id: str, effect: RoleChange) -> str | None:
        """Set or take back a leader's power level in one room; a plain reason if impossible."""
        assert self.platform.client is not None
        client = self.platform.client
        state = self.platform.states.get(room_id)
        if state.create_sender is None:
            response = await call(lambda: client.room_get_state(room_id), "read room state")
            assert isinstance(response, RoomGetStateResponse)
            for event in response.events:
                self.platform.states.apply(room_id, event)
        # Fresh power levels: writing a stale copy would undo someone else's change.
        try:
            levels_response = await call(lambda: client.room_get_state_event(room_id, POWER_LEVELS),
                                         "read power levels")
            assert isinstance(levels_response, RoomGetStateEventResponse)
            levels: dict[str, Any] | None = dict(levels_response.content)
        except MatrixCallError as error:
            if error.code != "M_NOT_FOUND":
                raise
            levels = None
        plan = plan_power(state, levels, self.platform.user_id, effect.account.user_id, effect.matrix_power_level,
                          effect.granted)
        if plan.problem is not None:
            return plan.problem
        if plan.content is None:
            return None
        content = plan.content
        try:
            await call(lambda: client.room_put_state(room_id, POWER_LEVELS, content), "set power levels")
        except MatrixCallError as error:
            if error.forbidden:
                return "the homeserver refused my change of power levels"
            raise
        state.power_levels = content
        return None
