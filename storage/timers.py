"""Timer rows: one per (kind, subject), claimed by the sweeper with a lease.

Pending rows are found through a partial index on `due_at`, so an empty sweep over a
million pending timers reads nothing but the index edge.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, Index, String, UniqueConstraint, bindparam, delete, select, text, update
from sqlalchemy.orm import Mapped, mapped_column

from core.timers.model import DueTimer
from storage.base import Base
from storage.claims import PENDING, Claimable, claim_due, next_due
from storage.db import Db, Upsert
from storage.types import UTCDateTime

FIRED = "fired"
FAILED = "failed"


class TimerRow(Claimable, Base):
    __tablename__ = "timers"
    __table_args__ = (
        UniqueConstraint("subject", "kind"),
        Index("ix_timers_pending_due", "due_at", sqlite_where=text("state = 'pending'"),
              postgresql_where=text("state = 'pending'")),
    )
    kind: Mapped[str] = mapped_column(String(40))
    subject: Mapped[str] = mapped_column(String(120))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    fired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(500))


_ARM = Upsert(TimerRow.__table__, ("subject", "kind"),  # type: ignore[arg-type]
              ("due_at", "state", "attempts", "claimed_by", "claimed_until", "data", "fired_at"))


def _values(kind: str, subject: str, due_at: datetime, data: Mapping[str, Any] | None) -> dict[str, Any]:
    return {"kind": kind, "subject": subject, "due_at": due_at, "state": PENDING, "attempts": 0,
            "claimed_by": None, "claimed_until": None, "data": dict(data or {}), "fired_at": None}


class SqlTimerRepo:
    def __init__(self, db: Db) -> None:
        self.db = db
        # The earliest due time armed in this unit of work, so the runtime can wake the
        # sweeper early instead of waiting for its next interval.
        self.earliest_armed: datetime | None = None

    def _note(self, due_at: datetime) -> None:
        if self.earliest_armed is None or due_at < self.earliest_armed:
            self.earliest_armed = due_at

    async def arm(self, kind: str, subject: str, due_at: datetime, data: Mapping[str, Any] | None = None) -> None:
        self._note(due_at)
        await _ARM(self.db, _values(kind, subject, due_at, data))

    async def arm_many(self, timers: Sequence[tuple[str, str, datetime, Mapping[str, Any] | None]]) -> None:
        if not timers:
            return
        for timer in timers:
            self._note(timer[2])
        await _ARM(self.db, [_values(*timer) for timer in timers])

    async def cancel(self, kind: str, subject: str) -> None:
        await self.db.execute(delete(TimerRow).where(TimerRow.kind == kind, TimerRow.subject == subject,
                                                     TimerRow.state == PENDING))

    async def cancel_subjects(self, kinds: Sequence[str], subjects: Sequence[str]) -> None:
        if subjects:
            await self.db.execute(delete(TimerRow).where(TimerRow.kind.in_(kinds), TimerRow.subject.in_(subjects),
                                                         TimerRow.state == PENDING))

    async def due_at(self, kind: str, subject: str) -> datetime | None:
        query = select(TimerRow.due_at).where(TimerRow.kind == kind, TimerRow.subject == subject,
                                              TimerRow.state == PENDING)
        value: datetime | None = (await self.db.execute(query)).scalar()
        return value

    # -- the sweeper's side ----------------------------------------------------------------
    async def claim(self, *, now: datetime, worker: str, lease: timedelta, limit: int) -> list[DueTimer]:
        rows = await claim_due(self.db, TimerRow, now=now, worker=worker, lease=lease, limit=limit)
        return [DueTimer(r.id, r.kind, r.subject, r.due_at, r.attempts, r.data or {}) for r in rows]

    async def mark_fired(self, ids: Sequence[int], worker: str, now: datetime) -> set[int]:
        """Mark claimed timers fired; returns the ids still ours (not re-armed or taken over)."""
        result = await self.db.execute(
            update(TimerRow)
            .where(TimerRow.id.in_(bindparam("ids", expanding=True)), TimerRow.claimed_by == worker,
                   TimerRow.state == PENDING)
            .values(state=FIRED, fired_at=now, claimed_until=None)
            .returning(TimerRow.id),
            {"ids": list(ids)},
        )
        return {row[0] for row in result.all()}

    async def retry(self, timer_id: int, worker: str, at: datetime, error: str) -> None:
        await self.db.execute(update(TimerRow).where(TimerRow.id == timer_id, TimerRow.claimed_by == worker,
                                                     TimerRow.state == PENDING)
                              .values(due_at=at, claimed_until=None, last_error=error[:500]))

    async def fail(self, timer_id: int, worker: str, error: str) -> None:
        await self.db.execute(update(TimerRow).where(TimerRow.id == timer_id, TimerRow.state == PENDING)
                              .values(state=FAILED, claimed_until=None, last_error=error[:500]))

    async def next_due(self) -> datetime | None:
        return await next_due(self.db, TimerRow)

    async def purge_fired(self, before: datetime) -> None:
        await self.db.execute(delete(TimerRow).where(TimerRow.state == FIRED, TimerRow.fired_at < before))
