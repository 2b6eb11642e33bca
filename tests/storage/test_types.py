from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.exc import StatementError

from storage.membership import PersonRow
from tests.world import World


async def test_aware_datetimes_come_back_in_utc(world: World) -> None:
    berlin = timezone(timedelta(hours=1))
    when = datetime(2026, 3, 2, 10, 30, tzinfo=berlin)
    async with world.app.uow() as uow:
        uow.session.add(PersonRow(id=99, created_at=when))
        await uow.commit()
    async with world.app.uow() as uow:
        stored = (await uow.session.execute(select(PersonRow.created_at).where(PersonRow.id == 99))).scalar_one()
    assert stored == when and stored.utcoffset() == timedelta(0)


async def test_naive_datetimes_are_refused(world: World) -> None:
    async with world.app.uow() as uow:
        uow.session.add(PersonRow(id=98, created_at=datetime(2026, 3, 2, 10, 30)))
        with pytest.raises(StatementError, match="naive datetime refused"):
            await uow.session.flush()
