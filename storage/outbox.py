"""The outbox: outbound effects written in the same transaction as the change that caused
them, then delivered by the dispatcher (bots/dispatcher.py) with retries and backoff."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Index, String, Text, delete, insert, update
from sqlalchemy.orm import Mapped, mapped_column

from core.clock import Clock
from core.effects import OutboundEffect
from core.refs import Platform
from storage import effects_json
from storage.base import Base
from storage.claims import PENDING, Claimable, claim_due, next_due
from storage.db import Db
from storage.types import UTCDateTime

DELIVERED = "delivered"
FAILED = "failed"


class OutboxRow(Claimable, Base):
    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "state", "platform", "due_at"),)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    platform: Mapped[str] = mapped_column(String(16))
    kind: Mapped[str] = mapped_column(String(16))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


@dataclass(frozen=True, slots=True)
class OutboxItem:
    id: int
    key: str
    effect: OutboundEffect
    attempts: int


class SqlOutbox:
    def __init__(self, db: Db, clock: Clock) -> None:
        self.db = db
        self.clock = clock

    async def add(self, effect: OutboundEffect, key: str | None = None) -> None:
        now = self.clock.now()
        await self.db.execute(insert(OutboxRow).values(
            key=key or f"{effect.kind}:{uuid.uuid4().hex}", platform=effect.platform, kind=effect.kind,
            payload=effects_json.dump(effect), created_at=now, due_at=now, state=PENDING, attempts=0,
        ))

    async def claim(self, platforms: Sequence[Platform], *, worker: str, lease: timedelta,
                    limit: int) -> list[OutboxItem]:
        rows = await claim_due(self.db, OutboxRow, now=self.clock.now(), worker=worker, lease=lease,
                               limit=limit, where=[OutboxRow.platform.in_(platforms)])
        return [OutboxItem(r.id, r.key, effects_json.load(r.payload), r.attempts) for r in rows]

    async def delivered(self, item_id: int, worker: str) -> None:
        await self.db.execute(update(OutboxRow).where(OutboxRow.id == item_id, OutboxRow.claimed_by == worker)
                              .values(state=DELIVERED, delivered_at=self.clock.now(), claimed_until=None))

    async def retry(self, item_id: int, worker: str, error: str, at: datetime) -> None:
        await self.db.execute(update(OutboxRow).where(OutboxRow.id == item_id, OutboxRow.claimed_by == worker)
                              .values(due_at=at, last_error=error[:500], claimed_until=None))

    async def failed(self, item_id: int, worker: str, error: str) -> None:
        await self.db.execute(update(OutboxRow).where(OutboxRow.id == item_id, OutboxRow.claimed_by == worker)
                              .values(state=FAILED, last_error=error[:500], claimed_until=None))

    async def next_due(self, platforms: Sequence[Platform]) -> datetime | None:
        return await next_due(self.db, OutboxRow, [OutboxRow.platform.in_(platforms)])

    async def purge_delivered(self, before: datetime) -> int:
        result = await self.db.execute(delete(OutboxRow).where(
            OutboxRow.state == DELIVERED, OutboxRow.delivered_at < before))
        return int(result.rowcount)  # type: ignore[attr-defined]
