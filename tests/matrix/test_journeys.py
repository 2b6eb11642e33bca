"""A community on Matrix as its people live it: set up in a room, join, leaders' power levels,
the same in an encrypted room, and a space as a home. Against a real Synapse."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.matrix.bot import Bot
from tests.matrix.conftest import MakeBot, People
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


async def community(room: str, leader: Member, bot: Bot, members: tuple[Member, ...] = (),
                    name: str = "Pacing Circle") -> None:
    reply = await leader.command(room, f'!cop community setup "{name}" living with ME/CFS', bot.user_id)
    assert "is set up here" in reply["body"], reply["body"]
    for member in members:
        reply = await member.command(room, "!cop join accept", bot.user_id)
        assert "Welcome" in reply["body"], reply["body"]


async def test_a_new_leader_gets_power_level_50_and_loses_it_when_revoked(bot: Bot, people: People) -> None:
    lena, sam = await people("lena"), await people("sam")
    room = await room_with_bot(lena, bot, invite=(sam.user_id,))
    await sam.join(room)
    await community(room, lena, bot, (sam,))

    granted = await lena.command(room, f"!cop role grant {sam.user_id} leader", bot.user_id)
    assert "is now leader" in granted["body"]
    await lena.wait_for(lambda e: e.get("type") == "m.room.power_levels"
                        and e["content"].get("users", {}).get(sam.user_id) == 50, "sam's power level 50")
    levels = await lena.power_levels(room)
    assert levels["users"][sam.user_id] == 50
    assert levels["users"][bot.user_id] == 100  # nothing else in the event was lost

    revoked = await lena.command(room, f"!cop role revoke {sam.user_id} leader", bot.user_id)
    assert "is no longer leader" in revoked["body"]
    await lena.wait_for(lambda e: e.get("type") == "m.room.power_levels"
                        and sam.user_id not in e["content"].get("users", {}), "sam's power level removed")
    assert (await bot.sql("SELECT count(*) FROM outbox WHERE state = 'failed'"))[0][0] == 0


async def test_without_power_the_bot_says_so_plainly(make_bot: MakeBot, people: People) -> None:
    bot = await make_bot(dispatch=False)
    lena, sam = await people("lena"), await people("sam")
    room = await room_with_bot(lena, bot, bot_power=0, invite=(sam.user_id,))
    await sam.join(room)
    await community(room, lena, bot, (sam,))
    await bot.deliver()  # lena created the room: unlimited power, nothing to set

    await lena.command(room, f"!cop role grant {sam.user_id} leader", bot.user_id)
    assert await bot.deliver() == 0
    notice = await lena.wait_for(lambda e: e.get("sender") == bot.user_id
                                 and "couldn't give their power level 50" in e["content"].get("body", ""),
                                 "the bot saying it lacks power")
    body = notice["content"]["body"]
    assert "changing power levels here needs power level 100 and I have 0" in body
    assert "A room admin can raise my power level" in body
    assert notice["content"]["m.mentions"] == {"user_ids": [sam.user_id]}
    roles = await bot.sql("SELECT state, last_error FROM outbox WHERE kind = 'role' ORDER BY id")
    # lena's leadership needed no change (v12 room creators have unlimited power); sam's
    # failed permanently, with the reason, instead of being retried for ever.
    assert [row[0] for row in roles] == ["delivered", "failed"]
    assert "needs power level 100 and I have 0" in roles[1][1]
    levels = await lena.power_levels(room)
    assert sam.user_id not in levels.get("users", {})

    # Once an admin gives the bot the power it lacked, leaders get theirs without asking again.
    levels["users"][bot.user_id] = 100
    await lena.put_state(room, "m.room.power_levels", levels)
    await lena.wait_for(lambda e: e.get("type") == "m.room.power_levels"
                        and e["content"].get("users", {}).get(sam.user_id) == 50, "sam's power level 50")
    thanks = await lena.wait_for(lambda e: e.get("sender") == bot.user_id
                                 and e["content"].get("body", "").startswith("Thank you"), "the bot's thanks")
    assert "now has the power level of a leader of Pacing Circle here" in thanks["content"]["body"]


async def test_the_same_journey_in_an_encrypted_room(bot: Bot, people: People) -> None:
    lena, sam = await people("lena"), await people("sam")
    room = await room_with_bot(lena, bot, encrypted=True, invite=(sam.user_id,))
    await sam.join(room)
    await community(room, lena, bot, (sam,))
    info = await sam.command(room, "!cop community info", bot.user_id)
    assert "Members: 2" in info["body"]
    await lena.command(room, f"!cop role grant {sam.user_id} leader", bot.user_id)
    await lena.wait_for(lambda e: e.get("type") == "m.room.power_levels"
                        and e["content"].get("users", {}).get(sam.user_id) == 50, "sam's power level 50")
    # Everyone's messages really were encrypted on the wire, and everyone could read the bot's.
    raw = bot.synapse.request("GET", f"/_matrix/client/v3/rooms/{quote(room)}/messages?dir=b&limit=100",
                              token=lena.account.access_token)["chunk"]
    kinds = {e["type"] for e in raw}
    assert "m.room.encrypted" in kinds and "m.room.message" not in kinds
    assert lena.undecrypted == 0 and sam.undecrypted == 0


async def test_a_space_is_a_home_for_all_its_rooms(bot: Bot, people: People) -> None:
    lena, sam = await people("lena"), await people("sam")
    space = await lena.create_room(space=True, invite=(bot.user_id, sam.user_id), name="space",
                                   users={bot.user_id: 100})
    rooms = []
    for name in ("general", "questions"):
        room = await lena.create_room(invite=(bot.user_id, sam.user_id), name=name, users={bot.user_id: 100},
                                      initial_state=({"type": "m.space.parent", "state_key": space,
                                                      "content": {"via": ["localhost"], "canonical": True}},))
        await lena.put_state(space, "m.space.child", {"via": ["localhost"]}, state_key=room)
        rooms.append(room)
    for room in (space, *rooms):
        await lena.wait_joined(room, bot.user_id)
        await sam.join(room)
    general, questions = rooms

    setup = await lena.command(general, '!cop community setup "Spoon Theory" --space', bot.user_id)
    assert "Spoon Theory is set up here" in setup["body"]
    # A command in another room of the space reaches the same community.
    joined = await sam.command(questions, "!cop join accept", bot.user_id)
    assert "Welcome to Spoon Theory!" in joined["body"]
    info = await sam.command(general, "!cop community info", bot.user_id)
    assert "Members: 2" in info["body"]
    # Leaders get their power level in the space and in each of its rooms.
    await lena.command(questions, f"!cop role grant {sam.user_id} leader", bot.user_id)
    for room in (space, general, questions):
        await lena.wait_for(lambda e, room=room: e.get("room_id") == room and e.get("type") == "m.room.power_levels"
                            and e["content"].get("users", {}).get(sam.user_id) == 50, f"power level in {room}")

    # A question asked in one room of the space links to that room (not to the space) everywhere.
    asked = await sam.send(questions, "? Where do you keep your pacing notes?")
    await sam.reply_to(asked, bot.user_id)
    listing = await sam.command(general, "!cop questions open", bot.user_id)
    assert f"https://matrix.to/#/{quote(questions, safe='')}/{quote(asked, safe='')}?via=localhost" \
        in listing["formatted_body"]


async def test_a_space_home_needs_a_space_admin(bot: Bot, people: People) -> None:
    lena, sam = await people("lena"), await people("sam")
    space = await lena.create_room(space=True, invite=(bot.user_id, sam.user_id), name="space")
    # sam made this room (so is its admin) and lena took it into her space, where sam is a guest.
    room = await sam.create_room(invite=(bot.user_id,))
    await lena.put_state(space, "m.space.child", {"via": ["localhost"]}, state_key=room)
    await sam.join(space)
    await sam.wait_joined(room, bot.user_id)
    await lena.wait_joined(space, bot.user_id)
    refused = await sam.command(room, '!cop community setup "Not Mine" --space', bot.user_id)
    assert "Only an admin of this server or space can do that." in refused["body"]
    allowed = await sam.command(room, '!cop community setup "Just This Room"', bot.user_id)
    assert "Just This Room is set up here" in allowed["body"]
