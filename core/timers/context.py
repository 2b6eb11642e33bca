from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from core.effects import OutboundEffect
from core.network import NetworkPolicy
from core.ports import UnitOfWork


@dataclass
class TimerContext:
    """What a timer handler may use: the open unit of work, the time, the network."""

    uow: UnitOfWork
    now: datetime
    network: NetworkPolicy

    async def emit(self, effect: OutboundEffect, key: str | None = None) -> None:
        await self.uow.outbox.add(effect, key)
