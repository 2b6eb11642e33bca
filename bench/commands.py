"""Command throughput: N accounts each `join` + `join accept` in one community, through the
real command bus and storage, beside the floor of single-row transactions (issue 2)."""

from __future__ import annotations

import time

from sqlalchemy.ext.asyncio import AsyncEngine

from bench.common import engines, floor_rate, stock_sqlite_cursor, table
from tests.fakes import FakeClock, FakePlatform
from tests.world import World


async def join_rate(engine: AsyncEngine, accounts: int) -> float:
    world = World.create(engine, FakeClock(), [FakePlatform()])
    await world.community()
    bus, actor = world.app.bus, world.actor
    start = time.perf_counter()
    for index in range(accounts):
        who = actor(f"member{index}")
        await bus.run_text("join", who, _home())
        reply = await bus.run_text("join accept", who, _home())
        assert not reply.error, reply.text
    elapsed = time.perf_counter() - start
    return 2 * accounts / elapsed


def _home():  # type: ignore[no-untyped-def]
    from tests.world import HOME

    return HOME


async def main(accounts: int = 10_000, floor_count: int = 3000) -> None:
    rows = []
    async with engines() as found:
        for name, engine in found:
            floor = await floor_rate(engine, floor_count)
            rate = await join_rate(engine, accounts)
            rows.append((name, f"{accounts:,} × (join + join accept)", rate, "tuned driver", floor,
                         f"{rate / floor:.2f}"))
            if name == "sqlite":
                # The same floor through SQLAlchemy's stock aiosqlite cursor (four thread
                # hand-offs a statement), as a plain install would have it.
                with stock_sqlite_cursor():
                    stock = await floor_rate(engine, floor_count)
                rows.append((name, "", "", "stock adapter", stock, f"{rate / stock:.2f}"))
    table("Command throughput (issue 2): commands/s through the real bus + storage, beside the floor of "
          "single-row transactions through the same driver",
          ["engine", "workload", "commands/s", "floor via", "floor tx/s", "ratio"], rows)
