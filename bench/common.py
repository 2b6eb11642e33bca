"""Shared bench helpers: engines for both backends, a floor of single-row transactions, tables."""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.engine import make_engine
from tests import databases


@asynccontextmanager
async def engines() -> AsyncIterator[list[tuple[str, AsyncEngine]]]:
    """A fresh SQLite file and (when reachable) a fresh PostgreSQL database, with the schema."""
    result: list[tuple[str, AsyncEngine]] = []
    folder = tempfile.TemporaryDirectory()
    sqlite = make_engine(f"sqlite+aiosqlite:///{Path(folder.name) / 'bench.db'}")
    await databases.create_schema(sqlite)
    result.append(("sqlite", sqlite))
    pg_name = None
    if await databases.pg_available_async() is None:
        pg_name = await databases.create_pg_database_async()
        pg = make_engine(databases.pg_url(pg_name))
        await databases.create_schema(pg)
        result.append(("postgres", pg))
    else:
        print("PostgreSQL not reachable: PostgreSQL figures skipped")
    try:
        yield result
    finally:
        for _, engine in result:
            await engine.dispose()
        if pg_name:
            await databases.drop_pg_database_async(pg_name)
        folder.cleanup()


async def floor_rate(engine: AsyncEngine, count: int) -> float:
    """Single-row transactions per second through the same driver, with no application code."""
    async with engine.begin() as connection:
        await connection.execute(text("CREATE TABLE IF NOT EXISTS bench_floor (id INTEGER PRIMARY KEY, v TEXT)"))
        await connection.execute(text("DELETE FROM bench_floor"))
    start = time.perf_counter()
    for index in range(count):
        async with engine.begin() as connection:
            await connection.execute(text("INSERT INTO bench_floor (id, v) VALUES (:i, 'x')"), {"i": index})
    elapsed = time.perf_counter() - start
    async with engine.begin() as connection:
        await connection.execute(text("DROP TABLE bench_floor"))
    return count / elapsed


@contextmanager
def stock_sqlite_cursor() -> Iterator[None]:
    from sqlalchemy.dialects.sqlite.aiosqlite import AsyncAdapt_aiosqlite_connection, AsyncAdapt_aiosqlite_cursor

    tuned = AsyncAdapt_aiosqlite_connection._cursor_cls
    AsyncAdapt_aiosqlite_connection._cursor_cls = AsyncAdapt_aiosqlite_cursor
    try:
        yield
    finally:
        AsyncAdapt_aiosqlite_connection._cursor_cls = tuned


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


def table(title: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    cells = [list(map(str, header))] + [[_fmt(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    print(f"\n{title}")
    for n, row in enumerate(cells):
        print("  " + "  ".join(c.rjust(w) for c, w in zip(row, widths, strict=True)))
        if n == 0:
            print("  " + "  ".join("-" * w for w in widths))


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}" if value < 100 else f"{value:,.0f}"
    return str(value)


class LoopStallMonitor:
    """Measures the longest time the event loop was blocked, by a ticking task."""

    def __init__(self, tick: float = 0.005) -> None:
        self.tick = tick
        self.longest = 0.0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            before = time.perf_counter()
            await asyncio.sleep(self.tick)
            self.longest = max(self.longest, time.perf_counter() - before - self.tick)

    def __enter__(self) -> LoopStallMonitor:
        self._task = asyncio.get_running_loop().create_task(self._run())
        return self

    def __exit__(self, *exc: object) -> None:
        if self._task is not None:
            self._task.cancel()


Timed = Callable[[], float]
