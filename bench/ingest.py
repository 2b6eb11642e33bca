"""Message ingest (issue 3): thread messages per second through the service — question
activity, first-response detection, timer cancel — one transaction per message, and grouped
(concurrent messages share a transaction), beside the single-row-transaction floor."""

from __future__ import annotations

import asyncio
import time

from sqlalchemy.ext.asyncio import AsyncEngine

from bench.common import engines, floor_rate, table
from core.questions.activity import ThreadMessage
from core.refs import Where
from tests.fakes import FakeClock, FakePlatform
from tests.world import World

THREADS = 2000
PER_THREAD = 5


async def prepare(world: World, room: str) -> list[ThreadMessage]:
    where = Where("console", room_id=room, room_kind="console", private=True)
    await world.ok("lena", f'community setup "Circle {room}"', admin=True, where=where)
    for name in ("asker", "r1", "r2", "r3", "r4"):
        await world.ok(name, "join accept", where=where)
    for index in range(THREADS):
        await world.ok("asker", f"ask Question {index}: how do you pace?", where=where)
    messages = []
    for round_ in range(PER_THREAD):
        for index in range(THREADS):
            who = f"r{1 + (index + round_) % 4}"
            messages.append(ThreadMessage("console", f"{room}:q{index + 1}", world.actor(who), world.clock.now()))
    return messages


async def rates(engine: AsyncEngine) -> tuple[float, float, float]:
    world = World.create(engine, FakeClock(), [FakePlatform()])
    one_by_one = await prepare(world, "a")
    grouped = await prepare(world, "b")
    world.clock.advance(minutes=5)
    start = time.perf_counter()
    for message in one_by_one:
        await world.app.ingest.submit(message)
    sequential = len(one_by_one) / (time.perf_counter() - start)
    start = time.perf_counter()
    await asyncio.gather(*(world.app.ingest.submit(m) for m in grouped))
    concurrent = len(grouped) / (time.perf_counter() - start)
    answered = await world.sql("SELECT count(*) FROM questions WHERE status = 'answered'")
    pending = await world.sql("SELECT count(*) FROM timers WHERE kind = 'question.ladder'")
    assert answered[0][0] == 2 * THREADS and pending[0][0] == 0, (answered, pending)
    return sequential, concurrent, await floor_rate(engine, 3000)


async def main() -> None:
    rows = []
    async with engines() as found:
        for name, engine in found:
            sequential, concurrent, floor = await rates(engine)
            rows.append((name, "one transaction per message", sequential, floor, f"{sequential / floor:.2f}"))
            rows.append((name, "concurrent, grouped", concurrent, floor, f"{concurrent / floor:.2f}"))
    table(f"Message ingest (issue 3): {THREADS * PER_THREAD:,} thread messages in {THREADS:,} question threads",
          ["engine", "mode", "messages/s", "floor tx/s", "ratio"], rows)
