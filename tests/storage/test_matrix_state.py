"""The Matrix adapter's own rows: sync token and direct rooms per bot account, handled events."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from storage.engine import make_sessionmaker
from storage.matrix import SYNC_TOKEN, SqlMatrixState
from storage.uow import SqlUnitOfWork
from tests.fakes import FakeClock


async def test_tokens_are_kept_per_bot_account_and_replaced(engine: AsyncEngine, clock: FakeClock) -> None:
    sessions = make_sessionmaker(engine)
    async with SqlUnitOfWork(sessions, clock) as uow:
        await SqlMatrixState(uow.db, "@bot:x.org").put(SYNC_TOKEN, "s1")
        await SqlMatrixState(uow.db, "@other:x.org").put(SYNC_TOKEN, "t1")
        await SqlMatrixState(uow.db, "@bot:x.org").put(SYNC_TOKEN, "s2")
        await uow.commit()
    async with SqlUnitOfWork(sessions, clock, readonly=True) as uow:
        assert await SqlMatrixState(uow.db, "@bot:x.org").get(SYNC_TOKEN) == "s2"
        assert await SqlMatrixState(uow.db, "@other:x.org").get(SYNC_TOKEN) == "t1"
        assert await SqlMatrixState(uow.db, "@new:x.org").get(SYNC_TOKEN) is None


async def test_an_event_is_claimed_once_and_forgotten_later(engine: AsyncEngine, clock: FakeClock) -> None:
    sessions = make_sessionmaker(engine)
    async with SqlUnitOfWork(sessions, clock) as uow:
        state = SqlMatrixState(uow.db, "@bot:x.org")
        assert await state.claim_event("$e1", clock.now()) is True
        assert await state.claim_event("$e1", clock.now()) is False
        await uow.commit()
    async with SqlUnitOfWork(sessions, clock) as uow:
        state = SqlMatrixState(uow.db, "@bot:x.org")
        assert await state.claim_event("$e1", clock.now()) is False  # also in a later transaction
        await state.forget_events(clock.now() + timedelta(seconds=1))
        assert await state.claim_event("$e1", clock.now()) is True
        await uow.commit()
