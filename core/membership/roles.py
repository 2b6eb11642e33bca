"""Roles on the platforms follow the core: a leader change becomes a RoleChange in the outbox
for every home of the community where the person has an account on that platform."""

from __future__ import annotations

from typing import Protocol

from core.community.model import Community
from core.community.settings import DISCORD_LEADER_ROLE, MATRIX_LEADER_POWER
from core.effects import OutboundEffect, RoleChange
from core.ports import UnitOfWork
from core.refs import HomeRef
from core.roles import Role

# Only leadership is mirrored on the platforms (Discord role, Matrix power level).
MIRRORED = frozenset({Role.LEADER})


class Emitter(Protocol):
    """A command's Context or a timer's TimerContext: both may change roles (a recall does)."""

    @property
    def uow(self) -> UnitOfWork: ...
    async def emit(self, effect: OutboundEffect, key: str | None = None) -> None: ...


async def sync_platform_role(
    ctx: Emitter, community: Community, person_id: int, role: Role, *, granted: bool,
    only_home: HomeRef | None = None,
) -> None:
    """`only_home`: just that home (a newly linked one), not every home of the community."""
    if role not in MIRRORED:
        return
    homes = [h for h in await ctx.uow.homes.for_community(community.id) if only_home in (None, h.ref)]
    accounts = (await ctx.uow.accounts.for_persons([person_id])).get(person_id, [])
    discord_role = community.settings.get(DISCORD_LEADER_ROLE)
    for home in homes:
        for account in accounts:
            if account.ref.platform != home.platform:
                continue
            if home.platform == "discord" and discord_role == "off":
                continue
            await ctx.emit(RoleChange(
                home.ref, account.ref, role, granted, community.name,
                discord_role_id=None if discord_role == "off" else discord_role,
                matrix_power_level=community.settings.get(MATRIX_LEADER_POWER),
            ))

