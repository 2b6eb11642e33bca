from __future__ import annotations

import pytest

from tests.fakes import FakePlatform
from tests.world import HOME, OTHER_ROOM, World


async def test_an_admin_sets_up_a_community_and_becomes_its_first_leader(world: World,
                                                                          platform: FakePlatform) -> None:
    reply = await world.ok("lena", 'community setup "Long COVID Circle" living with long COVID', admin=True)
    assert "Long COVID Circle" in reply.text and "first leader" in reply.text
    info = await world.ok("sam", "community info")
    assert "Long COVID Circle — living with long COVID" in info.text
    assert "Leaders: lena" in info.text and "Members: 1" in info.text
    await world.deliver()
    assert [e.kind for e in platform.effects] == ["role"]


async def test_only_a_space_admin_may_set_up(world: World) -> None:
    before = await world.counts()
    reply = await world.fails("sam", "community setup Circle", admin=False)
    assert reply.text == "Only an admin of this server or space can do that."
    assert reply.private
    after = await world.counts()
    assert {k: v for k, v in after.items() if k not in ("persons", "accounts")} == \
        {k: v for k, v in before.items() if k not in ("persons", "accounts")}


async def test_a_home_belongs_to_one_community_only(world: World) -> None:
    await world.community()
    reply = await world.fails("ana", "community setup Another", admin=True)
    assert "already the home of Pacing Circle" in reply.text


async def test_community_names_are_unique_regardless_of_case(world: World) -> None:
    await world.community(name="Pacing Circle")
    reply = await world.fails("ana", "community setup 'pacing circle'", admin=True, where=OTHER_ROOM)
    assert "already a community called pacing circle" in reply.text


@pytest.mark.parametrize("name", [
    "x" * 2001,
    "\x00\x01\x02",
])
async def test_hostile_names_are_refused_and_nothing_is_written(world: World, name: str) -> None:
    before = await world.counts()
    reply = await world.fails("lena", f'community setup "{name}"', admin=True)
    assert len(reply.text) < 200
    after = await world.counts()
    assert after["communities"] == before["communities"] == 0
    assert after["homes"] == 0 and after["outbox"] == 0


async def test_sql_and_surrogates_in_names_are_stored_as_text(world: World) -> None:
    await world.ok("lena", "community setup \"Robert'); DROP TABLE communities;--\" a\ud800b", admin=True)
    info = await world.ok("lena", "community info")
    assert "Robert'); DROP TABLE communities;--" in info.text
    assert "\ud800" not in info.text
    assert (await world.counts())["communities"] == 1


async def test_commands_outside_a_home_explain_how_to_start_one(world: World) -> None:
    reply = await world.fails("sam", "community info")
    assert "isn't a community home yet" in reply.text


async def test_config_lists_and_changes_settings_with_validation(world: World) -> None:
    await world.community(members=["sam"])
    listing = await world.ok("sam", "community config")
    assert "`sla` = 24h" in listing.text and "`timezone` = UTC" in listing.text
    assert (await world.ok("lena", "community config sla 4h")).text == "`sla` is now 4h."
    assert (await world.ok("lena", "community config timezone Europe/Berlin")).text.endswith("Europe/Berlin.")
    assert "`sla` = 4h" in (await world.ok("sam", "community config")).text
    assert "timezone name" in (await world.fails("lena", "community config timezone Nowhere/Else")).text
    assert "not a duration" in (await world.fails("lena", "community config sla soon")).text
    assert "no setting" in (await world.fails("lena", "community config colour blue")).text
    refused = await world.fails("sam", "community config sla 1h")
    assert refused.text == "Only a leader of this community can change its settings."
    assert "`sla` = 4h" in (await world.ok("sam", "community config")).text


async def test_config_changes_the_profile(world: World) -> None:
    await world.community()
    await world.ok("lena", "community config charter We share what helps, and cite it.")
    info = await world.ok("lena", "community info")
    assert "Charter: We share what helps, and cite it." in info.text
    assert "at most 2,000" in (await world.fails("lena", "community config charter " + "x" * 5000)).text


async def test_a_second_home_on_another_platform_joins_by_one_time_code(world: World,
                                                                        platform: FakePlatform) -> None:
    await world.community()
    reply = await world.ok("lena", "community link")
    code = reply.text.split("`community link ")[1].split("`")[0]
    assert reply.private
    matrix_room = OTHER_ROOM.__class__("matrix", room_id="!room:example.org")
    refused = await world.fails("@bo:example.org", f"community link {code}", where=matrix_room,
                                platform="matrix", admin=False)
    assert "Only an admin" in refused.text
    await world.ok("@bo:example.org", f"community link {code}", where=matrix_room, platform="matrix",
                   admin=True)
    info = await world.ok("@bo:example.org", "community info", where=matrix_room, platform="matrix")
    assert "Pacing Circle" in info.text and "Homes: console, matrix" in info.text
    again = await world.fails("@cy:example.org", f"community link {code}",
                              where=matrix_room.__class__("matrix", room_id="!other:example.org"),
                              platform="matrix", admin=True)
    assert "already used or expired" in again.text
    await world.deliver()
    assert any("now also lives on matrix" in t for t in platform.texts())


async def test_link_codes_expire_after_ten_minutes(world: World) -> None:
    await world.community()
    reply = await world.ok("lena", "community link")
    code = reply.text.split("`community link ")[1].split("`")[0]
    world.clock.advance(minutes=10, seconds=1)
    matrix_room = HOME.__class__("matrix", room_id="!room:example.org")
    expired = await world.fails("@bo:example.org", f"community link {code}", where=matrix_room,
                                platform="matrix", admin=True)
    assert "expired" in expired.text


async def test_leaders_get_their_role_in_a_newly_linked_home(world: World) -> None:
    await world.community()
    reply = await world.ok("lena", "link")
    code = reply.text.split("`link ")[1].split("`")[0]
    await world.ok("@lena:example.org", f"link {code}", where=None, platform="matrix")
    home_code = (await world.ok("lena", "community link")).text.split("`community link ")[1].split("`")[0]
    before = (await world.counts())["outbox"]
    matrix_room = OTHER_ROOM.__class__("matrix", room_id="!new:example.org")
    await world.ok("@admin:example.org", f"community link {home_code}", where=matrix_room, platform="matrix",
                   admin=True)
    roles = await world.sql("SELECT platform FROM outbox WHERE kind = 'role' ORDER BY id")
    assert (await world.counts())["outbox"] - before == 1 + 1  # the power level, and the note to the first home
    assert roles[-1][0] == "matrix"
