"""Communities and their homes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Integer, String, Text, UniqueConstraint, insert, select, update
from sqlalchemy.orm import Mapped, mapped_column

from core.community.model import Community, Home
from core.community.settings import Settings
from core.refs import Platform, Where
from storage.base import Base
from storage.db import Db
from storage.types import UTCDateTime


class CommunityRow(Base):
    __tablename__ = "communities"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    # Lower-cased name: names are unique regardless of case.
    name_key: Mapped[str] = mapped_column(String(80), unique=True)
    domain: Mapped[str] = mapped_column(String(300), default="")
    charter: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    rules_version: Mapped[int] = mapped_column(Integer, default=1)
    settings: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)


class HomeRow(Base):
    __tablename__ = "homes"
    __table_args__ = (UniqueConstraint("platform", "room_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    platform: Mapped[str] = mapped_column(String(16))
    room_id: Mapped[str] = mapped_column(String(255))
    space_id: Mapped[str | None] = mapped_column(String(255))
    kind: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


def community_from_row(row: Any) -> Community:
    return Community(row.id, row.name, row.domain, row.charter, row.created_at, row.rules_version,
                     Settings(dict(row.settings or {})))


def home_from_row(row: Any) -> Home:
    platform: Platform = row.platform
    return Home(row.id, row.community_id, platform, row.room_id, row.space_id, row.kind)


class SqlCommunityRepo:
    def __init__(self, db: Db) -> None:
        self.db = db

    async def get(self, community_id: int) -> Community | None:
        row = (await self.db.execute(select(CommunityRow.__table__).where(CommunityRow.id == community_id))).first()
        return None if row is None else community_from_row(row)

    async def many(self, community_ids: Sequence[int]) -> dict[int, Community]:
        if not community_ids:
            return {}
        query = select(CommunityRow.__table__).where(CommunityRow.id.in_(set(community_ids)))
        return {row.id: community_from_row(row) for row in (await self.db.execute(query)).all()}

    async def by_name(self, name: str) -> Community | None:
        query = select(CommunityRow.__table__).where(CommunityRow.name_key == name.casefold())
        row = (await self.db.execute(query)).first()
        return None if row is None else community_from_row(row)

    async def add(self, name: str, domain: str, now: datetime) -> Community:
        statement = insert(CommunityRow).values(
            name=name, name_key=name.casefold(), domain=domain, charter="", created_at=now,
            rules_version=1, settings={},
        ).returning(CommunityRow.id)
        community_id = (await self.db.execute(statement)).scalar_one()
        return Community(community_id, name, domain, "", now, 1, Settings())

    async def update(self, community_id: int, *, name: str | None = None, domain: str | None = None,
                     charter: str | None = None, settings: Settings | None = None,
                     rules_version: int | None = None) -> None:
        values: dict[str, Any] = {}
        if name is not None:
            values.update(name=name, name_key=name.casefold())
        if domain is not None:
            values["domain"] = domain
        if charter is not None:
            values["charter"] = charter
        if settings is not None:
            values["settings"] = dict(settings.values)
        if rules_version is not None:
            values["rules_version"] = rules_version
        if values:
            await self.db.execute(update(CommunityRow).where(CommunityRow.id == community_id).values(**values))

    async def all(self) -> Sequence[Community]:
        rows = (await self.db.execute(select(CommunityRow.__table__).order_by(CommunityRow.id))).all()
        return [community_from_row(r) for r in rows]


class SqlHomeRepo:
    def __init__(self, db: Db) -> None:
        self.db = db

    async def find(self, platform: Platform, room_ids: Sequence[str]) -> Home | None:
        query = select(HomeRow.__table__).where(HomeRow.platform == platform, HomeRow.room_id.in_(room_ids))
        rows = {r.room_id: r for r in (await self.db.execute(query)).all()}
        # The most specific place wins: the room itself before the space it sits in.
        for room_id in room_ids:
            if room_id in rows:
                return home_from_row(rows[room_id])
        return None

    async def add(self, community_id: int, where: Where, as_space: bool, now: datetime) -> Home:
        room_id = where.space_id if as_space and where.space_id else where.room_id
        kind = "space" if as_space else where.room_kind
        space_id = None if as_space else where.space_id
        statement = insert(HomeRow).values(
            community_id=community_id, platform=where.platform, room_id=room_id, space_id=space_id,
            kind=kind, created_at=now,
        ).returning(HomeRow.id)
        home_id = (await self.db.execute(statement)).scalar_one()
        return Home(home_id, community_id, where.platform, room_id, space_id, kind)

    async def for_community(self, community_id: int) -> Sequence[Home]:
        query = select(HomeRow.__table__).where(HomeRow.community_id == community_id).order_by(HomeRow.id)
        return [home_from_row(r) for r in (await self.db.execute(query)).all()]
