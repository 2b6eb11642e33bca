"""The outbox delivers every effect exactly once: through platform failures, rate limits,
a restart between writing and delivering, a crashed worker's lease, and two workers at once."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from bots.dispatcher import MAX_ATTEMPTS, OutboxDispatcher
from core.effects import DirectMessage
from core.refs import AccountRef
from storage.engine import make_engine
from tests.fakes import FakeClock, FakePlatform
from tests.world import World


async def write(world: World, count: int, start: int = 0) -> None:
    async with world.app.uow() as uow:
        for index in range(start, start + count):
            await uow.outbox.add(DirectMessage(AccountRef("console", "lena"), f"nudge {index}"),
                                 key=f"test:{index}")
        await uow.commit()


async def test_failed_deliveries_are_retried_with_backoff_until_delivered_once(
        world: World, platform: FakePlatform, clock: FakeClock) -> None:
    await write(world, 1)
    platform.fail_next = 3
    assert await world.deliver() == 0
    assert await world.deliver() == 0  # not due again yet: backing off
    for _ in range(3):
        clock.advance(minutes=1)
        await world.deliver()
    assert platform.texts() == ["nudge 0"]
    assert platform.attempts == 4
    clock.advance(hours=1)
    assert await world.deliver() == 0
    rows = await world.sql("SELECT state, attempts, last_error FROM outbox")
    assert [(r[0], r[1]) for r in rows] == [("delivered", 4)]


async def test_a_rate_limit_retry_after_is_honoured(world: World, platform: FakePlatform,
                                                   clock: FakeClock) -> None:
    await write(world, 1)
    platform.fail_next, platform.retry_after = 1, 30.0
    await world.deliver()
    clock.advance(seconds=29)
    assert await world.deliver() == 0
    clock.advance(seconds=2)
    assert await world.deliver() == 1
    assert platform.texts() == ["nudge 0"]


async def test_permanent_failures_and_exhausted_retries_stop(world: World, platform: FakePlatform,
                                                            clock: FakeClock) -> None:
    await write(world, 1)
    platform.fail_next, platform.fail_permanently = 1, True
    await world.deliver()
    assert platform.attempts == 1
    platform.fail_permanently = False
    await write(world, 1, start=1)
    platform.fail_next = 100
    for _ in range(MAX_ATTEMPTS + 2):
        clock.advance(hours=1)
        await world.deliver()
    states = sorted(r[0] for r in await world.sql("SELECT state FROM outbox"))
    assert states == ["failed", "failed"]
    assert platform.delivered == []
    assert platform.attempts == 1 + MAX_ATTEMPTS


async def test_a_restart_between_write_and_delivery_delivers_once(db_url: str, engine: AsyncEngine,
                                                                  clock: FakeClock) -> None:
    first = World.create(engine, clock, [FakePlatform()])
    await write(first, 3)
    # The process stops before its dispatcher ran; a new process starts on the same database.
    second_engine = make_engine(db_url)
    platform = FakePlatform()
    second = World.create(second_engine, clock, [platform])
    assert await second.deliver() == 3
    assert await second.deliver() == 0
    assert platform.texts() == ["nudge 0", "nudge 1", "nudge 2"]
    await second_engine.dispose()


async def test_a_crashed_workers_claim_expires_and_is_delivered_once(world: World, platform: FakePlatform,
                                                                    clock: FakeClock) -> None:
    await write(world, 2)
    async with world.app.uow() as uow:  # a worker claims, then dies before delivering
        claimed = await uow.outbox.claim(["console"], worker="dead", lease=timedelta(minutes=2), limit=10)
        await uow.commit()
    assert len(claimed) == 2
    assert await world.deliver() == 0  # still leased
    clock.advance(minutes=3)
    assert await world.deliver() == 2
    assert platform.texts() == ["nudge 0", "nudge 1"]


async def test_two_workers_at_once_deliver_each_item_once(world: World, clock: FakeClock) -> None:
    await write(world, 200)
    platforms = [FakePlatform(), FakePlatform()]
    workers = [OutboxDispatcher(world.app.uow, clock, {"console": p}, f"w{i}", batch=20)
               for i, p in enumerate(platforms)]
    await asyncio.gather(*(w.run_once() for w in workers))
    keys = [k for p in platforms for k, _ in p.delivered]
    assert sorted(keys) == sorted(f"test:{i}" for i in range(200))
    assert len(set(keys)) == 200


async def test_effects_commit_with_the_change_or_not_at_all(world: World, platform: FakePlatform) -> None:
    # Setting up writes a role change to the outbox; a refused setup writes nothing.
    await world.fails("sam", "community setup Circle", admin=False)
    assert (await world.counts())["outbox"] == 0
    await world.community()
    assert (await world.counts())["outbox"] == 1
    assert await world.deliver() == 1
