"""The resource journey on Matrix, against a real Synapse: add → vet → search finds it."""

from __future__ import annotations

import pytest

from tests.matrix.bot import Bot
from tests.matrix.conftest import People
from tests.matrix.test_journeys import community, room_with_bot

pytestmark = pytest.mark.slow


async def test_a_member_adds_a_leader_vets_and_search_finds_it(bot: Bot, people: People) -> None:
    lena, sam = await people("lena"), await people("sam")
    room = await room_with_bot(lena, bot, invite=(sam.user_id,))
    await sam.join(room)
    await community(room, lena, bot, (sam,))

    added = await sam.command(room, '!cop resource add "Energy envelope worksheet" '
                                    "https://Example.org/envelope?utm_source=news kind:tool tags:pacing "
                                    'source:"Jason et al. (2013)" Plan a day within your energy envelope', bot.user_id)
    assert "“Energy envelope worksheet” is resource #1." in added["body"]
    assert "`!cop resource vet 1`" in added["body"]
    assert "No trusted resources match" in (await sam.command(room, "!cop resource search envelope",
                                                               bot.user_id))["body"]
    refused = await sam.command(room, "!cop resource vet 1", bot.user_id)
    assert "Only a leader or an expert of this community can do that." in refused["body"]
    vetted = await lena.command(room, "!cop resource vet 1", bot.user_id)
    assert "#1 “Energy envelope worksheet” is now trusted, vetted by you (leader)." in vetted["body"]

    found = await sam.command(room, "!cop resource search envelope", bot.user_id)
    assert "Energy envelope worksheet" in found["body"]
    assert "https://example.org/envelope" in found["body"]  # normalised: no tracking parameter
    assert "<strong>Energy envelope worksheet</strong>" in found["formatted_body"]
    assert "<strong>envelope</strong>" in found["formatted_body"]  # the matched word, highlighted
    shown = await sam.command(room, "!cop resource show 1", bot.user_id)
    assert "Vetted by lena" in shown["body"] and "(leader) on" in shown["body"]
    assert "Source: Jason et al. (2013)" in shown["body"]
