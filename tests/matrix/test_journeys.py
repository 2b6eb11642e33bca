"""A community on Matrix as its people live it: set up in a room, join, leaders' power levels,
the same in an encrypted room, and a space as a home. Against a real Synapse."""

from __future__ import annotations

import pytest

from tests.matrix.bot import Bot
from tests.matrix.conftest import People
from tests.matrix.people import Member

pytestmark = pytest.mark.slow


async def room_with_bot(owner: Member, bot: Bot, *, encrypted: bool = False, bot_power: int = 100,
                        invite: tuple[str, ...] = ()) -> str:
    """A room `owner` created (and so has unlimited power in), the bot joined with `bot_power`."""
    room = await owner.create_room(invite=(bot.user_id, *invite), encrypted=encrypted,
                                   users={bot.user_id: bot_power} if bot_power else None)
    await owner.wait_joined(room, bot.user_id)
    return room


async def test_setup_join_and_accept_in_a_room(bot: Bot, people: People) -> None:
    lena, sam = await people("lena"), await people("sam")
    room = await room_with_bot(lena, bot, invite=(sam.user_id,))
    await sam.join(room)

    setup_id = await lena.send(room, '!cop community setup "Pacing Circle" living with ME/CFS')
    answer = await lena.reply_to(setup_id, bot.user_id)
    content = answer["content"]
    assert "Pacing Circle is set up here, and you are its first leader." in content["body"]
    assert "<strong>Pacing Circle</strong>" in content["formatted_body"]
    assert content["format"] == "org.matrix.custom.html"
    assert content["msgtype"] == "m.notice"
    relation = content["m.relates_to"]
    assert relation["rel_type"] == "m.thread" and relation["event_id"] == setup_id  # a thread under the command
    assert "`!cop rules add <text>`" in content["body"]  # commands shown with the Matrix prefix

    join = await sam.command(room, "!cop join", bot.user_id)
    assert "To accept the rules and join, type `!cop join accept`" in join["body"]
    assert "→ Accept the rules and join: `!cop join accept`" in join["body"]
    accepted = await sam.command(room, "!cop join accept", bot.user_id)
    assert "Welcome to Pacing Circle!" in accepted["body"]
    info = await sam.command(room, "!cop community info", bot.user_id)
    assert "Members: 2" in info["body"] and "Homes: matrix" in info["body"]

    # A command typed inside the thread is answered in that same thread.
    in_thread = await sam.command(room, "!cop members", bot.user_id, thread=setup_id)
    assert in_thread["m.relates_to"]["event_id"] == setup_id
    assert "lena" in in_thread["body"] and "sam" in in_thread["body"]
