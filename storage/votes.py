"""Votes, petitions, candidates, the frozen voter roll, and secret ballots.

Ballot secrecy is a property of the schema, not of good manners:
- `ballots` holds (vote, receipt, choice) and nothing else: no voter, no time, no sequence.
  The receipt is random and is the key, so the table's natural order is random too.
- One blank ballot per voter is created, in receipt order, when the ballot opens; casting
  fills a free one found from a random point. So neither row order nor physical position
  follows the order of casting: SQLite keeps the table WITHOUT ROWID (stored by its key, not
  by insertion), and on PostgreSQL the update stays in its page (fillfactor 50 leaves room;
  `choice` is in no index, so the update is a heap-only tuple).
- Who voted is not a row either: `vote_roll` (who may vote, frozen at opening, never
  changed) and `vote_pending` (who has not voted yet). Casting deletes the voter's pending
  row and fills a ballot in one transaction, so no ballot is lost or doubled, and no row
  written there says who cast it.
- At close, `seal` drops the unused blanks and the pending list and rewrites the ballots in
  one transaction, so no ballot keeps the id of the transaction that cast it (PostgreSQL's
  xmin) and the database no longer knows who voted at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.community.settings import Settings
from core.votes.model import ACTIVE, Candidate, Kind, State, Vote
from storage.base import Base
from storage.db import Db
from storage.membership import PERSON_MERGERS
from storage.numbered import NumberedRepo, next_number
from storage.types import UTCDateTime


class VoteRow(Base):
    __tablename__ = "votes"
    __table_args__ = (
        UniqueConstraint("community_id", "number"),
        Index("ix_votes_community_state", "community_id", "state"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(10))
    state: Mapped[str] = mapped_column(String(12))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    settings: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    rules_version: Mapped[int] = mapped_column(Integer)
    network_rules_version: Mapped[int] = mapped_column(Integer)
    subject_person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    started_by: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    reason: Mapped[str] = mapped_column(Text, default="")
    seats: Mapped[int] = mapped_column(Integer, default=1)
    needed: Mapped[int] = mapped_column(Integer, default=0)
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    roll_size: Mapped[int] = mapped_column(Integer, default=0)
    method: Mapped[str] = mapped_column(String(10), default="")
    seed_hash: Mapped[str] = mapped_column(String(64), default="")
    seed: Mapped[str] = mapped_column(String(64), default="")
    outcome: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class VoteSignatureRow(Base):
    """Co-signers of a recall petition (a petition is public; its signers are not listed)."""

    __tablename__ = "vote_signatures"
    vote_id: Mapped[int] = mapped_column(ForeignKey("votes.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), primary_key=True)


class VoteCandidateRow(Base):
    __tablename__ = "vote_candidates"
    __table_args__ = (UniqueConstraint("vote_id", "number"),)
    vote_id: Mapped[int] = mapped_column(ForeignKey("votes.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), primary_key=True)
    number: Mapped[int] = mapped_column(Integer)
    nominated_by: Mapped[int] = mapped_column(ForeignKey("persons.id"))
    accepted: Mapped[bool] = mapped_column(Boolean, default=False)


class VoteRollRow(Base):
    """Who may vote: frozen when the ballot opens, never changed while it runs."""

    __tablename__ = "vote_roll"
    vote_id: Mapped[int] = mapped_column(ForeignKey("votes.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), primary_key=True, index=True)


class VotePendingRow(Base):
    """Who on the roll has not voted yet; a cast deletes the row (so nobody votes twice)."""

    __tablename__ = "vote_pending"
    vote_id: Mapped[int] = mapped_column(ForeignKey("votes.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), primary_key=True)


class BallotRow(Base):
    """A secret ballot: no column says who cast it or when (see the module docstring)."""

    __tablename__ = "ballots"
    __table_args__ = ({"sqlite_with_rowid": False, "postgresql_with": {"fillfactor": 50}},)
    vote_id: Mapped[int] = mapped_column(ForeignKey("votes.id", ondelete="CASCADE"), primary_key=True)
    receipt: Mapped[str] = mapped_column(String(16), primary_key=True)
    # NULL: a blank waiting for a voter. Filled once, never changed.
    choice: Mapped[str | None] = mapped_column(String(200))


_T = VoteRow.__table__
_MUTABLE = ("state", "needed", "deadline_at", "opens_at", "closes_at", "roll_size", "method", "seed_hash", "seed",
            "outcome", "closed_at", "reason", "seats")

_FORGET = delete(VotePendingRow).where(VotePendingRow.vote_id == bindparam("v"),
                                       VotePendingRow.person_id == bindparam("p"))


def _fill(after: bool) -> Any:
    start = BallotRow.receipt >= bindparam("start") if after else BallotRow.receipt < bindparam("start")
    free = (select(BallotRow.receipt)
            .where(BallotRow.vote_id == bindparam("v"), BallotRow.choice.is_(None), start)
            .order_by(BallotRow.receipt).limit(1).with_for_update(skip_locked=True).scalar_subquery())
    # How many are still to vote (up to a cap, so it stays cheap) comes back with the receipt.
    few = (select(VotePendingRow.person_id).where(VotePendingRow.vote_id == bindparam("v"))
           .limit(bindparam("cap")).subquery())
    waiting = select(func.count()).select_from(few).scalar_subquery()
    return (update(BallotRow)
            .where(BallotRow.vote_id == bindparam("v"), BallotRow.receipt == free, BallotRow.choice.is_(None))
            .values(choice=bindparam("c")).returning(BallotRow.receipt, waiting.label("waiting")))


_FILL = (_fill(True), _fill(False))


def vote_from_row(row: Any) -> Vote:
    return Vote(
        id=row.id, community_id=row.community_id, number=row.number, kind=Kind(row.kind), state=State(row.state),
        created_at=row.created_at, settings=Settings(dict(row.settings or {})), rules_version=row.rules_version,
        network_rules_version=row.network_rules_version, subject_person_id=row.subject_person_id,
        started_by=row.started_by, reason=row.reason, seats=row.seats, needed=row.needed,
        deadline_at=row.deadline_at, opens_at=row.opens_at, closes_at=row.closes_at, roll_size=row.roll_size,
        method=row.method, seed_hash=row.seed_hash, seed=row.seed, outcome=dict(row.outcome or {}),
        closed_at=row.closed_at,
    )


def _mutable(vote: Vote) -> dict[str, Any]:
    values = {c: getattr(vote, c) for c in _MUTABLE}
    values["state"] = vote.state.value
    values["outcome"] = dict(vote.outcome)
    return values


class SqlVoteRepo(NumberedRepo[Vote]):
    def __init__(self, db: Db) -> None:
        super().__init__(db, VoteRow, select(_T), vote_from_row)

    async def add(self, vote: Vote) -> Vote:
        values = _mutable(vote)
        values.update(community_id=vote.community_id, kind=vote.kind.value, created_at=vote.created_at,
                      settings=dict(vote.settings.values), rules_version=vote.rules_version,
                      network_rules_version=vote.network_rules_version, subject_person_id=vote.subject_person_id,
                      started_by=vote.started_by)
        number = next_number(VoteRow.number, VoteRow.community_id == vote.community_id)
        row = (await self.db.execute(insert(VoteRow).values(number=number, **values)
                                     .returning(VoteRow.id, VoteRow.number))).one()
        return Vote(**{**{f: getattr(vote, f) for f in vote.__dataclass_fields__}, "id": row.id,
                       "number": row.number})

    async def active(self, community_id: int) -> Sequence[Vote]:
        query = select(_T).where(VoteRow.community_id == community_id,
                                 VoteRow.state.in_([s.value for s in ACTIVE])).order_by(VoteRow.number)
        return [vote_from_row(r) for r in (await self.db.execute(query)).all()]

    async def closed_since(self, community_id: int, since: datetime) -> Sequence[Vote]:
        query = select(_T).where(VoteRow.community_id == community_id, VoteRow.closed_at >= since,
                                 VoteRow.state.not_in([s.value for s in ACTIVE])).order_by(VoteRow.number)
        return [vote_from_row(r) for r in (await self.db.execute(query)).all()]

    async def save(self, vote: Vote) -> None:
        await self.db.execute(update(VoteRow).where(VoteRow.id == vote.id).values(**_mutable(vote)))

    async def ballots_open_to(self, person_id: int, number: int) -> Sequence[Vote]:
        query = (select(_T).join(VoteRollRow, VoteRollRow.vote_id == VoteRow.id)
                 .where(VoteRollRow.person_id == person_id, VoteRow.number == number,
                        VoteRow.state == State.BALLOT.value))
        return [vote_from_row(r) for r in (await self.db.execute(query)).all()]

    # -- petitions ------------------------------------------------------------------------
    async def sign(self, vote_id: int, person_id: int) -> bool:
        exists = select(VoteSignatureRow.person_id).where(VoteSignatureRow.vote_id == vote_id,
                                                          VoteSignatureRow.person_id == person_id)
        if (await self.db.execute(exists)).first() is not None:
            return False
        await self.db.execute(insert(VoteSignatureRow).values(vote_id=vote_id, person_id=person_id))
        return True

    async def signatures(self, vote_id: int) -> int:
        query = select(func.count()).select_from(VoteSignatureRow).where(VoteSignatureRow.vote_id == vote_id)
        return int((await self.db.execute(query)).scalar_one())

    # -- candidates -----------------------------------------------------------------------
    async def nominate(self, vote_id: int, person_id: int, nominated_by: int, accepted: bool) -> Candidate:
        number = (await self.db.execute(insert(VoteCandidateRow).values(
            vote_id=vote_id, person_id=person_id, nominated_by=nominated_by, accepted=accepted,
            number=next_number(VoteCandidateRow.number, VoteCandidateRow.vote_id == vote_id),
        ).returning(VoteCandidateRow.number))).scalar_one()
        return Candidate(vote_id, person_id, number, nominated_by, accepted)

    async def candidates(self, vote_id: int) -> Sequence[Candidate]:
        query = select(VoteCandidateRow.__table__).where(VoteCandidateRow.vote_id == vote_id).order_by(
            VoteCandidateRow.number)
        return [Candidate(r.vote_id, r.person_id, r.number, r.nominated_by, r.accepted)
                for r in (await self.db.execute(query)).all()]

    async def set_accepted(self, vote_id: int, person_id: int) -> None:
        await self.db.execute(update(VoteCandidateRow).where(
            VoteCandidateRow.vote_id == vote_id, VoteCandidateRow.person_id == person_id).values(accepted=True))

    async def withdraw(self, vote_id: int, person_id: int) -> None:
        await self.db.execute(delete(VoteCandidateRow).where(
            VoteCandidateRow.vote_id == vote_id, VoteCandidateRow.person_id == person_id))

    # -- the roll and the ballots ---------------------------------------------------------
    async def open_roll(self, vote_id: int, person_ids: Sequence[int], receipts: Sequence[str]) -> None:
        if not person_ids:
            return
        people = [{"vote_id": vote_id, "person_id": p} for p in sorted(set(person_ids))]
        await self.db.execute(insert(VoteRollRow), people)
        await self.db.execute(insert(VotePendingRow), people)
        await self.db.execute(insert(BallotRow), [{"vote_id": vote_id, "receipt": r, "choice": None}
                                                  for r in sorted(receipts)])

    async def voter_status(self, vote_id: int, person_id: int) -> Literal["absent", "waiting", "voted"]:
        waiting = (select(func.count()).select_from(VotePendingRow)
                   .where(VotePendingRow.vote_id == vote_id, VotePendingRow.person_id == person_id).scalar_subquery())
        query = select(VoteRollRow.person_id, waiting.label("waiting")).where(
            VoteRollRow.vote_id == vote_id, VoteRollRow.person_id == person_id)
        row = (await self.db.execute(query)).first()
        if row is None:
            return "absent"
        return "waiting" if row.waiting else "voted"

    async def cast(self, vote_id: int, person_id: int, choice: str, start: str,
                   count_up_to: int) -> tuple[str, int] | None:
        forgotten = await self.db.execute(_FORGET, {"v": vote_id, "p": person_id})
        if forgotten.rowcount != 1:  # type: ignore[attr-defined]
            return None
        for statement in _FILL:
            row = (await self.db.execute(statement, {"v": vote_id, "c": choice, "start": start,
                                                     "cap": count_up_to})).first()
            if row is not None:
                return row.receipt, int(row.waiting)
        # One blank per voter on the roll, and each voter fills one: this cannot happen.
        raise RuntimeError(f"vote {vote_id} has no blank ballot left")

    async def not_voted(self, vote_id: int) -> Sequence[int]:
        query = select(VotePendingRow.person_id).where(VotePendingRow.vote_id == vote_id)
        return [r[0] for r in (await self.db.execute(query)).all()]

    async def not_voted_count(self, vote_id: int) -> int:
        query = select(func.count()).select_from(VotePendingRow).where(VotePendingRow.vote_id == vote_id)
        return int((await self.db.execute(query)).scalar_one())

    async def all_voted(self, vote_id: int) -> bool:
        query = select(VotePendingRow.person_id).where(VotePendingRow.vote_id == vote_id).limit(1)
        return (await self.db.execute(query)).first() is None

    async def cast_count(self, vote_id: int) -> int:
        query = select(func.count()).select_from(BallotRow).where(BallotRow.vote_id == vote_id,
                                                                  BallotRow.choice.is_not(None))
        return int((await self.db.execute(query)).scalar_one())

    async def choices(self, vote_id: int) -> Sequence[str]:
        query = select(BallotRow.choice).where(BallotRow.vote_id == vote_id, BallotRow.choice.is_not(None))
        return [r[0] for r in (await self.db.execute(query)).all()]

    async def receipts(self, vote_id: int, *, prefix: str = "", offset: int = 0,
                       limit: int = 50) -> tuple[Sequence[tuple[str, str]], int]:
        where = [BallotRow.vote_id == vote_id, BallotRow.choice.is_not(None)]
        if prefix:
            where.append(BallotRow.receipt.startswith(prefix, autoescape=True))
        rows = (await self.db.execute(select(BallotRow.receipt, BallotRow.choice).where(*where)
                                      .order_by(BallotRow.receipt).offset(offset).limit(limit))).all()
        total = (await self.db.execute(select(func.count()).select_from(BallotRow).where(*where))).scalar_one()
        return [(r.receipt, r.choice) for r in rows], int(total)

    async def discard(self, vote_id: int) -> None:
        await self.db.execute(delete(BallotRow).where(BallotRow.vote_id == vote_id))
        await self.db.execute(delete(VotePendingRow).where(VotePendingRow.vote_id == vote_id))

    async def seal(self, vote_id: int) -> None:
        await self.db.execute(delete(BallotRow).where(BallotRow.vote_id == vote_id, BallotRow.choice.is_(None)))
        await self.db.execute(delete(VotePendingRow).where(VotePendingRow.vote_id == vote_id))
        await self.db.execute(update(BallotRow).where(BallotRow.vote_id == vote_id)
                              .values(choice=BallotRow.choice))


async def _merge(db: Db, keep: int, drop: int) -> None:
    """Two accounts became one person: one person, one vote, one signature, one candidacy."""
    for column in (VoteRow.subject_person_id, VoteRow.started_by):
        await db.execute(update(VoteRow).where(column == drop).values({column.key: keep}))
    await db.execute(update(VoteCandidateRow).where(VoteCandidateRow.nominated_by == drop).values(nominated_by=keep))
    for table in (VoteSignatureRow, VoteCandidateRow):
        kept = {r[0] for r in (await db.execute(select(table.vote_id).where(table.person_id == keep))).all()}
        await db.execute(delete(table).where(table.person_id == drop, table.vote_id.in_(kept)))
        await db.execute(update(table).where(table.person_id == drop).values(person_id=keep))
    on_roll = {r[0] for r in (await db.execute(select(VoteRollRow.vote_id).where(VoteRollRow.person_id == keep)))}
    dropped = [r[0] for r in (await db.execute(select(VoteRollRow.vote_id).where(VoteRollRow.person_id == drop)))]
    for vote_id in dropped:
        if vote_id in on_roll:
            # Both were on the roll: the person has voted if either account did.
            drop_waits = (await db.execute(select(VotePendingRow.person_id).where(
                VotePendingRow.vote_id == vote_id, VotePendingRow.person_id == drop))).first() is not None
            keep_waits = (await db.execute(select(VotePendingRow.person_id).where(
                VotePendingRow.vote_id == vote_id, VotePendingRow.person_id == keep))).first() is not None
            await db.execute(delete(VoteRollRow).where(VoteRollRow.vote_id == vote_id, VoteRollRow.person_id == drop))
            await db.execute(delete(VotePendingRow).where(VotePendingRow.vote_id == vote_id,
                                                          VotePendingRow.person_id == drop))
            if not (drop_waits and keep_waits):
                await db.execute(delete(VotePendingRow).where(VotePendingRow.vote_id == vote_id,
                                                              VotePendingRow.person_id == keep))
            await db.execute(update(VoteRow).where(VoteRow.id == vote_id).values(roll_size=VoteRow.roll_size - 1))
        else:
            await db.execute(update(VoteRollRow).where(VoteRollRow.vote_id == vote_id, VoteRollRow.person_id == drop)
                             .values(person_id=keep))
            await db.execute(update(VotePendingRow).where(VotePendingRow.vote_id == vote_id,
                                                          VotePendingRow.person_id == drop).values(person_id=keep))


PERSON_MERGERS.append(_merge)
