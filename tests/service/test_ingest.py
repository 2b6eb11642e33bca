"""Grouped ingest gives the same result as one message at a time, in arrival order."""

from __future__ import annotations

import asyncio

from core.questions.activity import ThreadMessage
from tests.fakes import FakeClock
from tests.world import World


async def scenario(world: World) -> list[ThreadMessage]:
    await world.community(members=["sam", "ana", "bo"])
    for index in range(3):
        await world.ok("sam", f"ask Question {index}?")
    await world.reply_in("ana", 3)  # question 3 is already answered
    world.clock.advance(minutes=5)

    def msg(who: str, number: int) -> ThreadMessage:
        return ThreadMessage("console", f"main:q{number}", world.actor(who), world.clock.now())

    return [
        msg("sam", 1), msg("bo", 1),  # the asker adds detail, then an answer
        msg("ana", 2), msg("sam", 2),  # an answer, then the asker's follow-up: the follow-up clock runs
        msg("sam", 3), msg("lena", 3),  # a follow-up, then a leader replies: no clock
    ]


async def state(world: World) -> list[tuple[object, ...]]:
    return [tuple(r) for r in await world.sql(
        "SELECT number, status, first_response_by IS NOT NULL, first_leader_by IS NOT NULL, "
        "follow_up_at IS NOT NULL FROM questions ORDER BY number")] + [
        tuple(r) for r in await world.sql("SELECT kind, subject FROM timers WHERE state = 'pending' ORDER BY subject")]


async def test_grouped_ingest_matches_one_at_a_time(world: World, engine, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    messages = await scenario(world)
    await asyncio.gather(*(world.app.ingest.submit(m) for m in messages))
    grouped = await state(world)
    assert grouped[:3] == [(1, "answered", True, False, False), (2, "answered", True, False, True),
                           (3, "answered", True, True, False)]
    assert ("question.followup", "q:2") in grouped
    assert not any(t == ("question.ladder", "q:1") for t in grouped)


async def test_one_at_a_time_gives_the_same_state(world: World) -> None:
    messages = await scenario(world)
    for message in messages:
        await world.app.ingest.submit(message)
    assert (await state(world))[:3] == [(1, "answered", True, False, False), (2, "answered", True, False, True),
                                        (3, "answered", True, True, False)]


async def test_messages_in_threads_without_a_question_are_ignored(world: World) -> None:
    await world.community(members=["sam"])
    before = await world.counts()
    await world.app.ingest.submit(ThreadMessage("console", "main:q99", world.actor("sam"), world.clock.now()))
    assert await world.counts() == before
