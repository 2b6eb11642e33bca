"""Slash-command round trip on Discord (issue 4): an interaction payload goes in through
discord.py's real gateway parsing and command tree (on SimCord's simulated Discord) and the
answer goes out through its real REST calls. 1,000 commands that touch the database, beside
a bare discord.py command that answers at once (and one that defers, then answers, like
ours but with no database), interleaved in the same run; and the longest event-loop stall.

Targets: p99 ≤ 50 ms, p99 ratio to the bare command ≤ 3, no stall over 50 ms.
"""

from __future__ import annotations

import asyncio
import contextvars
import gc
import time
from collections.abc import Awaitable, Callable
from typing import Any

import discord
import simcord
import yarl
from discord import app_commands
from discord.gateway import DiscordWebSocket
from discord.http import Route
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.common import LoopStallMonitor, engines, median, percentile, table
from bots.discord.bridge import Bridge
from bots.discord.client import make_client
from bots.discord.platform import DiscordPlatform
from bots.discord.sync import CommandSync
from tests.discord.wire import FakeDiscord, user
from tests.fakes import FakeClock
from tests.world import World

WARMUP = 50
TRIM_EVERY = 100
BARE = "/ping (bare: answers at once)"
DEFERRED = "/ping-deferred (bare: defer, then answer)"
# Commands that touch the database, run in turn: reading ones, and `/ask`, which writes the
# question and its timer, then opens a thread on the answer and records it.
DATABASE_COMMANDS: list[tuple[str, dict[str, object]]] = [
    ("community info", {}), ("rules show", {}), ("questions show", {"which": "open"}),
    ("ask", {"text": "How do you pace yourself on a work day?"})]


def bare_commands() -> list[app_commands.Command[Any, ..., Any]]:
    async def ping(interaction: discord.Interaction[Any]) -> None:
        await interaction.response.send_message("pong")

    async def ping_deferred(interaction: discord.Interaction[Any]) -> None:
        await interaction.response.defer(thinking=True)
        await interaction.edit_original_response(content="pong")

    return [app_commands.Command(name="ping", description="Answers at once", callback=ping),
            app_commands.Command(name="ping-deferred", description="Defers, then answers", callback=ping_deferred)]


class StallsBesidesGc(LoopStallMonitor):
    """The longest loop stall, and how much of it the process itself spent running code
    other than garbage collection.

    The wall-clock stall also counts time the machine gave to other processes, and full
    collections here also walk the simulated Discord living in the same process. All three
    figures are printed."""

    def __init__(self, tick: float = 0.005) -> None:
        super().__init__(tick)
        self.longest_running = 0.0
        self.longest_gc = 0.0
        self._gc_total = 0.0
        self._gc_started = 0.0

    def _on_gc(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._gc_started = time.perf_counter()
        else:
            pause = time.perf_counter() - self._gc_started
            self._gc_total += pause
            self.longest_gc = max(self.longest_gc, pause)

    async def _run(self) -> None:
        while True:
            before, cpu_before, gc_before = time.perf_counter(), time.process_time(), self._gc_total
            await asyncio.sleep(self.tick)
            stall = time.perf_counter() - before - self.tick
            running = min(stall, time.process_time() - cpu_before) - (self._gc_total - gc_before)
            self.longest = max(self.longest, stall)
            self.longest_running = max(self.longest_running, running)

    def __enter__(self) -> StallsBesidesGc:
        gc.callbacks.append(self._on_gc)
        super().__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        super().__exit__(*exc)
        gc.callbacks.remove(self._on_gc)


class TimedLog(list[Any]):
    """SimCord's log of REST calls, with the moment each call reached simulated Discord."""

    def __init__(self) -> None:
        super().__init__()
        self.times: list[float] = []

    def append(self, entry: Any) -> None:
        self.times.append(time.perf_counter())
        super().append(entry)


async def timed(log: TimedLog, call: Callable[[], Awaitable[Any]]) -> float:
    """From the interaction payload going in to the REST call that completes the answer.

    Measured to the answer's REST call rather than to the end of the simulated user's
    action: SimCord's settling after the answer idles in steps of up to 50 ms."""
    start = time.perf_counter()
    before = len(log)
    result = await call()
    assert result.response is not None or result.followups, "no answer"
    assert len(log) > before, "no REST call"
    return (log.times[-1] - start) * 1000


def forget_history(env: simcord.Env, log: TimedLog, channel_id: int) -> None:
    """Drop what the simulated Discord kept of earlier commands (messages, interactions, its
    logs). Real Discord keeps its history in its own data centres, not in the bot's process;
    left in ours, it makes every full garbage collection longer as the run goes on."""
    backend = env.backend
    backend.messages[channel_id].clear()
    # The threads `/ask` opened on its answers, and what they hold.
    threads = [c.id for c in backend.channels.values() if c.is_thread and c.parent_id == channel_id]
    for guild in backend.guilds.values():
        guild.thread_ids = [t for t in guild.thread_ids if t not in set(threads)]
    for thread_id in threads:
        del backend.channels[thread_id]
        backend.messages.pop(thread_id, None)
    backend.interactions.clear()
    backend.interaction_tokens.clear()
    backend.transcript.clear()
    log.clear()
    log.times.clear()


async def round_trips(engine: AsyncEngine, commands: int) -> tuple[dict[str, list[float]], StallsBesidesGc]:
    world = World.create(engine, FakeClock(), [])
    client = make_client(Bridge(world.app.bus, world.app.uow, ingest=world.app.ingest.submit),
                         startup_sync=CommandSync(world.app.uow, world.clock).at_start,
                         freeze_heap=True)  # as `carpool run` does
    for command in bare_commands():
        client.tree.add_command(command)
    world.app.attach([DiscordPlatform(client)])
    async with simcord.run(client) as env:
        log = TimedLog()
        env.backend.http_requests = log
        guild = env.create_guild("Carpool")
        channel = guild.create_text_channel("pacing")
        admins = guild.create_role("Admins", permissions=discord.Permissions(manage_guild=True))
        lena = guild.add_member(env.create_user("lena"), roles=[admins])
        sam = guild.add_member(env.create_user("sam"))
        await lena.slash(channel, "community setup", name="Pacing Circle", domain="living with ME/CFS")
        for number in range(5):
            await lena.slash(channel, "rules add", text=f"Rule {number}: be kind and cite sources")
        await sam.slash(channel, "join-accept")

        def invoke(name: str, options: dict[str, object]) -> Callable[[], Awaitable[Any]]:
            return lambda: sam.slash(channel, name, **options)

        baselines = {BARE: invoke("ping", {}), DEFERRED: invoke("ping-deferred", {})}
        database = {f"/{name}": invoke(name, options) for name, options in DATABASE_COMMANDS}
        for _ in range(WARMUP):
            for call in [*baselines.values(), *database.values()]:
                await call()
        samples: dict[str, list[float]] = {name: [] for name in [*baselines, *database]}
        names = list(database)
        with StallsBesidesGc() as stalls:
            for index in range(commands):
                if index % TRIM_EVERY == 0:
                    forget_history(env, log, channel.id)
                for name, call in baselines.items():
                    samples[name].append(await timed(log, call))
                name = names[index % len(names)]
                samples[name].append(await timed(log, database[name]))
        await world.app.engine.dispose()
    return samples, stalls


# -- the same over real HTTP and WebSocket frames on loopback -----------------------------------
WIRE_WAIT = 10.0
LENA = user(800_000_000_000_000_001, "lena")
SAM = user(800_000_000_000_000_002, "sam")


def wire_command(name: str, options: dict[str, object]) -> tuple[str, list[dict[str, object]]]:
    """A slash command's name and options as an INTERACTION_CREATE payload carries them."""
    words = name.split()
    leaf: list[dict[str, object]] = [{"name": key, "type": 4 if isinstance(value, int) else 3, "value": value}
                                     for key, value in options.items()]
    if len(words) == 1:
        return words[0], leaf
    return words[0], [{"name": words[1], "type": 1, "options": leaf}]


async def wire_round_trips(engine: AsyncEngine, commands: int) -> dict[str, list[float]]:
    """Interaction payload sent by a loopback fake of Discord's gateway → the answer's HTTP
    request received by its REST API: real HTTP, WebSocket frames and JSON on 127.0.0.1, the
    fake in the same process."""
    fake = FakeDiscord()
    await fake.start()
    saved = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = fake.api_base, yarl.URL(fake.gateway_url)
    world = World.create(engine, FakeClock(), [])
    client = make_client(Bridge(world.app.bus, world.app.uow, ingest=world.app.ingest.submit),
                         startup_sync=CommandSync(world.app.uow, world.clock).at_start, freeze_heap=True,
                         guild_ready_timeout=0.05)
    for command in bare_commands():
        client.tree.add_command(command)
    world.app.attach([DiscordPlatform(client)])
    running = asyncio.create_task(client.start(fake.token))
    try:
        await asyncio.wait_for(client.wait_until_ready(), WIRE_WAIT)

        answers: list[str] = []

        async def call(who: dict[str, Any], name: str, options: dict[str, object], *, admin: bool = False) -> float:
            command, payload = wire_command(name, options)
            interaction = fake.interaction(who, admin=admin, name=command, options=payload)
            answered = fake.answered(interaction["token"])
            start = time.perf_counter()
            await fake.dispatch("INTERACTION_CREATE", interaction)
            await asyncio.wait_for(answered.wait(), WIRE_WAIT)
            elapsed = (time.perf_counter() - start) * 1000
            if name == "ask":  # the thread on the answer follows it; not part of the answer's time
                await asyncio.wait_for(fake.threads.get(), WIRE_WAIT)
            del fake.first_answers[interaction["token"]]
            answers[:] = []
            while not fake.answers.empty():  # every part of the answer, for the checks below
                answers.append(fake.answers.get_nowait()["content"])
            return elapsed

        await call(LENA, "community setup", {"name": "Pacing Circle on the wire"}, admin=True)
        assert "is set up here" in answers[0], answers
        for number in range(5):
            await call(LENA, "rules add", {"text": f"Rule {number}: be kind and cite sources"}, admin=True)
        await call(SAM, "join-accept", {})
        await call(SAM, "community info", {})
        assert "Pacing Circle on the wire" in answers[0], answers
        runs = {BARE: ("ping", {}), DEFERRED: ("ping-deferred", {}),
                **{f"/{name}": (name, options) for name, options in DATABASE_COMMANDS}}
        for _ in range(WARMUP):
            for name, options in runs.values():
                await call(SAM, name, options)
        samples: dict[str, list[float]] = {name: [] for name in runs}
        database = [name for name in runs if name not in (BARE, DEFERRED)]
        for index in range(commands):
            for name in (BARE, DEFERRED):
                samples[name].append(await call(SAM, *runs[name]))
            name = database[index % len(database)]
            samples[name].append(await call(SAM, *runs[name]))
            if index % TRIM_EVERY == 0:
                fake.requests.clear()
        return samples
    finally:
        await client.close()
        await asyncio.wait_for(running, WIRE_WAIT)
        await fake.stop()
        Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = saved


def rows_for(engine_name: str, samples: dict[str, list[float]]) -> list[tuple[object, ...]]:
    bare, deferred = samples.pop(BARE), samples.pop(DEFERRED)
    everything = [v for values in samples.values() for v in values]
    rows: list[tuple[object, ...]] = []
    for name, values in [(BARE, bare), (DEFERRED, deferred), *samples.items(), ("all database commands", everything)]:
        p50, p99 = median(values), percentile(values, 99)
        rows.append((engine_name, name, len(values), p50, p99, f"{p99 / percentile(bare, 99):.1f}",
                     f"{p99 / percentile(deferred, 99):.1f}"))
    return rows


async def main(commands: int = 1000) -> None:
    rows: list[tuple[object, ...]] = []
    wire_rows: list[tuple[object, ...]] = []
    stall_rows: list[tuple[object, ...]] = []
    async with engines() as found:
        for engine_name, engine in found:
            samples, stalls = await round_trips(engine, commands)
            stall_rows.append((engine_name, stalls.longest * 1000, stalls.longest_running * 1000,
                               stalls.longest_gc * 1000))
            rows += rows_for(engine_name, samples)
            # In a fresh context: the simulated run leaves its webhook adapter in this one.
            wire = asyncio.create_task(wire_round_trips(engine, commands), context=contextvars.Context())
            wire_rows += rows_for(engine_name, await wire)
    header = ["engine", "command", "n", "p50 ms", "p99 ms", "p99 / bare", "p99 / bare deferred"]
    table("Discord slash-command round trip (issue 4): interaction payload in → answer's REST call, through "
          "discord.py on SimCord (in memory: no network). Targets: p99 ≤ 50 ms, p99 ratio to bare ≤ 3, stall ≤ 50 ms",
          header, rows)
    table("Longest event-loop stall during those runs, ms (target ≤ 50)",
          ["engine", "longest stall (wall clock)", "of it running code besides GC", "longest GC pause"],
          stall_rows)
    table("The same commands over real HTTP and WebSocket frames on loopback (the unmodified client against "
          "tests/discord/wire.py, in the same process): interaction sent → the answer's request received",
          header, wire_rows)
