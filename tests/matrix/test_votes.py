"""A recall on Matrix, from petition to result, against a real Synapse: ballots are cast in the
bot's direct rooms (a ballot typed in the community room is refused and not recorded), the
result is posted with every receipt, and the recalled leader loses their power level.

The in-process bot's core runs on a FakeClock; the ballot closes early once everyone on the
roll has voted, when the test runs the sweeper (what the runtime's scheduler does).
"""

from __future__ import annotations

import re

import pytest

from tests.matrix.bot import Bot
from tests.matrix.conftest import People
from tests.matrix.people import Event, Member
from tests.matrix.test_journeys import community, room_with_bot

pytestmark = pytest.mark.slow

RECEIPT = re.compile(r"Your receipt code: `([A-Z0-9-]{11})`")


def body(event: Event) -> str:
    return str(event.get("content", {}).get("body", ""))


async def own_direct_room(member: Member, bot: Bot, *, also: tuple[str, ...] = ()) -> str:
    """A direct room `member` opens with the bot (the bot joins and remembers it as theirs)."""
    room = await member.create_room(invite=(bot.user_id, *also), direct=True)
    await member.wait_joined(room, bot.user_id)
    return room


async def test_a_recall_with_ballots_in_direct_rooms_and_the_power_level_removed(bot: Bot, people: People) -> None:
    lena, sam, ana, bo = [await people(name) for name in ("lena", "sam", "ana", "bo")]
    room = await room_with_bot(lena, bot, invite=(sam.user_id, ana.user_id, bo.user_id))
    for member in (sam, ana, bo):
        await member.join(room)
    await community(room, lena, bot, (sam, ana, bo))
    for setting in ("vote_member_days 0", "petition_min 1"):
        await lena.command(room, f"!cop community config {setting}", bot.user_id)
    await lena.command(room, f"!cop role grant {sam.user_id} leader", bot.user_id)
    await lena.wait_for(lambda e: e.get("type") == "m.room.power_levels"
                        and e["content"].get("users", {}).get(sam.user_id) == 50, "sam's power level 50")

    started = await ana.command(room, f"!cop vote recall {sam.user_id} Has not answered for a month", bot.user_id)
    assert "Your recall petition #1 is open" in started["body"]
    await bo.command(room, "!cop vote cosign 1", bot.user_id)
    ballot = await lena.wait_for(lambda e: e.get("room_id") == room and "Secret ballot — recall #1" in body(e),
                                 "the ballot announcement")
    assert "→ Get my ballot: `!cop vote ballot 1 in:1`" in body(ballot)

    # A ballot typed where others see it is refused, and nothing is recorded.
    public = await ana.command(room, "!cop vote cast 1 recall", bot.user_id)
    assert public["body"].startswith("Ballots are secret, and others can see what you type here, so I recorded "
                                     "nothing. Send your vote to me in a direct message instead: "
                                     "`!cop vote cast 1 <choice> in:1`")
    # So is one typed in a "direct" room someone else was invited to.
    shared = await own_direct_room(bo, bot, also=(lena.user_id,))
    refused = await bo.command(shared, "!cop vote cast 1 recall in:1", bot.user_id)
    assert refused["body"].startswith("Ballots are secret, and others can see what you type here")
    status = await ana.command(room, "!cop vote status", bot.user_id)
    assert "turnout so far 0 of 4" in status["body"]

    # ana asks for her ballot in the room: it comes to her in a direct room the bot opens.
    asked = await ana.command(room, "!cop vote ballot 1", bot.user_id)
    assert asked["body"] == "I sent you a direct message with that (it holds a code only you should use)."
    direct, _ = await ana.wait_invite()
    await ana.join(direct)
    await ana.wait_for(lambda e: e.get("room_id") == direct and "Your secret ballot — recall #1" in body(e),
                       "ana's ballot")
    receipts: dict[str, str] = {}
    votes = ((ana, direct, "recall"), (bo, None, "recall"), (lena, None, "recall"), (sam, None, "keep"))
    for voter, where, choice in votes:
        where = where or await own_direct_room(voter, bot)
        cast = await voter.command(where, f"!cop vote cast 1 {choice} in:1", bot.user_id)
        found = RECEIPT.search(cast["body"])
        assert found, cast["body"]
        receipts[voter.user_id] = found[1]
        assert "rel_type" not in cast["m.relates_to"]  # a plain reply in the direct room
    assert not lena.seen(lambda e: e.get("room_id") == room and any(r in body(e) for r in receipts.values()))

    assert bot.app is not None
    await bot.app.sweeper.run_once()  # everyone voted: the ballot closes without waiting
    result = await lena.wait_for(lambda e: e.get("room_id") == room and "Result of recall #1" in body(e), "the result")
    text = body(result)
    assert "Recall: 3 · Keep: 1. 4 of 4 voters on the roll voted (100% turnout" in text
    assert "is recalled: 75% voted for recall (threshold 60%)" in text
    for voter, _, choice in votes:
        assert f"`{receipts[voter.user_id]}` {choice}" in text
    assert sam.user_id in result["content"]["m.mentions"]["user_ids"]
    await lena.wait_for(lambda e: e.get("room_id") == room and e.get("type") == "m.room.power_levels"
                        and sam.user_id not in e["content"].get("users", {}), "sam's power level removed")
    info = await bo.command(room, "!cop community info", bot.user_id)
    assert "Leaders: lena" in info["body"]
