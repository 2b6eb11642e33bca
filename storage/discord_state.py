"""Small facts the Discord adapter keeps between runs, such as the hash of the command set
last synced, so start-up re-syncs slash commands only when they changed (Discord allows
200 command creations a day per guild)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text, select
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base
from storage.db import Db, Upsert
from storage.types import UTCDateTime


class DiscordStateRow(Base):
    __tablename__ = "discord_state"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


_PUT = Upsert(DiscordStateRow.__table__, ["key"], ["value", "updated_at"])  # type: ignore[arg-type]


class SqlDiscordState:
    def __init__(self, db: Db) -> None:
        self.db = db

    async def get(self, key: str) -> str | None:
        result = await self.db.execute(select(DiscordStateRow.value).where(DiscordStateRow.key == key))
        value = result.scalar()
        return None if value is None else str(value)

    async def put(self, key: str, value: str, now: datetime) -> None:
        await _PUT(self.db, {"key": key, "value": value, "updated_at": now})
