"""The Matrix bot under stress: restarts, backlog, a homeserver outage, rate limits, bad input,
bots, secrets. Against a real Synapse."""

from __future__ import annotations

import logging
from datetime import timedelta
from urllib.parse import quote

import pytest
from sqlalchemy import text

from core.effects import DirectMessage, HomePost
from core.refs import AccountRef, HomeRef
from storage.engine import make_engine
from tests.fakes import FakeClock
from tests.matrix.bot import Bot
from tests.matrix.conftest import MakeBot, People
from tests.matrix.people import Member, in_reply_to
from tests.matrix.synapse import Synapse
from tests.matrix.test_journeys import community, room_with_bot

pytestmark = pytest.mark.slow


def answers_to(member: Member, event_id: str, bot: Bot) -> int:
    return len(member.seen(lambda e: e.get("sender") == bot.user_id and in_reply_to(e) == event_id))


async def test_after_a_restart_missed_commands_are_answered_once_and_old_ones_not_replayed(
        make_bot: MakeBot, people: People) -> None:
    bot = await make_bot()
    lena = await people("lena")
    room = await room_with_bot(lena, bot)
    await community(room, lena, bot)
    before = await lena.send(room, "!cop community info")
    await lena.reply_to(before, bot.user_id)

    await bot.stop()
    missed = [await lena.send(room, "!cop members"), await lena.send(room, "!cop rules")]
    await bot.start()
    for event_id in missed:
        await lena.reply_to(event_id, bot.user_id, "an answer to a command sent while the bot was down")
    last = await lena.send(room, "!cop community info")
    await lena.reply_to(last, bot.user_id)
    assert [answers_to(lena, e, bot) for e in (before, *missed, last)] == [1, 1, 1, 1]


async def test_many_missed_commands_beyond_one_sync_are_all_answered_once(make_bot: MakeBot,
                                                                          people: People) -> None:
    bot = await make_bot(timeline_limit=3)
    lena = await people("lena")
    room = await room_with_bot(lena, bot)
    await community(room, lena, bot)
    await bot.stop()
    missed = [await lena.send(room, f"!cop help {topic}") for topic in ("join", "leave", "rules", "members",
                                                                         "link", "role grant", "community info")]
    await bot.start()
    await lena.reply_to(missed[-1], bot.user_id)
    last = await lena.send(room, "!cop community info")
    await lena.reply_to(last, bot.user_id)
    assert [answers_to(lena, e, bot) for e in missed] == [1] * len(missed)


async def test_messages_from_before_the_bot_joined_or_first_started_are_not_commands(
        synapse: Synapse, make_bot: MakeBot, people: People) -> None:
    bot = await make_bot()
    lena = await people("lena")
    room = await lena.create_room()
    old = await lena.send(room, "!cop help")
    await lena.client.room_invite(room, bot.user_id)
    await lena.wait_joined(room, bot.user_id)
    now = await lena.send(room, "!cop help")
    await lena.reply_to(now, bot.user_id)
    assert answers_to(lena, old, bot) == 0

    # A bot account already in a room, started for the very first time: the backlog is skipped.
    fresh = synapse.register("bot")
    other_room = await lena.create_room(invite=(fresh.user_id,))
    synapse.request("POST", f"/_matrix/client/v3/join/{quote(other_room)}", {}, token=fresh.access_token)
    backlog = await lena.send(other_room, "!cop help")
    second = Bot(synapse, fresh, bot.folder.parent / "fresh", bot.clock)
    await second.start()
    try:
        answered = await lena.send(other_room, "!cop help")
        await lena.reply_to(answered, fresh.user_id)
        assert answers_to(lena, backlog, second) == 0
    finally:
        await second.stop()


async def test_an_outbox_delivery_waits_out_a_homeserver_outage_and_arrives_once(
        synapse: Synapse, make_bot: MakeBot, people: People, clock: FakeClock) -> None:
    bot = await make_bot(dispatch=False)
    lena = await people("lena")
    room = await room_with_bot(lena, bot)
    await community(room, lena, bot)
    await bot.deliver()
    post = HomePost(HomeRef("matrix", room), "Reminder: the expert session starts in **1 hour**.")
    assert bot.app is not None and bot.platform is not None

    synapse.stop()
    try:
        async with bot.app.uow() as uow:
            await uow.outbox.add(post, key="post:outage-test")
            await uow.commit()
        assert await bot.deliver() == 0
        rows = await bot.sql("SELECT state, attempts, last_error FROM outbox WHERE key = 'post:outage-test'")
        assert rows[0][0] == "pending" and rows[0][1] == 1 and "homeserver unreachable" in rows[0][2]
    finally:
        synapse.start()
    assert await bot.deliver() == 0  # not yet due again: the outbox backs off
    clock.advance(timedelta(minutes=1))
    assert await bot.deliver() == 1
    reminder = await lena.wait_for(lambda e: "expert session starts" in e.get("content", {}).get("body", ""),
                                   "the reminder")
    assert "<strong>1 hour</strong>" in reminder["content"]["formatted_body"]
    assert reminder["content"]["msgtype"] == "m.text"  # a real message that notifies, not a notice

    # A second delivery with the same key (a crash before it was recorded) is the same transaction.
    await bot.platform.deliver(post, "post:outage-test")
    last = await lena.send(room, "!cop community info")
    await lena.reply_to(last, bot.user_id)
    assert len(lena.seen(lambda e: "expert session starts" in e.get("content", {}).get("body", ""))) == 1


async def test_a_rate_limited_bot_waits_and_still_delivers_everything_once(
        synapse: Synapse, make_bot: MakeBot, people: People, caplog: pytest.LogCaptureFixture) -> None:
    bot = await make_bot(dispatch=False)
    lena = await people("lena")
    room = await room_with_bot(lena, bot)
    synapse.limit_messages(bot.user_id, per_second=4, burst=1)
    assert bot.app is not None
    async with bot.app.uow() as uow:
        for number in range(4):
            await uow.outbox.add(HomePost(HomeRef("matrix", room), f"announcement {number}"), key=f"post:rl{number}")
        await uow.commit()
    with caplog.at_level(logging.INFO, logger="bots.matrix.calls"):
        assert await bot.deliver() == 4
    assert any("rate limited; waiting" in r.getMessage() for r in caplog.records)
    await lena.wait_for(lambda e: e.get("content", {}).get("body") == "announcement 3", "the last announcement")
    bodies = [e["content"]["body"] for e in lena.seen(lambda e: e.get("sender") == bot.user_id
                                                       and "announcement" in e.get("content", {}).get("body", ""))]
    assert bodies == [f"announcement {n}" for n in range(4)]


async def test_bad_input_gets_a_clear_answer_and_bots_are_ignored(synapse: Synapse, make_bot: MakeBot,
                                                                   people: People) -> None:
    helper = synapse.register("helperbot")
    bot = await make_bot(bot_users=["@helperbot-*:localhost"])
    lena, sam = await people("lena"), await people("sam")
    room = await room_with_bot(lena, bot, invite=(sam.user_id, helper.user_id))
    await sam.join(room)
    synapse.request("POST", f"/_matrix/client/v3/join/{quote(room)}", {}, token=helper.access_token)
    await community(room, lena, bot)

    unknown = await sam.command(room, "!cop frobnicate now", bot.user_id)
    assert unknown["body"] == "I don't know the command `frobnicate`. Type `!cop help` for the list."
    near = await sam.command(room, "!cop memebrs", bot.user_id)
    assert "Did you mean `!cop members`?" in near["body"]
    bare = await sam.command(room, "!cop", bot.user_id)
    assert "Type `!cop help` to see what I can do." in bare["body"]
    missing = await lena.command(room, "!cop role grant", bot.user_id)
    assert missing["body"].startswith("Missing member. Usage: `!cop role grant <member> <leader|moderator")
    wrong_role = await sam.command(room, "!cop rules add Be kind", bot.user_id)
    assert wrong_role["body"] == "Only a leader of this community can change its rules."

    huge = "!cop rules add " + "spoons " * 9000  # ≈ 63 KB: about the largest event Synapse accepts
    too_long = await lena.command(room, huge, bot.user_id)
    assert "That command is too long (63,0" in too_long["body"] and "the limit is 20,000" in too_long["body"]
    assert len(too_long["body"]) < 200  # the text is not echoed back
    hostile = await lena.command(room, '!cop community config charter <img src=x onerror=alert(1)> **hi**',
                                 bot.user_id)
    assert "<img" not in hostile["formatted_body"] and "&lt;img" in hostile["formatted_body"]

    # Ignored: the bot's own account (another device of it), a listed bot, a notice, an edit.
    own_device = synapse.login_as(bot.user_id)
    ignored = [
        synapse.send_raw(own_device, room, {"msgtype": "m.text", "body": "!cop help"}),
        synapse.send_raw(helper.access_token, room, {"msgtype": "m.text", "body": "!cop help"}),
        await sam.send(room, "", content={"msgtype": "m.notice", "body": "!cop help"}),
        await sam.send(room, "", content={
            "msgtype": "m.text", "body": "* !cop help", "m.new_content": {"msgtype": "m.text", "body": "!cop help"},
            "m.relates_to": {"rel_type": "m.replace", "event_id": unknown["m.relates_to"]["event_id"]}}),
        await sam.send(room, "!copy that, nothing for the bot"),
    ]
    last = await sam.command(room, "!cop community info", bot.user_id)
    assert "Pacing Circle" in last["body"]
    assert [answers_to(sam, e, bot) for e in ignored] == [0] * len(ignored)
    assert not sam.seen(lambda e: "Bots can't use" in e.get("content", {}).get("body", ""))


async def test_a_code_is_sent_in_a_direct_room_created_once(synapse: Synapse, bot: Bot, people: People) -> None:
    lena, sam = await people("lena"), await people("sam")
    room = await room_with_bot(lena, bot, invite=(sam.user_id,))
    await sam.join(room)
    await community(room, lena, bot, (sam,))

    said = await sam.command(room, "!cop link", bot.user_id)
    assert said["body"] == "I sent you a direct message with that (it holds a code only you should use)."
    direct, invite = await sam.wait_invite()
    assert invite["content"].get("is_direct") is True
    await sam.join(direct)
    code = await sam.wait_for(lambda e: e.get("room_id") == direct and "`!cop link " in e["content"].get("body", ""),
                              "the code in the direct room")
    assert code["content"]["body"] not in [e["content"].get("body") for e in sam.events
                                           if e.get("room_id") == room and "content" in e]
    assert direct in sam.client.rooms and sam.client.rooms[direct].encrypted

    # The bot remembers the direct room (m.direct) and uses it again.
    marked = synapse.request("GET", f"/_matrix/client/v3/user/{quote(bot.user_id)}/account_data/m.direct",
                             token=bot.account.access_token)
    assert marked == {sam.user_id: [direct]}
    await sam.command(room, "!cop link", bot.user_id)
    await sam.wait_for(lambda e: e.get("room_id") == direct and e is not code
                       and "`!cop link " in e["content"].get("body", ""), "a second code, same room")
    assert not sam.invites

    # A direct message sent by the outbox goes to the same room; the same key is sent once.
    assert bot.platform is not None
    nudge = DirectMessage(AccountRef("matrix", sam.user_id), "You have **1** question waiting.")
    await bot.platform.deliver(nudge, "dm:nudge-1")
    await bot.platform.deliver(nudge, "dm:nudge-1")
    await bot.platform.deliver(DirectMessage(AccountRef("matrix", sam.user_id), "done"), "dm:nudge-2")
    await sam.wait_for(lambda e: e.get("room_id") == direct and e["content"].get("body") == "done", "the last DM")
    assert len(sam.seen(lambda e: e.get("room_id") == direct
                        and e["content"].get("body") == "You have 1 question waiting.")) == 1
    assert not sam.invites


async def test_a_command_in_the_direct_room_is_answered_there(bot: Bot, people: People) -> None:
    sam = await people("sam")
    direct = await sam.create_room(invite=(bot.user_id,), direct=True)
    await sam.wait_joined(direct, bot.user_id)
    asked = await sam.send(direct, "!cop link")
    reply = await sam.reply_to(asked, bot.user_id)
    assert "send `!cop link " in reply["content"]["body"]  # the code itself: this room is private
    assert "rel_type" not in reply["content"]["m.relates_to"]  # a plain reply, no thread


async def test_a_direct_message_to_someone_unreachable_becomes_a_mention_at_home(bot: Bot, people: People) -> None:
    lena = await people("lena")
    room = await room_with_bot(lena, bot)
    assert bot.platform is not None
    nobody = AccountRef("matrix", "@nobody-here:localhost")
    await bot.platform.deliver(DirectMessage(nobody, "Your question has an answer.", fallback=HomeRef("matrix", room)),
                               "dm:unreachable")
    post = await lena.wait_for(lambda e: e.get("room_id") == room and "Your question has an answer."
                               in e.get("content", {}).get("body", ""), "the fallback mention")
    assert post["content"]["m.mentions"] == {"user_ids": [nobody.user_id]}
    assert 'href="https://matrix.to/#/@nobody-here:localhost"' in post["content"]["formatted_body"]


async def test_invites_from_servers_that_are_not_allowed_are_declined(make_bot: MakeBot, people: People) -> None:
    bot = await make_bot(allowed_servers=["carpool.example.org"])
    lena = await people("lena")
    room = await lena.create_room(invite=(bot.user_id,))
    await lena.wait_for(lambda e: e.get("room_id") == room and e.get("type") == "m.room.member"
                        and e.get("state_key") == bot.user_id and e["content"].get("membership") == "leave",
                        "the bot to decline")


async def test_permalinks_point_at_the_event_through_the_servers_that_know_the_room(bot: Bot,
                                                                                     people: People) -> None:
    lena = await people("lena")
    room = await room_with_bot(lena, bot)
    question = await lena.send(room, "? How do you pace yourself")
    assert bot.platform is not None
    link = bot.platform.permalink(room, question)
    assert link.startswith("https://matrix.to/#/%21") and link.endswith("?via=localhost")
    assert quote(question, safe="") in link


async def test_events_seen_again_after_a_crash_do_not_run_or_answer_twice(make_bot: MakeBot, people: People) -> None:
    bot = await make_bot()
    lena = await people("lena")
    room = await room_with_bot(lena, bot)
    await community(room, lena, bot)
    # Where the bot had got to before the next two commands.
    [(token,)] = await bot.sql("SELECT value FROM matrix_state WHERE key = 'sync_token'")
    changes = await lena.send(room, "!cop rules add Be kind and cite sources")
    reads = await lena.send(room, "!cop rules")
    await lena.reply_to(reads, bot.user_id)
    await bot.stop()

    # As if it had crashed after handling them but before storing its sync position.
    engine = make_engine(bot.settings().database_url.get_secret_value())
    async with engine.begin() as connection:
        await connection.execute(text("UPDATE matrix_state SET value = :t WHERE key = 'sync_token'"), {"t": token})
    await engine.dispose()
    await bot.start()
    last = await lena.send(room, "!cop community info")
    await lena.reply_to(last, bot.user_id)
    assert [answers_to(lena, e, bot) for e in (changes, reads)] == [1, 1]
    assert (await bot.sql("SELECT count(*) FROM rules"))[0][0] == 1
