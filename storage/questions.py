"""Questions and ideas, looked up by community number and by platform thread."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    bindparam,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.questions.model import Question, Status
from storage.base import Base
from storage.db import Db
from storage.membership import PERSON_MERGERS
from storage.numbered import NumberedRepo, next_number
from storage.types import UTCDateTime


class QuestionRow(Base):
    __tablename__ = "questions"
    __table_args__ = (
        UniqueConstraint("community_id", "number"),
        UniqueConstraint("platform", "thread_id"),
        Index("ix_questions_community_status", "community_id", "status", "waiting_since"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(10))
    asker_person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    text: Mapped[str] = mapped_column(Text)
    platform: Mapped[str] = mapped_column(String(16))
    room_id: Mapped[str] = mapped_column(String(255))
    space_id: Mapped[str | None] = mapped_column(String(255))
    thread_id: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    waiting_since: Mapped[datetime] = mapped_column(UTCDateTime)
    last_activity_at: Mapped[datetime] = mapped_column(UTCDateTime)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_response_by: Mapped[int | None] = mapped_column(Integer)
    first_leader_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_leader_by: Mapped[int | None] = mapped_column(Integer)
    follow_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    snoozed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    tier: Mapped[int] = mapped_column(Integer, default=0)
    answer: Mapped[str | None] = mapped_column(Text)


_T = QuestionRow.__table__
_MUTABLE = ("status", "thread_id", "waiting_since", "last_activity_at", "first_response_at", "first_response_by",
            "first_leader_at", "first_leader_by", "follow_up_at", "snoozed_until", "resolved_at", "tier", "answer")
_SAVE = update(QuestionRow).where(QuestionRow.id == bindparam("qid")).values(
    {c: bindparam(c) for c in _MUTABLE})


# Looked up for every message in a thread: built once (building it cost more than running it).
_BY_THREADS = select(_T).where(QuestionRow.platform == bindparam("platform"),
                               QuestionRow.thread_id.in_(bindparam("threads", expanding=True)))


def question_from_row(row: Any) -> Question:
    return Question(row.id, row.community_id, row.number, row.kind, row.asker_person_id, row.text, row.platform,
                    row.room_id, row.space_id, row.thread_id, Status(row.status), row.created_at, row.waiting_since,
                    row.last_activity_at, row.first_response_at, row.first_response_by, row.first_leader_at,
                    row.first_leader_by, row.follow_up_at, row.snoozed_until, row.resolved_at, row.tier,
                    row.answer)


def _mutable(question: Question) -> dict[str, Any]:
    values = {c: getattr(question, c) for c in _MUTABLE}
    values["status"] = question.status.value
    values["qid"] = question.id
    return values


class SqlQuestionRepo(NumberedRepo[Question]):
    def __init__(self, db: Db) -> None:
        super().__init__(db, QuestionRow, select(_T), question_from_row)

    async def add(self, question: Question) -> Question:
        values = asdict(question)
        values.pop("id")
        values.pop("number")
        values["status"] = question.status.value
        number = next_number(QuestionRow.number, QuestionRow.community_id == question.community_id)
        row = (await self.db.execute(insert(QuestionRow).values(number=number, **values)
                                     .returning(QuestionRow.id, QuestionRow.number))).one()
        return Question(**{**asdict(question), "id": row.id, "number": row.number, "status": question.status})

    async def by_threads(self, platform: str, thread_ids: Sequence[str]) -> dict[str, Question]:
        if not thread_ids:
            return {}
        rows = (await self.db.execute(_BY_THREADS, {"platform": platform, "threads": sorted(set(thread_ids))})).all()
        return {r.thread_id: question_from_row(r) for r in rows}

    async def save(self, question: Question) -> None:
        await self.db.execute(_SAVE, _mutable(question))

    async def save_many(self, questions: Sequence[Question]) -> None:
        if questions:
            await self.db.execute(_SAVE, [_mutable(q) for q in questions])

    async def set_tier(self, question_ids: Sequence[int], tier: int) -> None:
        if question_ids:
            await self.db.execute(update(QuestionRow).where(QuestionRow.id.in_(set(question_ids))).values(tier=tier))

    async def listing(self, community_id: int, statuses: Sequence[Status], *, asker: int | None = None,
                      limit: int = 25) -> Sequence[Question]:
        query = select(_T).where(QuestionRow.community_id == community_id,
                                 QuestionRow.status.in_([s.value for s in statuses]))
        if asker is not None:
            query = query.where(QuestionRow.asker_person_id == asker)
        rows = (await self.db.execute(query.order_by(QuestionRow.waiting_since).limit(limit))).all()
        return [question_from_row(r) for r in rows]

    async def stale(self, community_id: int, waiting_before: datetime, now: datetime,
                    limit: int = 25) -> Sequence[Question]:
        query = select(_T).where(
            QuestionRow.community_id == community_id, QuestionRow.status == Status.OPEN.value,
            QuestionRow.waiting_since <= waiting_before,
            or_(QuestionRow.snoozed_until.is_(None), QuestionRow.snoozed_until <= now),
        ).order_by(QuestionRow.waiting_since).limit(limit)
        return [question_from_row(r) for r in (await self.db.execute(query)).all()]

    async def since(self, community_id: int, since: datetime) -> Sequence[Question]:
        query = select(_T).where(QuestionRow.community_id == community_id, QuestionRow.created_at >= since)
        return [question_from_row(r) for r in (await self.db.execute(query)).all()]


async def _merge(db: Db, keep: int, drop: int) -> None:
    await db.execute(update(QuestionRow).where(QuestionRow.asker_person_id == drop).values(asker_person_id=keep))
    await db.execute(update(QuestionRow).where(QuestionRow.first_response_by == drop).values(first_response_by=keep))
    await db.execute(update(QuestionRow).where(QuestionRow.first_leader_by == drop).values(first_leader_by=keep))


PERSON_MERGERS.append(_merge)
