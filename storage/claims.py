"""Atomic claiming of due rows (outbox messages, timers) by one of several workers.

One statement claims a batch: `UPDATE … WHERE id IN (SELECT … ORDER BY due_at LIMIT n
[FOR UPDATE SKIP LOCKED]) RETURNING …`. On PostgreSQL two workers skip each other's rows;
on SQLite the write lock taken by BEGIN IMMEDIATE serialises them. A claim is a lease: if a
worker dies before finishing, the row is claimable again once `claimed_until` passes.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Integer, Row, String, func, or_, select, update
from sqlalchemy.orm import Mapped, mapped_column

from storage.db import Db
from storage.types import UTCDateTime

PENDING = "pending"


class Claimable:
    """Columns every claimable table has."""

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    state: Mapped[str] = mapped_column(String(12), default=PENDING)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)



def _claimable_filter(model: Any, now: datetime) -> list[ColumnElement[bool]]:
    return [
        model.state == PENDING,
        model.due_at <= now,
        or_(model.claimed_until.is_(None), model.claimed_until < now),
    ]


async def claim_due(db: Db, model: Any, *, now: datetime, worker: str, lease: timedelta, limit: int,
                    where: Sequence[ColumnElement[bool]] = ()) -> Sequence[Row[Any]]:
    due = (
        select(model.id)
        .where(*_claimable_filter(model, now), *where)
        .order_by(model.due_at, model.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    statement = (
        update(model)
        .where(model.id.in_(due.scalar_subquery()))
        .values(claimed_by=worker, claimed_until=now + lease, attempts=model.attempts + 1)
        .returning(*model.__table__.c)
    )
    rows = list((await db.execute(statement)).all())
    rows.sort(key=lambda r: (r.due_at, r.id))
    return rows


async def next_due(db: Db, model: Any, where: Sequence[ColumnElement[bool]] = ()) -> datetime | None:
    query = select(func.min(model.due_at)).where(model.state == PENDING, *where)
    value: datetime | None = (await db.execute(query)).scalar()
    return value
