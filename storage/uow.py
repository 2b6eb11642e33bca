"""The unit of work: one session, one transaction, every repository; rolls back unless committed."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from core.clock import Clock
from core.errors import ConcurrentUpdate
from storage.codes import SqlCodeRepo
from storage.community import SqlCommunityRepo, SqlHomeRepo
from storage.context import SqlContextRepo
from storage.db import Db, is_unique_violation
from storage.engine import BEGIN_MODE
from storage.membership import SqlAccountRepo, SqlMemberRepo
from storage.outbox import SqlOutbox
from storage.questions import SqlQuestionRepo
from storage.resources import SqlResourceRepo
from storage.rules import SqlRuleRepo
from storage.timers import SqlTimerRepo
from storage.votes import SqlVoteRepo


class SqlUnitOfWork:
    def __init__(self, sessions: async_sessionmaker[AsyncSession], clock: Clock, *,
                 readonly: bool = False) -> None:
        self._sessions = sessions
        self.clock = clock
        self.readonly = readonly
        self._committed = False

    async def __aenter__(self) -> Self:
        self.session = self._sessions()
        if self.readonly:
            # SQLite: reads need no write lock, nor a transaction of their own.
            await self.session.connection(execution_options={BEGIN_MODE: "NONE"})
        self.db = Db(self.session)
        self.context = SqlContextRepo(self.db)
        self.communities = SqlCommunityRepo(self.db)
        self.homes = SqlHomeRepo(self.db)
        self.accounts = SqlAccountRepo(self.db)
        self.members = SqlMemberRepo(self.db)
        self.rules = SqlRuleRepo(self.db)
        self.codes = SqlCodeRepo(self.db)
        self.outbox = SqlOutbox(self.db, self.clock)
        self.timers = SqlTimerRepo(self.db)
        self.questions = SqlQuestionRepo(self.db)
        self.votes = SqlVoteRepo(self.db)
        self.resources = SqlResourceRepo(self.db)
        self._committed = False
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                        tb: TracebackType | None) -> None:
        # Closing returns the connection to the pool, which rolls back whatever was not
        # committed; an explicit rollback first would cost another round trip.
        await self.session.close()

    async def commit(self) -> None:
        if self.readonly:
            raise RuntimeError("a read-only unit of work cannot commit")
        try:
            await self.session.commit()
        except IntegrityError as error:
            if is_unique_violation(error):
                raise ConcurrentUpdate(str(error.orig)[:200]) from error
            raise
        self._committed = True
