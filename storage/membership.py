"""People, their platform accounts, and their memberships in communities."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    and_,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.orm import Mapped, mapped_column

from core.membership.model import Account, Member, Membership
from core.refs import AccountRef, Actor, Platform
from core.roles import Role
from storage.base import Base
from storage.db import Db, Upsert
from storage.types import UTCDateTime


class PersonRow(Base):
    __tablename__ = "persons"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AccountRow(Base):
    __tablename__ = "accounts"
    __table_args__ = (UniqueConstraint("platform", "user_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    platform: Mapped[str] = mapped_column(String(16))
    user_id: Mapped[str] = mapped_column(String(255))
    display_name: Mapped[str] = mapped_column(String(100))
    is_bot: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


# Roles are a bit set: membership lists filter on them, and there are only a handful.
ROLE_BITS = {Role.MEMBER: 1, Role.LEADER: 2, Role.MODERATOR: 4, Role.EXPERT: 8, Role.GUEST: 16}


def to_bits(roles: frozenset[Role]) -> int:
    return sum(ROLE_BITS[r] for r in roles)


def from_bits(bits: int) -> frozenset[Role]:
    return frozenset(role for role, bit in ROLE_BITS.items() if bits & bit)


class MembershipRow(Base):
    __tablename__ = "memberships"
    community_id: Mapped[int] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), primary_key=True, index=True)
    active: Mapped[bool] = mapped_column(Boolean)
    joined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_rules_version: Mapped[int] = mapped_column(Integer, default=0)
    accepted_network_rules_version: Mapped[int] = mapped_column(Integer, default=0)
    roles: Mapped[int] = mapped_column(Integer, default=0)
    away_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expert_label: Mapped[str] = mapped_column(String(60), default="")


def account_from_row(row: Any) -> Account:
    platform: Platform = row.platform
    return Account(row.id, row.person_id, AccountRef(platform, row.user_id), row.display_name, row.is_bot)


def membership_from_row(row: Any) -> Membership:
    return Membership(row.community_id, row.person_id, row.active, row.joined_at,
                      row.accepted_rules_version, row.accepted_network_rules_version,
                      from_bits(row.roles), row.away_until, row.expert_label)


def display_name(actor: Actor) -> str:
    return (actor.display_name or actor.account.user_id)[:100]


# Features that keep rows per person register here, so `link` can merge two people.
PersonMerger = Callable[[Db, int, int], Awaitable[None]]
PERSON_MERGERS: list[PersonMerger] = []


_NEW_PERSON = insert(PersonRow).values(created_at=bindparam("created_at")).returning(PersonRow.id)
_NEW_ACCOUNT = insert(AccountRow).values(
    {c: bindparam(c) for c in ("person_id", "platform", "user_id", "display_name", "is_bot", "created_at")}
).returning(AccountRow.id)
_SAVE_MEMBERSHIP = Upsert(MembershipRow.__table__, ("community_id", "person_id"), (  # type: ignore[arg-type]
    "active", "joined_at", "accepted_rules_version", "accepted_network_rules_version", "roles", "away_until",
    "expert_label"))


# Authors of thread messages, with their leader/expert memberships: run for every message batch.
_LEADS_OR_KNOWS = ROLE_BITS[Role.LEADER] | ROLE_BITS[Role.EXPERT]
_AUTHORS = (
    select(*AccountRow.__table__.c, MembershipRow.community_id.label("member_of"),
           MembershipRow.roles.label("member_roles"))
    .select_from(AccountRow)
    .outerjoin(MembershipRow, and_(MembershipRow.person_id == AccountRow.person_id,
                                   MembershipRow.community_id.in_(bindparam("communities", expanding=True)),
                                   MembershipRow.active.is_(True)))
    .where(AccountRow.platform == bindparam("platform"), AccountRow.user_id.in_(bindparam("users", expanding=True)))
)


class SqlAccountRepo:
    def __init__(self, db: Db) -> None:
        self.db = db

    async def create(self, actor: Actor, now: datetime) -> Account:
        ref = actor.account
        name = display_name(actor)
        person_id = (await self.db.execute(_NEW_PERSON, {"created_at": now})).scalar_one()
        account_id = (await self.db.execute(_NEW_ACCOUNT, {
            "person_id": person_id, "platform": ref.platform, "user_id": ref.user_id, "display_name": name,
            "is_bot": actor.is_bot, "created_at": now})).scalar_one()
        return Account(account_id, person_id, ref, name, actor.is_bot)

    async def update_profile(self, account: Account, actor: Actor) -> Account:
        name = display_name(actor)
        if account.display_name == name and account.is_bot == actor.is_bot:
            return account
        await self.db.execute(update(AccountRow).where(AccountRow.id == account.id)
                              .values(display_name=name, is_bot=actor.is_bot))
        return Account(account.id, account.person_id, account.ref, name, actor.is_bot)

    async def get(self, ref: AccountRef) -> Account | None:
        query = select(AccountRow.__table__).where(AccountRow.platform == ref.platform,
                                                   AccountRow.user_id == ref.user_id)
        row = (await self.db.execute(query)).first()
        return None if row is None else account_from_row(row)

    async def get_many(self, refs: Sequence[AccountRef]) -> dict[AccountRef, Account]:
        result: dict[AccountRef, Account] = {}
        for platform in {r.platform for r in refs}:
            ids = {r.user_id for r in refs if r.platform == platform}
            query = select(AccountRow.__table__).where(AccountRow.platform == platform, AccountRow.user_id.in_(ids))
            for row in (await self.db.execute(query)).all():
                account = account_from_row(row)
                result[account.ref] = account
        return result

    async def authors(self, refs: Sequence[AccountRef],
                      community_ids: Sequence[int]) -> tuple[dict[AccountRef, Account], set[tuple[int, int]]]:
        accounts: dict[AccountRef, Account] = {}
        experts: set[tuple[int, int]] = set()
        for platform in {r.platform for r in refs}:
            params = {"platform": platform, "users": sorted({r.user_id for r in refs if r.platform == platform}),
                      "communities": sorted(set(community_ids)) or [0]}
            for row in (await self.db.execute(_AUTHORS, params)).all():
                account = account_from_row(row)
                accounts[account.ref] = account
                if row.member_of is not None and row.member_roles & _LEADS_OR_KNOWS:
                    experts.add((row.member_of, account.person_id))
        return accounts, experts

    async def for_persons(self, person_ids: Sequence[int]) -> dict[int, list[Account]]:
        result: dict[int, list[Account]] = {}
        if not person_ids:
            return result
        query = select(AccountRow.__table__).where(AccountRow.person_id.in_(set(person_ids))).order_by(AccountRow.id)
        for row in (await self.db.execute(query)).all():
            result.setdefault(row.person_id, []).append(account_from_row(row))
        return result

    async def merge_persons(self, keep: int, drop: int) -> None:
        await self.db.execute(update(AccountRow).where(AccountRow.person_id == drop).values(person_id=keep))
        kept = {r.community_id: r for r in (await self.db.execute(
            select(MembershipRow.__table__).where(MembershipRow.person_id == keep))).all()}
        dropped = list((await self.db.execute(
            select(MembershipRow.__table__).where(MembershipRow.person_id == drop))).all())
        for row in dropped:
            other = kept.get(row.community_id)
            if other is None:
                await self.db.execute(update(MembershipRow).where(
                    MembershipRow.community_id == row.community_id, MembershipRow.person_id == drop
                ).values(person_id=keep))
                continue
            joined = [d for d in (row.joined_at, other.joined_at) if d is not None]
            await self.db.execute(update(MembershipRow).where(
                MembershipRow.community_id == row.community_id, MembershipRow.person_id == keep
            ).values(
                active=row.active or other.active,
                joined_at=min(joined) if joined else None,
                accepted_rules_version=max(row.accepted_rules_version, other.accepted_rules_version),
                accepted_network_rules_version=max(row.accepted_network_rules_version,
                                                   other.accepted_network_rules_version),
                roles=row.roles | other.roles,
                expert_label=other.expert_label or row.expert_label,
            ))
            await self.db.execute(delete(MembershipRow).where(
                MembershipRow.community_id == row.community_id, MembershipRow.person_id == drop))
        for merger in PERSON_MERGERS:
            await merger(self.db, keep, drop)
        await self.db.execute(delete(PersonRow).where(PersonRow.id == drop))


class SqlMemberRepo:
    def __init__(self, db: Db) -> None:
        self.db = db

    async def get(self, community_id: int, person_id: int) -> Membership | None:
        query = select(MembershipRow.__table__).where(MembershipRow.community_id == community_id,
                                            MembershipRow.person_id == person_id)
        row = (await self.db.execute(query)).first()
        return None if row is None else membership_from_row(row)

    async def save(self, membership: Membership) -> None:
        await _SAVE_MEMBERSHIP(self.db, dict(
            community_id=membership.community_id, person_id=membership.person_id,
            active=membership.active, joined_at=membership.joined_at,
            accepted_rules_version=membership.accepted_rules_version,
            accepted_network_rules_version=membership.accepted_network_rules_version,
            roles=to_bits(membership.roles), away_until=membership.away_until,
            expert_label=membership.expert_label,
        ))

    async def list(self, community_id: int, role: Role | None = None, *,
                   active_only: bool = True) -> Sequence[Member]:
        query = select(MembershipRow.__table__).where(MembershipRow.community_id == community_id)
        if active_only:
            query = query.where(MembershipRow.active.is_(True))
        if role is not None:
            query = query.where(MembershipRow.roles.op("&")(ROLE_BITS[role]) != 0)
        rows = list((await self.db.execute(query.order_by(MembershipRow.joined_at))).all())
        accounts = await SqlAccountRepo(self.db).for_persons([r.person_id for r in rows])
        return [Member(membership_from_row(r), tuple(accounts.get(r.person_id, []))) for r in rows]

    async def count(self, community_id: int) -> int:
        query = select(func.count()).select_from(MembershipRow).where(
            MembershipRow.community_id == community_id, MembershipRow.active.is_(True))
        return int((await self.db.execute(query)).scalar_one())

    async def rosters(self, community_ids: Sequence[int]) -> dict[int, Sequence[Membership]]:
        if not community_ids:
            return {}
        query = select(MembershipRow.__table__).where(MembershipRow.community_id.in_(set(community_ids)),
                                                      MembershipRow.active.is_(True))
        rows = [membership_from_row(row) for row in (await self.db.execute(query)).all()]
        return {c: [m for m in rows if m.community_id == c] for c in community_ids}

    async def roles_of(self, community_id: int, person_ids: Sequence[int]) -> dict[int, frozenset[Role]]:
        if not person_ids:
            return {}
        query = select(MembershipRow.person_id, MembershipRow.roles).where(
            MembershipRow.community_id == community_id, MembershipRow.person_id.in_(set(person_ids)),
            MembershipRow.active.is_(True))
        return {row.person_id: from_bits(row.roles) for row in (await self.db.execute(query)).all()}

    async def communities_of(self, person_id: int) -> Sequence[Membership]:
        query = select(MembershipRow.__table__).where(MembershipRow.person_id == person_id,
                                            MembershipRow.active.is_(True))
        return [membership_from_row(r) for r in (await self.db.execute(query)).all()]
