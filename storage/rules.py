"""Community and network rules, and the network's rules version."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, Text, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.orm import Mapped, mapped_column

from core.rules.model import Rule
from storage.base import Base
from storage.db import Db
from storage.types import UTCDateTime


class NetworkRow(Base):
    """The deployment's single network (id 1): state that is not any one community's."""

    __tablename__ = "network"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rules_version: Mapped[int] = mapped_column(Integer, default=1)


class RuleRow(Base):
    __tablename__ = "rules"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # NULL: a network rule.
    community_id: Mapped[int | None] = mapped_column(
        ForeignKey("communities.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


def _scope(community_id: int | None):  # type: ignore[no-untyped-def]
    return RuleRow.community_id.is_(None) if community_id is None else RuleRow.community_id == community_id


_WITH_NETWORK = select(RuleRow.__table__).where(
    or_(RuleRow.community_id == bindparam("community_id"), RuleRow.community_id.is_(None))
).order_by(RuleRow.position)


class SqlRuleRepo:
    def __init__(self, db: Db) -> None:
        self.db = db

    async def list(self, community_id: int | None) -> Sequence[Rule]:
        query = select(RuleRow.__table__).where(_scope(community_id)).order_by(RuleRow.position)
        return [Rule(r.id, r.community_id, r.position, r.text) for r in (await self.db.execute(query)).all()]

    async def list_with_network(self, community_id: int) -> tuple[Sequence[Rule], Sequence[Rule]]:
        rules = [Rule(r.id, r.community_id, r.position, r.text)
                 for r in (await self.db.execute(_WITH_NETWORK, {"community_id": community_id})).all()]
        return [r for r in rules if r.community_id is not None], [r for r in rules if r.community_id is None]

    async def add(self, community_id: int | None, text: str) -> Rule:
        last = (await self.db.execute(select(func.max(RuleRow.position)).where(_scope(community_id)))).scalar()
        position = (last or 0) + 1
        rule_id = (await self.db.execute(insert(RuleRow).values(
            community_id=community_id, position=position, text=text).returning(RuleRow.id))).scalar_one()
        return Rule(rule_id, community_id, position, text)

    async def edit(self, rule_id: int, text: str) -> None:
        await self.db.execute(update(RuleRow).where(RuleRow.id == rule_id).values(text=text))

    async def remove(self, rule: Rule) -> None:
        await self.db.execute(delete(RuleRow).where(RuleRow.id == rule.id))
        await self.db.execute(update(RuleRow).where(
            _scope(rule.community_id), RuleRow.position > rule.position
        ).values(position=RuleRow.position - 1))

    async def network_version(self) -> int:
        version = (await self.db.execute(select(NetworkRow.rules_version).where(NetworkRow.id == 1))).scalar()
        return int(version or 1)

    async def bump_network_version(self) -> int:
        result = await self.db.execute(update(NetworkRow).where(NetworkRow.id == 1).values(
            rules_version=NetworkRow.rules_version + 1).returning(NetworkRow.rules_version))
        version = result.scalar()
        if version is None:
            await self.db.execute(insert(NetworkRow).values(id=1, rules_version=2))
            return 2
        return int(version)
