"""Timers are rows: re-arming replaces, several sweepers fire each timer once, a crashed
sweeper's claim expires, a failing handler leaves nothing half-done, a restart loses nothing."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from bots.sweeper import TimerSweeper
from core.effects import DirectMessage
from core.refs import AccountRef
from core.timers.context import TimerContext
from core.timers.model import DueTimer, on_timer
from storage.engine import make_engine
from tests.fakes import FakeClock, FakePlatform
from tests.world import World

HANDLED: Counter[str] = Counter()
FAIL: set[str] = set()


@on_timer("test.nudge")
async def nudge(timers: Sequence[DueTimer], ctx: TimerContext) -> None:
    for timer in timers:
        HANDLED[timer.subject] += 1
        await ctx.emit(DirectMessage(AccountRef("console", "lena"), f"nudge {timer.subject}"),
                       key=f"test-nudge:{timer.subject}")
        if timer.subject in FAIL:
            raise RuntimeError("handler failed")


async def arm(world: World, count: int, after: timedelta = timedelta(minutes=5)) -> None:
    async with world.app.uow() as uow:
        await uow.timers.arm_many([("test.nudge", f"s{i}", world.clock.now() + after, None) for i in range(count)])
        await uow.commit()


def setup_function() -> None:
    HANDLED.clear()
    FAIL.clear()


async def test_re_arming_moves_the_timer_instead_of_adding_one(world: World, clock: FakeClock) -> None:
    await arm(world, 1, timedelta(minutes=5))
    await arm(world, 1, timedelta(minutes=50))
    assert (await world.counts())["timers"] == 1
    clock.advance(minutes=10)
    assert await world.app.sweeper.run_once() == 0
    clock.advance(minutes=41)
    assert await world.app.sweeper.run_once() == 1
    assert HANDLED == {"s0": 1}


async def test_two_sweepers_fire_a_thousand_timers_exactly_once(world: World, clock: FakeClock) -> None:
    await arm(world, 1000)
    clock.advance(minutes=6)
    sweepers = [TimerSweeper(world.app.uow, clock, world.app.network, f"sweeper-{n}", batch=100) for n in (1, 2)]
    fired = await asyncio.gather(*(s.run_once() for s in sweepers))
    assert sum(fired) == 1000
    assert len(HANDLED) == 1000 and set(HANDLED.values()) == {1}
    assert (await world.counts())["outbox"] == 1000
    assert all(f > 0 for f in fired) or world.app.engine.dialect.name == "sqlite"


async def test_a_sweeper_that_dies_after_claiming_is_taken_over_when_its_lease_expires(
        world: World, clock: FakeClock, platform: FakePlatform) -> None:
    await arm(world, 3)
    clock.advance(minutes=6)
    async with world.app.uow() as uow:  # claimed and committed, then the process died
        claimed = await uow.timers.claim(now=clock.now(), worker="dead", lease=timedelta(minutes=2), limit=10)
        await uow.commit()
    assert len(claimed) == 3
    assert await world.app.sweeper.run_once() == 0
    clock.advance(minutes=3)
    assert await world.app.sweeper.run_once() == 3
    await world.deliver()
    assert sorted(platform.texts()) == ["nudge s0", "nudge s1", "nudge s2"]


async def test_a_failing_handler_writes_nothing_and_is_retried(world: World, clock: FakeClock,
                                                               platform: FakePlatform) -> None:
    await arm(world, 3)
    FAIL.add("s1")
    clock.advance(minutes=6)
    assert await world.app.sweeper.run_once() == 2  # the batch failed; one by one, two succeed
    await world.deliver()
    assert sorted(platform.texts()) == ["nudge s0", "nudge s2"]
    FAIL.clear()
    clock.advance(minutes=1)
    assert await world.app.sweeper.run_once() == 1  # retried with backoff
    await world.deliver()
    assert sorted(platform.texts()) == ["nudge s0", "nudge s1", "nudge s2"]


async def test_a_restart_while_timers_come_due_fires_them_once_after_start(
        db_url: str, engine: AsyncEngine, clock: FakeClock) -> None:
    before = World.create(engine, clock, [FakePlatform()])
    await arm(before, 5)
    clock.advance(hours=1)  # the bot was down while they came due
    later_engine = make_engine(db_url)
    platform = FakePlatform()
    after = World.create(later_engine, clock, [platform])
    assert await after.sweep() == 5
    assert await after.sweep() == 0
    assert len(platform.texts()) == 5
    await later_engine.dispose()


async def test_an_empty_sweep_does_nothing(world: World) -> None:
    await arm(world, 10, timedelta(days=1))
    assert await world.app.sweeper.run_once() == 0
    assert HANDLED == {}
    assert await world.app.sweeper.next_due() == world.clock.now() + timedelta(days=1)
