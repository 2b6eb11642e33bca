from __future__ import annotations

from tests.world import World


async def test_rules_are_numbered_and_versioned(world: World) -> None:
    await world.community(members=["sam"])
    assert "(no community rules yet)" in (await world.ok("sam", "rules")).text
    assert "version 2" in (await world.ok("lena", "rules add Be kind")).text
    await world.ok("lena", "rules add Cite sources")
    await world.ok("lena", "rules add No medical advice without a source")
    await world.ok("lena", "rules edit 2 Cite trusted sources")
    await world.ok("lena", "rules remove 1")
    shown = (await world.ok("sam", "rules")).text
    assert "1. Cite trusted sources\n2. No medical advice without a source" in shown
    assert "version 6" in shown


async def test_only_leaders_change_rules(world: World) -> None:
    await world.community(members=["sam"])
    reply = await world.fails("sam", "rules add I make the rules now")
    assert reply.text == "Only a leader of this community can change its rules."
    assert "no community rules" in (await world.ok("sam", "rules")).text


async def test_network_rules_are_for_staff_and_apply_everywhere(engine, clock, platform) -> None:  # type: ignore[no-untyped-def]
    world = World.create(engine, clock, [platform], network={"staff": ["console:staffer"]})
    await world.community(members=["sam"])
    assert "Only network staff" in (await world.fails("lena", "rules add --network Be excellent")).text
    await world.ok("staffer", "rules add --network Share what you know, cite what you share")
    shown = (await world.ok("sam", "rules")).text
    assert "N1. Share what you know, cite what you share" in shown
    again = await world.ok("sam", "join")
    assert "rules have changed" in again.text


async def test_bad_rule_input_is_refused_with_nothing_written(world: World) -> None:
    await world.community()
    before = await world.counts()
    assert "too long (102,410 characters" in (await world.fails("lena", "rules add " + "x" * 102_400)).text
    assert "at most 1,000 characters (yours has 5,000)" in (
        await world.fails("lena", "rules add " + "x" * 5_000)).text
    assert "can't be empty" in (await world.fails("lena", "rules add \x00\x01")).text
    assert "There is no rule 9" in (await world.fails("lena", "rules edit 9 Hello")).text
    assert "must be a number" in (await world.fails("lena", "rules remove first")).text
    assert await world.counts() == before
    assert "version 1" in (await world.ok("lena", "rules")).text


async def test_hostile_rule_text_is_stored_literally(world: World) -> None:
    await world.community()
    await world.ok("lena", "rules add '; DROP TABLE rules; -- and <script>alert(1)</script>")
    shown = (await world.ok("lena", "rules")).text
    assert "1. '; DROP TABLE rules; -- and <script>alert(1)</script>" in shown
