from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.refs import AccountRef
from core.roles import Role


@dataclass(frozen=True, slots=True)
class Account:
    """One platform identity. Several accounts (Discord, Matrix) may belong to one person."""

    id: int
    person_id: int
    ref: AccountRef
    display_name: str
    is_bot: bool = False


@dataclass(frozen=True, slots=True)
class Membership:
    community_id: int
    person_id: int
    active: bool
    joined_at: datetime | None
    accepted_rules_version: int
    accepted_network_rules_version: int
    roles: frozenset[Role]
    away_until: datetime | None = None
    expert_label: str = ""

    def has(self, role: Role) -> bool:
        return self.active and role in self.roles

    @property
    def is_leader(self) -> bool:
        return self.has(Role.LEADER)

    def is_away(self, now: datetime) -> bool:
        return self.away_until is not None and self.away_until > now


@dataclass(frozen=True, slots=True)
class Member:
    """A membership with the accounts that can be reached, for lists and notifications."""

    membership: Membership
    accounts: tuple[Account, ...]

    @property
    def name(self) -> str:
        return self.accounts[0].display_name if self.accounts else f"person {self.membership.person_id}"
