"""Matrix command round trip (issue 5): on one Synapse in one run, a member sends
`!cop questions open` (the room has OPEN_QUESTIONS open questions, so the reply lists them with
their thread links) and waits for the bot's reply in its own sync, N times; beside the floor
of a bare nio echo bot on the same Synapse answering the same way (a notice in the thread).

Round trips alternate between the two, so load on the machine weighs on both alike. Both
bots run in this process with their own nio clients; the member is a third client.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import time
from pathlib import Path
from typing import Any

from nio import AsyncClient, AsyncClientConfig, RoomMessageText, SyncResponse

from bench.common import median, percentile, table
from tests.fakes import FakeClock
from tests.matrix.bot import Bot
from tests.matrix.people import Member
from tests.matrix.synapse import Registered, Synapse

COMMAND = "!cop questions open"
OPEN_QUESTIONS = 10


class EchoBot:
    """The floor: sync, and answer every `!echo` with a notice in its thread. Nothing else."""

    def __init__(self, synapse: Synapse, account: Registered) -> None:
        self.client = AsyncClient(synapse.url, account.user_id,
                                  config=AsyncClientConfig(encryption_enabled=False, store_sync_tokens=False))
        self.client.restore_login(account.user_id, account.device_id, account.access_token)
        self.task: asyncio.Task[None] | None = None

    async def run(self) -> None:
        since = None
        while True:
            response = await self.client.sync(timeout=30_000 if since else 0, since=since)
            if not isinstance(response, SyncResponse):
                continue
            for room_id in response.rooms.invite:
                await self.client.join(room_id)
            for room_id, info in response.rooms.join.items():
                for event in info.timeline.events:
                    if since and isinstance(event, RoomMessageText) and event.body.startswith("!echo"):
                        await self.client.room_send(room_id, "m.room.message", {
                            "msgtype": "m.notice", "body": "echo",
                            "m.relates_to": {"rel_type": "m.thread", "event_id": event.event_id,
                                             "is_falling_back": True,
                                             "m.in_reply_to": {"event_id": event.event_id}}})
            since = response.next_batch

    async def start(self) -> None:
        self.task = asyncio.create_task(self.run())

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
        await self.client.close()


async def round_trip(member: Member, room: str, bot: str, text: str) -> float:
    start = time.perf_counter()
    await member.command(room, text, bot)
    return (time.perf_counter() - start) * 1000


async def measure(folder: Path, count: int, warmup: int) -> list[tuple[Any, ...]]:
    synapse = Synapse(folder / "synapse")
    synapse.start()
    bot: Bot | None = None
    echo: EchoBot | None = None
    member: Member | None = None
    try:
        member = await Member(synapse, synapse.register("member"), folder / "member").start()
        echo_account = synapse.register("echo")
        synapse.limit_messages(echo_account.user_id, 0, 0)  # no rate limit, as for the bot below
        echo = EchoBot(synapse, echo_account)
        await echo.start()
        bot_account = synapse.register("bot")
        synapse.limit_messages(bot_account.user_id, 0, 0)
        bot = await Bot(synapse, bot_account, folder / "bot", FakeClock()).start()

        echo_room = await member.create_room(invite=(echo_account.user_id,))
        await member.wait_joined(echo_room, echo_account.user_id)
        bot_room = await member.create_room(invite=(bot.user_id,))
        await member.wait_joined(bot_room, bot.user_id)
        await member.command(bot_room, '!cop community setup "Bench Circle" round trips', bot.user_id)
        for number in range(OPEN_QUESTIONS):
            asked = await member.send(bot_room, f"? Bench question {number}: how do you pace a long day?")
            await member.reply_to(asked, bot.user_id)
        listing = await member.command(bot_room, COMMAND, bot.user_id)
        assert listing["body"].count("matrix.to") == OPEN_QUESTIONS, listing["body"]

        floor: list[float] = []
        ours: list[float] = []
        # Alternating, so a busy moment on the machine weighs on both alike.
        for index in range(warmup + count):
            echo_ms = await round_trip(member, echo_room, echo_account.user_id, "!echo")
            bot_ms = await round_trip(member, bot_room, bot.user_id, COMMAND)
            if index >= warmup:
                floor.append(echo_ms)
                ours.append(bot_ms)
    finally:
        for closing in (bot, echo, member):
            if closing is not None:
                await closing.stop() if not isinstance(closing, Member) else await closing.close()
        synapse.stop()
    rows = []
    for name, values in (("bare nio echo bot (floor)", floor), (f"carpool `{COMMAND}`", ours)):
        rows.append((name, len(values), median(values), percentile(values, 95)))
    rows.append(("ratio carpool / floor", "", median(ours) / median(floor),
                 percentile(ours, 95) / percentile(floor, 95)))
    return rows


async def main(count: int = 200, warmup: int = 10) -> None:
    with tempfile.TemporaryDirectory() as folder:
        rows = await measure(Path(folder), count, warmup)
    table(f"Matrix command round trip (issue 5): a member sends `{COMMAND}` ({OPEN_QUESTIONS} open questions) and "
          f"waits for the reply in its own sync, {count} times, on one local Synapse; milliseconds",
          ["who answers", "n", "p50 ms", "p95 ms"], rows)
