"""One-time codes for linking accounts and homes. Only a hash of the code is stored."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String, insert, update
from sqlalchemy.orm import Mapped, mapped_column

from core.ports import CodeClaim
from storage.base import Base
from storage.db import Db
from storage.types import UTCDateTime


class LinkCodeRow(Base):
    __tablename__ = "link_codes"
    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    subject: Mapped[str] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class SqlCodeRepo:
    def __init__(self, db: Db) -> None:
        self.db = db

    async def add(self, code_hash: str, claim: CodeClaim, expires_at: datetime) -> None:
        await self.db.execute(insert(LinkCodeRow).values(
            code_hash=code_hash, kind=claim.kind, subject=claim.subject, expires_at=expires_at))

    async def take(self, code_hash: str, kind: str, now: datetime) -> CodeClaim | None:
        # One conditional UPDATE: of two processes racing for the same code, one wins.
        result = await self.db.execute(update(LinkCodeRow).where(
            LinkCodeRow.code_hash == code_hash, LinkCodeRow.kind == kind,
            LinkCodeRow.used_at.is_(None), LinkCodeRow.expires_at > now,
        ).values(used_at=now).returning(LinkCodeRow.subject))
        subject = result.scalar()
        return None if subject is None else CodeClaim(kind, subject)
