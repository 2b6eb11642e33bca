"""Suggestions (Discord autocomplete, reusable by text front ends) from real storage."""

from __future__ import annotations

from core.commands.suggest import LIMIT, suggest
from core.refs import AccountRef, Where
from tests.world import HOME, OTHER_ROOM, World


async def suggestions(world: World, source: str, current: str = "", where: Where | None = HOME,
                      account: AccountRef | None = None, **filled: object) -> list[tuple[str, str]]:
    async with world.app.uow(readonly=True) as uow:
        found = await suggest(uow, source, where, current, filled, account=account)
    return [(s.label, s.value) for s in found]


async def test_rule_numbers_with_their_text_at_most_25(world: World) -> None:
    await world.community()
    for number in range(30):
        await world.ok("lena", f"rules add Rule {number}")
    found = await suggestions(world, "rules")
    assert len(found) == LIMIT and found[0] == ("1. Rule 0", "1")
    assert await suggestions(world, "rules", "Rule 29") == [("30. Rule 29", "30")]


async def test_members_by_their_id_on_the_platform_typed_on(world: World) -> None:
    await world.community(members=["sam", "sara"])
    assert await suggestions(world, "members", "sa") == [("sam", "sam"), ("sara", "sara")]


async def test_config_values_follow_the_key_already_chosen(world: World) -> None:
    await world.community()
    await world.ok("lena", "community config sla 4h")
    assert (await suggestions(world, "config_values", key="sla"))[0] == ("4h", "4h")
    assert await suggestions(world, "config_values", key="name") == [("Pacing Circle", "Pacing Circle")]
    assert await suggestions(world, "config_values", key="nonsense") == []
    keys = [value for _, value in await suggestions(world, "config_keys")]
    assert {"sla", "timezone", "name", "charter"} <= set(keys)


async def test_outside_a_community_only_what_needs_none(world: World) -> None:
    await world.community()
    await world.ok("lena", "rules add Be kind")
    assert await suggestions(world, "rules", where=OTHER_ROOM) == []
    assert await suggestions(world, "members", where=None) == []
    assert ("help", "help") in [(v, v) for _, v in await suggestions(world, "commands", "hel", where=None)]
    assert await suggestions(world, "no such source") == []


async def test_what_was_typed_is_matched_start_first_then_anywhere(world: World) -> None:
    found = [value for _, value in await suggestions(world, "commands", "link", where=None)]
    assert found[0] == "link" and "community link" in found
    assert all("link" in value or "link" in label.lower()
               for label, value in await suggestions(world, "commands", "link", where=None))


async def test_durations_offer_what_was_typed_when_it_is_one(world: World) -> None:
    assert (await suggestions(world, "durations", "90m", where=None))[0] == ("1h30m (= 90m)", "1h30m")
    assert (await suggestions(world, "durations", "4h", where=None))[0] == ("4h", "4h")
    assert len(await suggestions(world, "durations", "", where=None)) <= LIMIT
    assert await suggestions(world, "durations", "soon", where=None) == []


async def test_open_questions_and_open_votes_by_number(world: World) -> None:
    await world.community(members=["sam"])
    await world.ok("sam", "ask How do you pace yourself?")
    await world.ok("sam", "ask What helps with sleep?")
    found = await suggestions(world, "open_questions")
    assert [v for _, v in found] == ["1", "2"] and found[0][0] == "#1 · open · How do you pace yourself?"
    assert [v for _, v in await suggestions(world, "open_questions", "sleep")] == ["2"]
    await world.ok("lena", "questions close 1")
    assert [v for _, v in await suggestions(world, "open_questions")] == ["2"]
    assert await suggestions(world, "votes") == []
    await world.ok("lena", "vote elect")
    assert await suggestions(world, "votes") == [("Election #1 — taking nominations", "1")]
    assert await suggestions(world, "open_questions", where=OTHER_ROOM) == []


async def test_resources_are_matched_by_the_index_and_unvetted_ones_shown_only_to_vetters(world: World) -> None:
    await world.community(members=["sam"])
    await world.ok("sam", 'resource add "Energy envelope worksheet" https://example.org/e kind:tool tags:pacing')
    lena, sam = AccountRef("console", "lena"), AccountRef("console", "sam")
    assert [v for _, v in await suggestions(world, "resources_all", "energ", account=lena)] == ["#1"]
    assert await suggestions(world, "resources_all", "energ", account=sam) == []
    assert await suggestions(world, "resource_search", "worksheets") == []  # not trusted yet
    await world.ok("lena", "resource vet 1")
    # A stemmed match the label does not contain as typed is kept: the index ranked it.
    assert [v for _, v in await suggestions(world, "resource_search", "worksheets")] == ["#1"]
    assert await suggestions(world, "resource_tags", "pa") == [("pacing (1)", "pacing")]
