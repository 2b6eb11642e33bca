"""The ports the core needs from the outside: storage (a unit of work with repositories) and
chat platforms. `storage/` and `bots/` implement them; tests may substitute fakes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import Protocol, Self

from core.community.model import Community, Home
from core.community.settings import Settings
from core.effects import OutboundEffect
from core.membership.model import Account, Member, Membership
from core.refs import AccountRef, Actor, Platform, Where
from core.roles import Role
from core.rules.model import Rule


class ChatPlatform(Protocol):
    @property
    def name(self) -> Platform: ...

    async def deliver(self, effect: OutboundEffect, key: str) -> None:
        """Carry out one outbound effect; raise core.errors.DeliveryError if it failed.

        `key` is the outbox idempotency key: platforms that can deduplicate (Matrix
        transaction ids, Discord nonces) pass it on, so a redelivery is not a second message.
        """
        ...


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Who and where, as stored, loaded at the start of each command."""

    network_rules_version: int
    account: Account | None = None
    home: Home | None = None
    community: Community | None = None
    membership: Membership | None = None


class ContextRepo(Protocol):
    async def load(self, account: AccountRef, platform: Platform | None, room_ids: Sequence[str]) -> Snapshot: ...


class CommunityRepo(Protocol):
    async def get(self, community_id: int) -> Community | None: ...
    async def by_name(self, name: str) -> Community | None: ...
    async def add(self, name: str, domain: str, now: datetime) -> Community: ...
    async def update(
        self,
        community_id: int,
        *,
        name: str | None = None,
        domain: str | None = None,
        charter: str | None = None,
        settings: Settings | None = None,
        rules_version: int | None = None,
    ) -> None: ...
    async def all(self) -> Sequence[Community]: ...


class HomeRepo(Protocol):
    async def find(self, platform: Platform, room_ids: Sequence[str]) -> Home | None: ...
    async def add(self, community_id: int, where: Where, as_space: bool, now: datetime) -> Home: ...
    async def for_community(self, community_id: int) -> Sequence[Home]: ...


class AccountRepo(Protocol):
    async def create(self, actor: Actor, now: datetime) -> Account:
        """A new account, with a new person behind it."""
        ...
    async def update_profile(self, account: Account, actor: Actor) -> Account: ...
    async def get(self, ref: AccountRef) -> Account | None: ...
    async def for_persons(self, person_ids: Sequence[int]) -> dict[int, list[Account]]: ...
    async def merge_persons(self, keep: int, drop: int) -> None: ...


class MemberRepo(Protocol):
    async def get(self, community_id: int, person_id: int) -> Membership | None: ...
    async def save(self, membership: Membership) -> None: ...
    async def list(
        self, community_id: int, role: Role | None = None, *, active_only: bool = True
    ) -> Sequence[Member]: ...
    async def count(self, community_id: int) -> int: ...
    async def communities_of(self, person_id: int) -> Sequence[Membership]: ...


class RuleRepo(Protocol):
    async def list(self, community_id: int | None) -> Sequence[Rule]: ...
    async def list_with_network(self, community_id: int) -> tuple[Sequence[Rule], Sequence[Rule]]:
        """The community's rules and the network's, in one query."""
        ...
    async def add(self, community_id: int | None, text: str) -> Rule: ...
    async def edit(self, rule_id: int, text: str) -> None: ...
    async def remove(self, rule: Rule) -> None: ...
    async def network_version(self) -> int: ...
    async def bump_network_version(self) -> int: ...


@dataclass(frozen=True, slots=True)
class CodeClaim:
    kind: str
    subject: str


class CodeRepo(Protocol):
    async def add(self, code_hash: str, claim: CodeClaim, expires_at: datetime) -> None: ...
    async def take(self, code_hash: str, kind: str, now: datetime) -> CodeClaim | None:
        """Mark an unexpired, unused code used and return what it stands for; else None."""
        ...


class Outbox(Protocol):
    async def add(self, effect: OutboundEffect, key: str | None = None) -> None: ...


class UnitOfWork(Protocol):
    # Read-only properties, so implementations may hold more specific repository types.
    @property
    def context(self) -> ContextRepo: ...
    @property
    def communities(self) -> CommunityRepo: ...
    @property
    def homes(self) -> HomeRepo: ...
    @property
    def accounts(self) -> AccountRepo: ...
    @property
    def members(self) -> MemberRepo: ...
    @property
    def rules(self) -> RuleRepo: ...
    @property
    def codes(self) -> CodeRepo: ...
    @property
    def outbox(self) -> Outbox: ...

    async def __aenter__(self) -> Self: ...
    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    async def commit(self) -> None:
        """Commit; raises core.errors.ConcurrentUpdate when a concurrent writer won a race."""
        ...


class UnitOfWorkFactory(Protocol):
    def __call__(self, *, readonly: bool = False) -> UnitOfWork:
        """A new unit of work; `readonly` ones may skip taking the write lock."""
        ...
