"""Secret ballots at scale (issue 7): 10,000 voters casting at once through the real command bus
and storage, then the time to count and publish — a recall, an approval election and a
ranked-choice election with 10 candidates — on SQLite and PostgreSQL.

`python -m bench votes` (or `make bench`). Casting is `asyncio.gather` over every voter's
`vote cast` command; "lost" compares the ballots stored with the receipts handed out, and
"doubled" counts receipts or voters seen twice. "close" is the timer sweep that counts,
seals, posts the result in the home and applies it (roles, the next election); "tally only"
is the counting function alone on the same ballots.
"""

from __future__ import annotations

import asyncio
import random
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from bench.common import engines, floor_rate, table
from core.refs import Where
from core.votes.ballots import numbers
from core.votes.tally import tally_approval, tally_ranked
from storage.engine import make_engine
from tests.crowd import add_members
from tests.fakes import FakeClock, FakePlatform
from tests.world import World

VOTERS = 10_000
CANDIDATES = 10
RECEIPT = re.compile(r"`([A-Z0-9]{5}-[A-Z0-9]{5})`")


@dataclass
class Figures:
    scenario: str
    ballots: int
    cast_seconds: float
    lost: int
    doubled: int
    close_seconds: float
    tally_seconds: float | None


def room(name: str) -> Where:
    return Where("console", room_id=name, space_id=name, room_kind="console", private=True)


async def cast_all(world: World, where: Where, lines: Sequence[tuple[str, str]]) -> tuple[float, list[str]]:
    bus = world.app.bus

    async def one(name: str, line: str) -> str:
        reply = await bus.run_text(line, world.actor(name), where)
        found = RECEIPT.search(reply.text)
        if reply.error or found is None:
            raise RuntimeError(f"a ballot was refused: {reply.text[:120]}")
        return found[1]

    start = time.perf_counter()
    receipts = await asyncio.gather(*(one(name, line) for name, line in lines))
    return time.perf_counter() - start, receipts


async def check(world: World, vote_id: int, receipts: Sequence[str]) -> tuple[int, int]:
    stored = await world.sql(f"SELECT receipt FROM ballots WHERE vote_id = {vote_id} AND choice IS NOT NULL")
    handed = {r.replace("-", "") for r in receipts}
    lost = len(handed - {r.receipt for r in stored})
    doubled = (len(receipts) - len(handed)) + (len(stored) - len(handed & {r.receipt for r in stored}))
    return lost, doubled


async def timed_close(world: World) -> float:
    start = time.perf_counter()
    await world.app.sweeper.run_once()
    await world.deliver()
    return time.perf_counter() - start


async def recall(world: World, clock: FakeClock) -> Figures:
    where = room("bench-recall")
    await world.ok("lena", 'community setup "Recall bench"', where=where, admin=True)
    await world.ok("lena", "community config petition_percent 0", where=where)
    voters = await add_members(world, 1, VOTERS, clock.now() - timedelta(days=15), prefix="rc")
    await world.ok(voters[0], "vote recall lena Bench", where=where)
    for name in voters[1:4]:
        await world.ok(name, "vote cosign 1", where=where)
    lines = [(name, f"vote cast 1 {'keep' if i % 3 else 'recall'}") for i, name in enumerate(voters)]
    seconds, receipts = await cast_all(world, where, lines)
    lost, doubled = await check(world, 1, receipts)
    # Everyone on the roll has voted (lena joined too recently to be on it): it closes now.
    return Figures("recall", len(receipts), seconds, lost, doubled, await timed_close(world), None)


async def election(world: World, clock: FakeClock, method: str, community: int) -> Figures:
    where = room(f"bench-{method}")
    prefix = {"approval": "ap", "ranked": "rk"}[method]
    await world.ok("lena", f'community setup "{method.capitalize()} bench"', where=where, admin=True)
    await world.ok("lena", f"community config vote_method {method}", where=where)
    voters = await add_members(world, community, VOTERS, clock.now() - timedelta(days=15), prefix=prefix)
    await world.ok("lena", "vote elect", where=where)
    for name in voters[:CANDIDATES]:
        await world.ok(name, "vote nominate me", where=where)
    clock.advance(days=3, minutes=1)
    await world.app.sweeper.run_once()  # nominations end: the ballot opens
    draw = random.Random(7)
    choices = []
    for _ in voters:
        if method == "approval":
            picked = sorted(c for c in range(1, CANDIDATES + 1) if draw.random() < 0.3) or [draw.randint(1, 10)]
        else:
            picked = draw.sample(range(1, CANDIDATES + 1), draw.randint(1, CANDIDATES))
        choices.append(",".join(map(str, picked)))
    vote_id = int((await world.sql(f"SELECT id FROM votes WHERE community_id = {community}"))[0].id)
    seconds, receipts = await cast_all(world, where, [(n, f"vote cast 1 {c}") for n, c in zip(voters, choices,
                                                                                                strict=True)])
    lost, doubled = await check(world, vote_id, receipts)
    start = time.perf_counter()
    candidates = list(range(1, CANDIDATES + 1))
    if method == "approval":
        tally_approval([frozenset(numbers(c)) for c in choices], candidates, 1, candidates)
    else:
        tally_ranked([tuple(numbers(c)) for c in choices], candidates, 1, candidates)
    tally = time.perf_counter() - start
    return Figures(f"{method}, {CANDIDATES} candidates", len(receipts), seconds, lost, doubled,
                   await timed_close(world), tally)


async def run(engine: AsyncEngine) -> list[Figures]:
    # Ten thousand commands at once wait for a pooled connection longer than the default 30 s.
    patient = make_engine(engine.url, pool_timeout=900)
    try:
        clock = FakeClock()
        world = World.create(patient, clock, [FakePlatform()])
        return [await recall(world, clock), await election(world, clock, "approval", 2),
                await election(world, clock, "ranked", 3)]
    finally:
        await patient.dispose()


async def main() -> None:
    rows = []
    async with engines() as found:
        for name, engine in found:
            floor = await floor_rate(engine, 2000)
            for f in await run(engine):
                rows.append((name, f.scenario, f"{f.ballots:,}", f.ballots / f.cast_seconds, floor, f.lost,
                             f.doubled, f"{f.close_seconds * 1000:,.0f} ms",
                             "" if f.tally_seconds is None else f"{f.tally_seconds * 1000:,.0f} ms"))
    table(f"Secret ballots (issue 7): {VOTERS:,} voters casting at once through the real bus + storage "
          "(floor: single-row transactions/s through the same driver); close = count, seal, post and apply",
          ["engine", "vote", "ballots", "ballots/s", "floor tx/s", "lost", "doubled", "close", "tally only"], rows)
