from __future__ import annotations

from dataclasses import dataclass, field

from core.refs import AccountRef, HomeRef


@dataclass(frozen=True, slots=True)
class NetworkPolicy:
    """What the deployment says about the network: its staff accounts and hub rooms."""

    staff: frozenset[AccountRef] = field(default_factory=frozenset)
    hubs: tuple[HomeRef, ...] = ()

    def is_staff(self, account: AccountRef) -> bool:
        return account in self.staff
