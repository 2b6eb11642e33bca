"""What the Matrix adapter keeps between runs: its sync position and the events it has
already handled. (Its direct rooms live in its `m.direct` account data on the homeserver.)

The sync token is the adapter's place in the homeserver's event stream: stored after each
sync, so after a restart the events sent while the bot was down come once, and older ones
never again. Handled event ids close the small window between handling a command and
storing the token (a crash there would otherwise run the command a second time).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, Text, delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Mapped, mapped_column

from storage.base import Base
from storage.db import Db, Upsert
from storage.types import UTCDateTime


class MatrixStateRow(Base):
    __tablename__ = "matrix_state"
    # The bot's Matrix user id: one database may serve several bot accounts.
    account: Mapped[str] = mapped_column(String(255), primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class MatrixEventRow(Base):
    __tablename__ = "matrix_events"
    event_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    handled_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


_put = Upsert(MatrixStateRow.__table__, ["account", "key"], ["value"])  # type: ignore[arg-type]

SYNC_TOKEN = "sync_token"


class SqlMatrixState:
    def __init__(self, db: Db, account: str) -> None:
        self.db = db
        self.account = account

    async def get(self, key: str) -> str | None:
        query = select(MatrixStateRow.value).where(MatrixStateRow.account == self.account,
                                                   MatrixStateRow.key == key)
        return (await self.db.execute(query)).scalar()

    async def put(self, key: str, value: str) -> None:
        await _put(self.db, {"account": self.account, "key": key, "value": value})

    async def claim_event(self, event_id: str, now: datetime) -> bool:
        """Record that `event_id` is being handled; False if it was handled before."""
        dialect_insert = postgresql_insert if self.db.dialect == "postgresql" else sqlite_insert
        statement = dialect_insert(MatrixEventRow).values(event_id=event_id, handled_at=now)
        result = await self.db.execute(statement.on_conflict_do_nothing(index_elements=["event_id"]))
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def forget_events(self, before: datetime) -> None:
        await self.db.execute(delete(MatrixEventRow).where(MatrixEventRow.handled_at < before))
