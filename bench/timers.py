"""Timer scale (issue 3): our timer rows and sweeper beside APScheduler's one-job-per-timer.

Prints: an empty sweep over 1,000,000 pending timers; claiming and handling 500 due ladder
timers (real questions, real handler, digests and all); the longest event-loop stall during
our sweeps; the bot process's memory with 1,000 and with 1,000,000 pending timers. Then
APScheduler 3.11 with its SQLAlchemy job store (SQLite; it needs a synchronous driver):
the time to add 100,000 jobs and the longest loop stall while 10,000 come due at once.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.common import LoopStallMonitor, engines, median, table
from core.questions.ladder import LADDER
from core.questions.model import subject
from tests.fakes import FakeClock, FakePlatform
from tests.world import World

PENDING = 1_000_000
BATCH = 500


async def fill_pending(engine: AsyncEngine, count: int) -> None:
    """`count` pending timers due far in the future, inserted by one set-based statement."""
    far = "'2099-01-01 00:00:00.000000'" if engine.dialect.name == "sqlite" else "'2099-01-01 00:00:00+00'"
    async with engine.begin() as connection:
        await connection.execute(text(f"""
            WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n WHERE x < {count})
            INSERT INTO timers (kind, subject, due_at, state, attempts, data)
            SELECT 'bench.future', 'future:' || x, {far}, 'pending', 0, '{{}}' FROM n"""))
        if engine.dialect.name == "postgresql":
            await connection.execute(text("ANALYZE timers"))


async def due_batch(world: World) -> None:
    """500 questions in 10 communities, their first rung due now (before the communities'
    daily responsiveness check, so the batch is the ladder alone)."""
    for c in range(10):
        room = f"room{c}"
        await world.ok(f"lead{c}", f'community setup "Circle {c}"', admin=True,
                       where=_where(room))
        await world.ok(f"member{c}", "join accept", where=_where(room))
        await world.ok(f"lead{c}", "community config sla 4h", where=_where(room))
        for q in range(BATCH // 10):
            await world.ok(f"member{c}", f"ask Question {q} about pacing and sleep?", where=_where(room))
    world.clock.advance(hours=5)


def _where(room: str):  # type: ignore[no-untyped-def]
    from core.refs import Where

    return Where("console", room_id=room, room_kind="console", private=True)


async def ours(name: str, engine: AsyncEngine) -> list[tuple[object, ...]]:
    clock = FakeClock()
    world = World.create(engine, clock, [FakePlatform()])
    await fill_pending(engine, PENDING)
    sweeper = world.app.sweeper
    empties = []
    with LoopStallMonitor() as stalls:
        for _ in range(30):
            start = time.perf_counter()
            await sweeper.run_once()
            empties.append(time.perf_counter() - start)
        await due_batch(world)
        async with world.app.uow() as uow:
            count = (await uow.db.execute(text(f"SELECT count(*) FROM timers WHERE kind = '{LADDER}'"))).scalar()
        start = time.perf_counter()
        async with world.app.uow() as uow:
            claimed = await uow.timers.claim(now=clock.now(), worker=sweeper.worker, lease=sweeper.lease, limit=BATCH)
            await uow.commit()
        handled = await sweeper.handle(claimed)
        batch_time = time.perf_counter() - start
        start = time.perf_counter()
        await sweeper.run_once()  # the digests the rungs armed: one DM per leader
        digest_time = time.perf_counter() - start
    outbox = (await world.sql("SELECT count(*) FROM outbox WHERE kind = 'dm'"))[0][0]
    assert handled == count == BATCH, (handled, count)
    assert subject(1)
    return [
        (name, f"empty sweep, {PENDING:,} pending", f"{median(empties) * 1000:.2f} ms (median of 30)"),
        (name, f"claim + handle {BATCH} due ladder timers", f"{batch_time * 1000:.1f} ms"),
        (name, "then the digests they armed", f"{digest_time * 1000:.1f} ms → {outbox} DMs"),
        (name, "longest loop stall during our sweeps", f"{stalls.longest * 1000:.1f} ms"),
    ]


RSS_SCRIPT = """
import asyncio, sys
from tests.world import World
from tests.fakes import FakeClock, FakePlatform
from storage.engine import make_engine
async def main():
    engine = make_engine(sys.argv[1])
    world = World.create(engine, FakeClock(), [FakePlatform()])
    for _ in range(5):
        await world.app.sweeper.run_once()
    await engine.dispose()
    rss = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0].split()[1]
    print(int(rss) // 1024)
asyncio.run(main())
"""


async def memory(name: str, url_small: str, url_large: str) -> list[tuple[object, ...]]:
    def rss(url: str) -> str:
        out = subprocess.run([sys.executable, "-c", RSS_SCRIPT, url], capture_output=True, text=True,
                             env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])}, check=True)
        return out.stdout.strip()

    return [(name, "bot process peak memory, 1,000 pending", f"{rss(url_small)} MB"),
            (name, f"bot process peak memory, {PENDING:,} pending", f"{rss(url_large)} MB")]


async def apscheduler_figures() -> list[tuple[object, ...]]:
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore
    from apscheduler.schedulers.asyncio import AsyncIOScheduler

    rows: list[tuple[object, ...]] = []
    folder = tempfile.mkdtemp()
    far = datetime(2099, 1, 1, tzinfo=UTC)
    scheduler = AsyncIOScheduler(jobstores={"default": SQLAlchemyJobStore(url=f"sqlite:///{folder}/jobs.db")})

    async def add_many() -> float:
        scheduler.start(paused=True)
        start = time.perf_counter()
        for index in range(100_000):
            scheduler.add_job(noop, "date", run_date=far, id=f"j{index}")
        elapsed = time.perf_counter() - start
        scheduler.shutdown(wait=False)
        return elapsed

    rows.append(("sqlite", "APScheduler: add 100,000 jobs (SQLAlchemy job store)", f"{await add_many():.1f} s"))

    async def due_at_once() -> tuple[float, float]:
        due = AsyncIOScheduler(jobstores={"default": SQLAlchemyJobStore(url=f"sqlite:///{folder}/due.db")},
                               job_defaults={"misfire_grace_time": None, "coalesce": False})
        # Stored while paused, all due at the same moment; resuming lets them come due at once.
        due.start(paused=True)
        when = datetime.now(UTC) + timedelta(seconds=1)
        for index in range(10_000):
            due.add_job(count_up, "date", run_date=when, id=f"d{index}")
        with LoopStallMonitor() as stalls:
            await asyncio.sleep(1)
            due.resume()
            start = time.perf_counter()
            while FIRED[0] < 10_000 and time.perf_counter() - start < 300:  # noqa: ASYNC110
                await asyncio.sleep(0.05)
            elapsed = time.perf_counter() - start
        due.shutdown(wait=False)
        return stalls.longest, elapsed

    longest, elapsed = await due_at_once()
    rows.append(("sqlite", "APScheduler: longest loop stall, 10,000 jobs due at once",
                 f"{longest * 1000:.0f} ms (all ran after {elapsed:.1f} s)"))
    return rows


FIRED = [0]


async def noop() -> None:
    return None


async def count_up() -> None:
    FIRED[0] += 1


async def main() -> None:
    rows: list[tuple[object, ...]] = []
    async with engines() as found:
        for name, engine in found:
            rows += await ours(name, engine)
            if name == "sqlite":
                small = tempfile.mkdtemp()
                from storage.engine import make_engine
                from tests import databases

                small_url = f"sqlite+aiosqlite:///{small}/small.db"
                small_engine = make_engine(small_url)
                await databases.create_schema(small_engine)
                await fill_pending(small_engine, 1000)
                await small_engine.dispose()
                rows += await memory(name, small_url, str(engine.url))
    table("Timer scale (issue 3): timer rows and our sweeper", ["engine", "measure", "result"], rows)
    table("Timer scale (issue 3): APScheduler 3.11, one job per timer", ["engine", "measure", "result"],
          await apscheduler_figures())
