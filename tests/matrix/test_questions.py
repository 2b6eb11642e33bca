"""Questions on Matrix, against a real Synapse: `!cop ask` and `?` thread roots, answers in the
thread, and leaders nudged by direct message when a question waits past the response time.

The in-process bot's core runs on a FakeClock: a test moves it past the SLA and runs the
sweeper once (what the runtime's scheduler does); the outbox dispatcher delivers as it runs.
The last test runs `carpool run` as a process, on real time, to show the runtime's sweeper
wakes up at the SLA rather than at its next interval.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

import pytest

from tests.fakes import FakeClock
from tests.matrix.bot import Bot
from tests.matrix.conftest import MakeBot, People
from tests.matrix.people import Event, Member
from tests.matrix.process import Process, bot_environment
from tests.matrix.synapse import Synapse
from tests.matrix.test_journeys import community, room_with_bot

pytestmark = pytest.mark.slow


def body(event: Event) -> str:
    return str(event.get("content", {}).get("body", ""))


def thread_of(event: Event) -> str | None:
    relates = event.get("content", {}).get("m.relates_to") or {}
    return relates.get("event_id") if relates.get("rel_type") == "m.thread" else None


def link_to(room: str, event_id: str) -> str:
    return f"https://matrix.to/#/{quote(room, safe='')}/{quote(event_id, safe='')}?via=localhost"


async def question_root(member: Member, bot: str, room: str, text: str) -> Event:
    """The message the bot posts for `!cop ask`: a new message in the room, not in a thread."""
    return await member.wait_for(lambda e: e.get("sender") == bot and e.get("room_id") == room
                                 and text in body(e) and thread_of(e) is None, "the question's thread root")


async def direct_room(member: Member) -> str:
    """The direct room the bot opened with `member` (it invites them), joined."""
    room, invite = await member.wait_invite()
    assert invite["content"].get("is_direct") is True
    await member.join(room)
    return room


def nudges(member: Member, bot: str) -> list[Event]:
    return member.seen(lambda e: e.get("sender") == bot and "needs you" in body(e))


async def circle(bot: Bot, people: People, *, encrypted: bool = False, names: tuple[str, ...] = ("sam",)
                 ) -> tuple[str, Member, list[Member]]:
    """A community in a new room: lena leads (she made the room), the others joined it."""
    lena = await people("lena")
    others = [await people(name) for name in names]
    room = await room_with_bot(lena, bot, encrypted=encrypted, invite=tuple(m.user_id for m in others))
    for member in others:
        await member.join(room)
    await community(room, lena, bot, tuple(others))
    return room, lena, others


async def ask_both_ways(room: str, sam: Member, bot: Bot) -> tuple[str, str]:
    """sam asks once with `!cop ask` and once with a `?` message; returns both thread roots."""
    await sam.send(room, "!cop ask How do you pace yourself on work days?")
    root = await question_root(sam, bot.user_id, room, "How do you pace yourself on work days?")
    content = root["content"]
    assert "Question #1" in content["body"] and content["msgtype"] == "m.text"
    assert content["m.mentions"] == {"user_ids": [sam.user_id]}  # the asker is mentioned (and notified)
    assert f'href="https://matrix.to/#/{sam.user_id}"' in content["formatted_body"]
    own = await sam.send(room, "? Does anyone use a heart-rate monitor?")
    thanks = await sam.reply_to(own, bot.user_id, "the bot's answer in the new thread")
    assert thread_of(thanks) == own
    assert body(thanks) == "Thanks — this is question #2. Leaders aim to answer within 24 h."
    return root["event_id"], own


async def test_asked_both_ways_answered_in_the_thread_and_solved_there(bot: Bot, people: People) -> None:
    room, lena, [sam] = await circle(bot, people)
    first, second = await ask_both_ways(room, sam, bot)

    # lena answers the first in its thread; on the second only sam writes again (not an answer).
    await lena.send(room, "A 20-minute rule: stop before you feel tired.", thread=first)
    await sam.send(room, "Still wondering about this one", thread=second)
    listing = await sam.command(room, "!cop questions all", bot.user_id)
    assert "#1 · answered" in listing["body"] and "#2 · open" in listing["body"]
    for root in (first, second):  # links to each thread, resolvable through the bot's server
        assert link_to(room, root) in listing["formatted_body"]
    ladders = await bot.sql("SELECT subject FROM timers WHERE kind = 'question.ladder' AND state = 'pending'")
    assert ladders == [("q:2",)]  # the answer stopped the first question's clock, not the second's

    # A command inside a question's thread is about that question.
    solved = await sam.command(room, "!cop solved", bot.user_id, thread=second)
    assert solved["body"].startswith("Question #2 is solved.")
    assert solved["m.relates_to"]["event_id"] == second
    again = await lena.command(room, "!cop solved", bot.user_id, thread=second)
    assert again["body"] == "Question #2 is already resolved."
    assert (await bot.sql("SELECT number, status FROM questions ORDER BY number")) == [(1, "answered"),
                                                                                      (2, "resolved")]


async def test_an_unanswered_question_nudges_the_leader_once_in_a_direct_room(bot: Bot, people: People,
                                                                               clock: FakeClock) -> None:
    room, lena, [sam] = await circle(bot, people)
    asked = await sam.send(room, "? Is it normal to crash two days after a busy day?")
    await sam.reply_to(asked, bot.user_id)
    # The question waited under the default SLA; a new SLA applies to it at once.
    changed = await lena.command(room, "!cop community config sla 3s", bot.user_id)
    assert changed["body"] == "`sla` is now 3s."
    assert bot.app is not None
    assert await bot.app.sweeper.run_once() == 0  # not due yet
    clock.advance(seconds=3)
    assert await bot.app.sweeper.run_once() == 2  # the rung, then lena's digest

    direct = await direct_room(lena)
    nudge = await lena.wait_for(lambda e: e.get("room_id") == direct and "needs you" in body(e), "the nudge")
    text = body(nudge)
    assert text.startswith("Pacing Circle needs you:\n1 question(s) waiting longer than the 3 s response time")
    assert "#1 (3 s): “Is it normal to crash two days after a busy day?”" in text
    assert link_to(room, asked) in nudge["content"]["formatted_body"]  # matrix.to link to the thread
    assert "→ Snooze #1 4h: `!cop questions snooze 1 4h in:1`" in text
    assert f"→ Open #1 ({link_to(room, asked)})" in text

    # Sweeping again (the next rung is not due) sends nothing more; the hint works in the DM.
    clock.advance(seconds=2)
    assert await bot.app.sweeper.run_once() == 0
    snoozed = await lena.command(direct, "!cop questions snooze 1 4h in:1", bot.user_id)
    assert snoozed["body"] == "No nudges about question #1 for 4h."
    assert len(nudges(lena, bot.user_id)) == 1
    assert (await bot.sql("SELECT count(*) FROM outbox WHERE kind = 'dm'"))[0][0] == 1


async def test_an_away_leader_is_skipped_and_the_co_leader_is_nudged(bot: Bot, people: People,
                                                                     clock: FakeClock) -> None:
    room, lena, [ana, sam] = await circle(bot, people, names=("ana", "sam"))
    await lena.command(room, f"!cop role grant {ana.user_id} leader", bot.user_id)
    away = await lena.command(room, "!cop leader away 1w", bot.user_id)
    assert "away" in away["body"]
    await lena.command(room, "!cop community config sla 3s", bot.user_id)
    asked = await sam.send(room, "? Who covers while Lena is away?")
    await sam.reply_to(asked, bot.user_id)
    clock.advance(seconds=4)
    assert bot.app is not None
    await bot.app.sweeper.run_once()

    direct = await direct_room(ana)
    nudge = await ana.wait_for(lambda e: e.get("room_id") == direct and "needs you" in body(e), "ana's nudge")
    assert "Who covers while Lena is away?" in body(nudge)
    dms = await bot.sql("SELECT payload FROM outbox WHERE kind = 'dm'")
    assert len(dms) == 1 and ana.user_id in dms[0][0] and lena.user_id not in dms[0][0]
    await lena.sync(0)
    assert lena.invites == [] and nudges(lena, bot.user_id) == []


async def test_the_question_journey_in_an_encrypted_room(bot: Bot, people: People, clock: FakeClock) -> None:
    room, lena, [sam] = await circle(bot, people, encrypted=True)
    first, second = await ask_both_ways(room, sam, bot)
    await lena.send(room, "Pacing apps help some of us.", thread=second)
    await lena.command(room, "!cop community config sla 3s", bot.user_id)
    clock.advance(seconds=3)
    assert bot.app is not None
    await bot.app.sweeper.run_once()
    direct = await direct_room(lena)
    nudge = await lena.wait_for(lambda e: e.get("room_id") == direct and "needs you" in body(e), "the nudge")
    assert "How do you pace yourself on work days?" in body(nudge)
    assert "heart-rate monitor" not in body(nudge)  # answered in its thread: not waiting
    assert link_to(room, first) in nudge["content"]["formatted_body"]
    assert lena.undecrypted == 0 and sam.undecrypted == 0
    assert lena.client.rooms[direct].encrypted


async def test_the_running_bot_nudges_at_the_sla_not_at_its_next_sweep_interval(
        synapse: Synapse, people: People, tmp_path: Path) -> None:
    account = synapse.register("bot", password="correct horse battery staple")
    env = bot_environment(synapse, account, tmp_path)
    env["CARPOOL_SWEEP_SECONDS"] = "600"  # the interval sweep runs at start, then not within this test
    process = Process(["run", "--platform", "matrix"], env, tmp_path / "run.log")
    try:
        lena, sam = await people("lena"), await people("sam")
        room = await lena.create_room(invite=(account.user_id, sam.user_id), users={account.user_id: 100})
        await lena.wait_joined(room, account.user_id)
        await sam.join(room)
        await lena.command(room, '!cop community setup "Pacing Circle"', account.user_id)
        await sam.command(room, "!cop join accept", account.user_id)
        await lena.command(room, "!cop community config sla 3s", account.user_id)
        asked = await sam.send(room, "? Does anyone else get worse after a hot shower?")
        await sam.reply_to(asked, account.user_id)

        # Only the early wake-up at the question's due time can send it before the wait ends.
        direct = await direct_room(lena)
        nudge = await lena.wait_for(lambda e: e.get("room_id") == direct and "needs you" in body(e), "the nudge")
        assert "hot shower" in body(nudge)
        question = next(e for e in sam.events if e.get("event_id") == asked)
        assert nudge["origin_server_ts"] - question["origin_server_ts"] >= 3000  # not before the SLA
    finally:
        assert process.stop() == 0, (tmp_path / "run.log").read_text()[-2000:]


async def test_question_marks_that_are_not_questions_and_bad_questions(bot: Bot, people: People) -> None:
    lena, sam, ana = await people("lena"), await people("sam"), await people("ana")
    elsewhere = await room_with_bot(lena, bot)
    ignored = [await lena.send(elsewhere, "? Not a community room, so not a question")]
    room = await room_with_bot(lena, bot, invite=(sam.user_id, ana.user_id))
    await sam.join(room)
    await ana.join(room)
    await community(room, lena, bot, (sam,))
    ignored += [await sam.send(room, "?!"), await sam.send(room, "Is this one? No: no question mark first")]

    stranger = await ana.send(room, "? Can I ask before joining?")
    refused = await ana.reply_to(stranger, bot.user_id)
    assert body(refused) == "You need to join Pacing Circle first: type `!cop join`."
    huge = await sam.send(room, "? " + "why " * 2000)
    too_long = await sam.reply_to(huge, bot.user_id)
    assert body(too_long) == "The question can be at most 1,800 characters (yours has 7,999)."
    asked = await sam.send(room, "? A real one")
    await sam.reply_to(asked, bot.user_id)
    # Notices (what bots send) in the thread are not answers.
    await lena.send(room, "", thread=asked, content={"msgtype": "m.notice", "body": "automated reply"})

    listing = await sam.command(room, "!cop questions all", bot.user_id)
    assert "#1 · open" in listing["body"] and "#2" not in listing["body"]
    for event_id in ignored:
        assert not lena.seen(lambda e, event_id=event_id: e.get("sender") == bot.user_id
                             and thread_of(e) == event_id)
    assert (await bot.sql("SELECT count(*) FROM questions"))[0][0] == 1


async def test_an_answer_written_while_the_bot_was_down_counts_once_it_is_back(
        make_bot: MakeBot, people: People, clock: FakeClock) -> None:
    bot = await make_bot()
    room, lena, [sam] = await circle(bot, people)
    asked = await sam.send(room, "? Does rest on weekends help?")
    await sam.reply_to(asked, bot.user_id)
    await bot.stop()
    await lena.send(room, "It does for me.", thread=asked)
    clock.advance(hours=30)  # the first rung is due by now
    await bot.start()
    listing = await sam.command(room, "!cop questions all", bot.user_id)
    assert "#1 · answered" in listing["body"]
    assert bot.app is not None
    await bot.app.sweeper.run_once()
    assert await bot.sql("SELECT count(*) FROM outbox WHERE kind = 'dm'") == [(0,)]  # the answer stopped the clock
    assert await bot.sql("SELECT count(*) FROM timers WHERE kind = 'question.ladder'") == [(0,)]
    [(responder,)] = await bot.sql("SELECT a.user_id FROM questions q JOIN accounts a "
                                   "ON a.person_id = q.first_response_by")
    assert responder == lena.user_id


async def test_a_nudge_due_while_the_homeserver_is_down_arrives_once_when_it_is_back(
        synapse: Synapse, make_bot: MakeBot, people: People, clock: FakeClock) -> None:
    bot = await make_bot(dispatch=False)
    room, lena, [sam] = await circle(bot, people)
    asked = await sam.send(room, "? Anyone tried a cooling vest?")
    await sam.reply_to(asked, bot.user_id)
    await lena.command(room, "!cop community config sla 3s", bot.user_id)
    await bot.deliver()
    clock.advance(seconds=4)
    assert bot.app is not None
    synapse.stop()
    try:
        assert await bot.app.sweeper.run_once() == 2  # written to the outbox; Synapse is not needed
        assert await bot.deliver() == 0
        [(state, error)] = await bot.sql("SELECT state, last_error FROM outbox WHERE kind = 'dm'")
        assert state == "pending" and "unreachable" in error
    finally:
        synapse.start()
    clock.advance(minutes=1)
    assert await bot.deliver() == 1
    direct = await direct_room(lena)
    await lena.wait_for(lambda e: e.get("room_id") == direct and "cooling vest" in body(e), "the nudge")
    assert await bot.deliver() == 0
    done = await lena.command(direct, "!cop questions open in:1", bot.user_id)
    assert "#1 · waiting past the SLA" in done["body"]
    assert len(nudges(lena, bot.user_id)) == 1
