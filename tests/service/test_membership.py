from __future__ import annotations

from core.roles import Role
from tests.fakes import FakePlatform
from tests.world import World


async def test_join_shows_the_rules_and_accept_joins(world: World) -> None:
    await world.community()
    await world.ok("lena", "rules add Be kind")
    shown = await world.ok("sam", "join")
    assert "1. Be kind" in shown.text and "join accept" in shown.text
    assert [a.command for a in shown.actions] == ["join accept"]
    assert "Members: 1" in (await world.ok("sam", "community info")).text
    welcome = await world.ok("sam", "join accept")
    assert "Welcome to Pacing Circle" in welcome.text and "version 2" in welcome.text
    assert "Members: 2" in (await world.ok("sam", "community info")).text
    assert "already a member" in (await world.ok("sam", "join")).text


async def test_changed_rules_are_shown_again_to_members(world: World) -> None:
    await world.community(members=["sam"])
    await world.ok("lena", "rules add Cite sources")
    again = await world.ok("sam", "join")
    assert "rules have changed" in again.text and "Cite sources" in again.text
    await world.ok("sam", "join accept")
    assert "already a member" in (await world.ok("sam", "join")).text


async def test_leave_and_come_back(world: World) -> None:
    await world.community(members=["sam"])
    await world.ok("sam", "leave")
    assert "Members: 1" in (await world.ok("lena", "community info")).text
    assert "join Pacing Circle first" in (await world.fails("sam", "leave")).text
    await world.ok("sam", "join accept")
    assert "Members: 2" in (await world.ok("lena", "community info")).text


async def test_leaders_grant_and_revoke_roles(world: World, platform: FakePlatform) -> None:
    await world.community(members=["sam", "ana"])
    await world.deliver()
    platform.delivered.clear()
    await world.ok("lena", "role grant sam leader")
    await world.ok("lena", "role grant ana expert RN, pain clinic")
    listing = await world.ok("ana", "members")
    assert "sam — leader" in listing.text and "ana — expert (RN, pain clinic)" in listing.text
    await world.deliver()
    roles = [(e.account.user_id, e.role, e.granted) for e in platform.effects if e.kind == "role"]
    assert roles == [("sam", Role.LEADER, True)]  # only leadership is mirrored on platforms
    await world.ok("lena", "role revoke sam leader")
    await world.deliver()
    assert platform.effects[-1].kind == "role" and platform.effects[-1].granted is False  # type: ignore[union-attr]


async def test_role_commands_refuse_members_bad_names_and_the_last_leader(world: World) -> None:
    await world.community(members=["sam"])
    refused = await world.fails("sam", "role grant sam leader")
    assert refused.text == "Only a leader of this community can do that."
    assert "can't find a member" in (await world.fails("lena", "role grant nobody expert")).text
    assert "must be one of" in (await world.fails("lena", "role grant sam king")).text
    assert "at least one leader" in (await world.fails("lena", "role revoke lena leader")).text
    assert "at most 60" in (await world.fails("lena", "role grant sam expert " + "x" * 5000)).text
    assert "sam — expert" not in (await world.ok("lena", "members")).text


async def test_non_members_are_told_to_join(world: World) -> None:
    await world.community()
    reply = await world.fails("zed", "leave")
    assert reply.text == "You need to join Pacing Circle first: type `join`."


async def test_bots_cannot_use_commands(world: World) -> None:
    await world.community()
    reply = await world.app.bus.run_text("join accept", world.actor("helperbot", bot=True), None)
    assert reply.error
    assert "Members: 1" in (await world.ok("lena", "community info")).text


async def test_a_new_leader_role_setting_reaches_the_current_leaders(world: World) -> None:
    from core.refs import Where

    discord = Where("discord", room_id="111", space_id="999", room_kind="text")
    await world.ok("42", "community setup Discordians", admin=True, where=discord, platform="discord")
    assert (await world.counts())["outbox"] == 0  # no leader role configured yet
    await world.ok("42", "community config leader_role <@&555>", where=discord, platform="discord")
    rows = await world.sql("SELECT payload FROM outbox WHERE kind = 'role'")
    assert len(rows) == 1 and '"discord_role_id": "555"' in str(rows[0][0]).replace("'", '"')
