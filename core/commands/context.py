from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.community.model import Community, Home
from core.effects import OutboundEffect
from core.errors import NotFound
from core.membership.model import Account, Member, Membership
from core.network import NetworkPolicy
from core.ports import UnitOfWork
from core.refs import Actor, Where
from core.roles import Role


@dataclass
class Context:
    """Everything a handler may use: the open unit of work and who, where and when."""

    uow: UnitOfWork
    actor: Actor
    where: Where | None
    now: datetime
    # None until the handler needs it: reading commands store nothing about strangers.
    account_or_none: Account | None
    network: NetworkPolicy
    home: Home | None = None
    community_or_none: Community | None = None
    membership: Membership | None = None
    network_rules_version: int = 1

    @property
    def community(self) -> Community:
        # The bus guarantees a community for every access level that needs one.
        assert self.community_or_none is not None
        return self.community_or_none

    async def me(self) -> Account:
        """The actor's account, created (with a new person) the first time it is needed."""
        if self.account_or_none is None:
            self.account_or_none = await self.uow.accounts.create(self.actor, self.now)
        return self.account_or_none

    async def person_id(self) -> int:
        return (await self.me()).person_id

    @property
    def is_staff(self) -> bool:
        return self.network.is_staff(self.actor.account)

    @property
    def is_leader(self) -> bool:
        return self.membership is not None and self.membership.is_leader

    def has_role(self, role: Role) -> bool:
        return self.membership is not None and self.membership.has(role)

    async def emit(self, effect: OutboundEffect, key: str | None = None) -> None:
        await self.uow.outbox.add(effect, key)

    async def find_member(self, text: str, *, include_left: bool = False) -> Member:
        """Resolve what a user typed for a member: a mention, a platform id or a display name."""
        wanted = normalise_mention(text)
        members = await self.uow.members.list(self.community.id, active_only=not include_left)
        by_id = [m for m in members if any(a.ref.user_id == wanted for a in m.accounts)]
        if by_id:
            return by_id[0]
        lowered = wanted.lower().lstrip("@")
        by_name = [m for m in members if any(a.display_name.lower() == lowered for a in m.accounts)]
        if len(by_name) == 1:
            return by_name[0]
        if len(by_name) > 1:
            raise NotFound(f"More than one member is called “{wanted[:40]}”; use a mention instead.")
        raise NotFound(f"I can't find a member “{wanted[:40]}” in {self.community.name}.")


def normalise_mention(text: str) -> str:
    """`<@123>`, `<@!123>` (Discord), `@lena:example.org` (Matrix) and `lena` all become ids or names."""
    value = text.strip()
    if value.startswith("<@") and value.endswith(">"):
        value = value[2:-1].lstrip("!")
    if value.startswith("https://matrix.to/#/"):
        value = value.removeprefix("https://matrix.to/#/")
    return value
