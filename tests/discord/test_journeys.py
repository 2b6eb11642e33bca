"""User journeys on a simulated Discord: every step goes through discord.py's real gateway
parsing, command tree, option conversion and views, and the real bus and storage."""

from __future__ import annotations

import discord
import pytest
from simcord import Env
from simcord.builders import ChannelHandle
from sqlalchemy import text

from tests.discord.conftest import new_client
from tests.discord.scene import Scene, buttons, messages, private, public, said
from tests.world import World


@pytest.fixture
def scene(simcord_env: Env, world: World) -> Scene:
    return Scene.create(simcord_env, world)


@pytest.mark.postgres_too
async def test_setup_in_a_text_channel_makes_it_the_home_and_the_admin_its_leader(scene: Scene) -> None:
    result = await scene.lena.slash(scene.channel, "community setup", name="Pacing Circle",
                                    domain="living with ME/CFS")
    assert public(result)
    assert "**Pacing Circle** is set up here, and you are its first leader." in said(result)
    # Command hints in core text become what a Discord user types.
    assert "`/rules add text:…`" in said(result)
    homes = await scene.world.sql("SELECT platform, room_id, space_id, kind FROM homes")
    assert homes == [("discord", str(scene.channel.id), str(scene.guild.id), "text")]
    info = await scene.sam.slash(scene.channel, "community info")
    assert public(info) and "Leaders: Lena" in said(info)


async def test_setup_in_a_forum_post_makes_the_forum_the_home(scene: Scene) -> None:
    forum = scene.guild.create_forum_channel("questions")
    welcome = scene.forum_post(forum, scene.lena, "Welcome")
    result = await scene.lena.slash(welcome, "community setup", name="Pacing Circle")
    assert public(result), said(result)
    homes = await scene.world.sql("SELECT room_id, kind FROM homes")
    assert homes == [(str(forum.id), "forum")]
    # Any other post in the forum belongs to the same community.
    question = scene.forum_post(forum, scene.sam, "How do you pace yourself?")
    info = await scene.sam.slash(question, "community info")
    assert "**Pacing Circle**" in said(info)
    joined = await scene.sam.slash(question, "join-accept")
    assert private(joined) and "Welcome to **Pacing Circle**" in said(joined)


async def test_a_thread_of_a_text_channel_home_belongs_to_its_community(scene: Scene) -> None:
    await scene.community()
    side = ChannelHandle(scene.env, scene.guild,
                         scene.env.backend.create_thread(scene.channel.id, "side talk", scene.sam.id))
    info = await scene.sam.slash(side, "community info")
    assert "**Pacing Circle**" in said(info)


async def test_setup_needs_manage_server(scene: Scene) -> None:
    result = await scene.sam.slash(scene.channel, "community setup", name="Mine Now")
    assert private(result)
    assert "Only an admin of this server" in said(result)
    assert await scene.world.sql("SELECT count(*) FROM communities") == [(0,)]
    # Discord shows no trace of it to anyone else.
    assert all(m.content != "…" for m in scene.channel.history())


async def test_join_shows_the_rules_with_an_accept_button_that_joins(scene: Scene) -> None:
    await scene.community()
    await scene.lena.slash(scene.channel, "rules add", text="Be kind and cite sources")
    shown = await scene.sam.slash(scene.channel, "join")
    assert private(shown)
    assert "1. Be kind and cite sources" in said(shown)
    [accept] = buttons(messages(shown)[-1])
    assert accept["label"] == "Accept the rules and join"
    assert accept["custom_id"] == "cp:join accept"
    clicked = await scene.sam.click(messages(shown)[-1], label="Accept the rules and join")
    assert private(clicked)
    assert "Welcome to **Pacing Circle**! You accepted rules version 2." in said(clicked)
    members = await scene.lena.slash(scene.channel, "members")
    assert "- Sam" in said(members)


async def test_a_member_trying_a_leader_command_is_refused_privately(scene: Scene) -> None:
    await scene.community()
    await scene.joined(scene.sam)
    before = await scene.world.counts()
    for name, options in [("rules add", {"text": "Sam rules now"}),
                          ("role grant", {"member": scene.sam, "role": "leader"}),
                          ("community config", {"key": "sla", "value": "1h"})]:
        result = await scene.sam.slash(scene.channel, name, **options)
        assert private(result), name
        assert "Only a leader" in said(result), said(result)
    assert await scene.world.counts() == before
    # The public placeholder of those answers is gone: the channel shows no trace of them.
    assert [m.content for m in scene.channel.history() if m.content == "…"] == []


MALFORMED = [
    ("community config", {"key": "colour", "value": "blue"}, "There is no setting `colour`"),
    ("community config", {"key": "sla", "value": "banana"}, "duration"),
    ("rules edit", {"number": 0, "text": "x"}, "There is no rule 0"),
    ("rules remove", {"number": 123456789012}, "There is no rule"),
    ("rules add", {"text": "   "}, "can't be empty"),
    ("link", {"code": "NOT-A-CODE"}, "code"),
    ("help", {"topic": "frobnicate"}, "I don't know the command"),
]


@pytest.mark.parametrize(("name", "options", "expected"), MALFORMED, ids=[f"{c[0]}-{i}" for i, c in
                                                                          enumerate(MALFORMED)])
async def test_malformed_options_get_a_short_private_answer(scene: Scene, name: str, options: dict[str, object],
                                                            expected: str) -> None:
    await scene.community()
    before = await scene.world.counts()
    result = await scene.lena.slash(scene.channel, name, **options)
    assert private(result)
    assert expected in said(result) and len(said(result)) < 400, said(result)
    assert await scene.world.counts() == before
    assert "**Pacing Circle**" in said(await scene.sam.slash(scene.channel, "community info"))


async def test_a_member_who_never_joined_cannot_be_given_a_role(scene: Scene) -> None:
    await scene.community()
    result = await scene.lena.slash(scene.channel, "role grant", member=scene.sam, role="expert")
    assert private(result) and "I can't find a member" in said(result)


async def test_autocomplete_offers_at_most_25_choices_from_the_data(scene: Scene) -> None:
    await scene.community()
    for number in range(30):
        await scene.lena.slash(scene.channel, "rules add", text=f"Rule number {number}")
    keys = await scene.lena.autocomplete(scene.channel, "community config", "key", "")
    assert 0 < len(keys) <= 25 and "sla" in [c["value"] for c in keys]
    narrowed = await scene.lena.autocomplete(scene.channel, "community config", "key", "tim")
    assert narrowed[0]["value"] == "timezone" and "sla" not in [c["value"] for c in narrowed]
    values = await scene.lena.autocomplete(scene.channel, "community config", "value", "", key="sla")
    assert values[0]["value"] == "24h"  # the current value first, then examples
    rules = await scene.lena.autocomplete(scene.channel, "rules edit", "number", "")
    assert len(rules) == 25 and all(isinstance(c["value"], int) for c in rules)
    assert rules[0]["name"].startswith("1. Rule number 0")
    topics = await scene.sam.autocomplete(scene.channel, "help", "topic", "rul")
    assert 0 < len(topics) <= 25
    assert {c["value"] for c in topics[:4]} == {"rules", "rules add", "rules edit", "rules remove"}


async def test_buttons_of_an_old_message_still_work_after_a_restart(scene: Scene) -> None:
    await scene.community()
    shown = await scene.sam.slash(scene.channel, "join")
    old_message = messages(shown)[-1]
    await scene.env.restart_bot(new_client(scene.world))
    clicked = await scene.sam.click(old_message, label="Accept the rules and join")
    assert private(clicked) and "Welcome to **Pacing Circle**" in said(clicked)


def command_syncs(env: Env) -> int:
    return sum(1 for r in env.http_requests if r.method == "PUT" and r.path.endswith("/commands"))


async def test_commands_are_synced_at_start_only_when_they_changed(scene: Scene) -> None:
    assert command_syncs(scene.env) == 1  # the first start registers them
    await scene.env.restart_bot(new_client(scene.world))
    assert command_syncs(scene.env) == 1  # same command set: nothing sent
    async with scene.world.app.engine.begin() as connection:
        await connection.execute(text("UPDATE discord_state SET value = 'an older command set'"))
    await scene.env.restart_bot(new_client(scene.world))
    assert command_syncs(scene.env) == 2
    # The commands work after all that.
    assert "Commands" in said(await scene.sam.slash(scene.channel, "help"))


async def test_a_failed_sync_at_start_does_not_stop_the_bot(scene: Scene) -> None:
    async with scene.world.app.engine.begin() as connection:
        await connection.execute(text("UPDATE discord_state SET value = 'an older command set'"))
    scene.env.inject_error("PUT", "/applications/*/commands", status=500)
    await scene.env.restart_bot(new_client(scene.world))
    assert command_syncs(scene.env) == 2  # tried, and failed
    assert "Commands" in said(await scene.sam.slash(scene.channel, "help"))  # the last synced set works
    await scene.env.restart_bot(new_client(scene.world))
    assert command_syncs(scene.env) == 3  # not recorded as synced, so the next start tries again


async def test_in_a_dm_help_and_link_answer_privately(scene: Scene) -> None:
    user = scene.sam.user
    helped = await user.slash("help")
    assert "`/community setup`" in said(helped)
    code = await user.slash("link")
    assert private(code) and "send `/link" in said(code)
    not_here = await user.slash("community info")
    assert "isn't a community home" in said(not_here)


async def test_oversized_text_is_refused_and_nothing_is_written(scene: Scene) -> None:
    await scene.community()
    before = await scene.world.counts()
    for name, options in [("rules add", {"text": "x" * 6000}),
                          ("community config", {"key": "charter", "value": "y" * 6000})]:
        result = await scene.lena.slash(scene.channel, name, **options)
        assert private(result) and "at most" in said(result) and len(said(result)) < 400
    result = await scene.lena.slash(scene.guild.create_text_channel("other"), "community setup", name="n" * 6000)
    assert private(result) and "at most 80" in said(result)
    assert await scene.world.counts() == before


async def test_hostile_text_pings_nobody_and_keeps_the_bot_running(scene: Scene) -> None:
    await scene.community()
    await scene.joined(scene.sam)
    hostile = (f"@everyone @here <@{scene.sam.id}> <@&{scene.admins.id}> <@discord:{scene.sam.id}|x> "
               "</ban:1> ```unclosed **bold Robert'); DROP TABLE rules;--")
    added = await scene.lena.slash(scene.channel, "rules add", text=hostile)
    assert public(added), said(added)
    shown = await scene.sam.slash(scene.channel, "rules show")
    [message] = messages(shown)
    stored = scene.env.backend.get_message(message.channel_id, message.id)
    assert not stored.mention_everyone and stored.ping_user_ids == [] and stored.ping_role_ids == []
    assert "@everyone" not in message.content  # defused with a zero-width space
    assert "DROP TABLE" in message.content
    assert "**Pacing Circle**" in said(await scene.sam.slash(scene.channel, "community info"))


async def test_a_long_answer_is_split_into_messages_discord_accepts(scene: Scene) -> None:
    await scene.community()
    for number in range(12):
        await scene.lena.slash(scene.channel, "rules add", text=f"{number} " + "long words " * 80)
    shown = await scene.sam.slash(scene.channel, "rules show")
    parts = messages(shown)
    assert len(parts) > 1 and all(len(p.content) <= 2000 for p in parts)
    assert public(shown)
    text = "\n".join(p.content for p in parts)
    assert all(f"{n + 1}. {n} long words" in text for n in range(12))
    # The rules to accept are long too: the Accept button comes with their last part.
    shown = await scene.sam.slash(scene.channel, "join")
    parts = messages(shown)
    assert len(parts) > 1 and private(shown)
    assert [buttons(p) for p in parts[:-1]] == [[]] * (len(parts) - 1)
    clicked = await scene.sam.click(parts[-1], label="Accept the rules and join")
    assert "Welcome to **Pacing Circle**" in said(clicked)


async def test_an_admin_without_the_discord_permission_is_not_an_admin_in_a_dm(scene: Scene) -> None:
    # Manage Server is checked on the member in the server; a DM has no server.
    result = await scene.lena.user.slash("community setup", name="Elsewhere")
    assert private(result)
    assert await scene.world.sql("SELECT count(*) FROM communities") == [(0,)]


async def test_the_leader_default_permission_hint_is_not_what_protects(scene: Scene) -> None:
    # Even a server admin who is no leader of the community is checked by the core.
    await scene.community()
    other_admin = scene.guild.add_member(scene.env.create_user("ops"), roles=[scene.admins])
    await scene.joined(other_admin)
    result = await other_admin.slash(scene.channel, "rules add", text="Admins rule")
    assert private(result) and "Only a leader" in said(result)


async def test_button_actions_run_as_the_person_who_clicks(scene: Scene) -> None:
    await scene.community()
    shown = await scene.sam.slash(scene.channel, "join")
    # Lena cannot see Sam's private answer, so she cannot click it: run through Sam.
    await scene.sam.click(messages(shown)[-1], label="Accept the rules and join")
    rows = await scene.world.sql(
        "SELECT a.user_id FROM memberships m JOIN accounts a ON a.person_id = m.person_id "
        "WHERE m.active ORDER BY a.user_id")
    assert sorted(r[0] for r in rows) == sorted([str(scene.lena.id), str(scene.sam.id)])


async def test_interaction_permissions_come_from_the_member_not_the_channel_name(scene: Scene) -> None:
    # A member with Administrator (which implies Manage Server) may set up a community.
    owners = scene.guild.create_role("Owners", permissions=discord.Permissions(administrator=True))
    boss = scene.guild.add_member(scene.env.create_user("boss"), roles=[owners])
    result = await boss.slash(scene.channel, "community setup", name="Boss Circle")
    assert public(result) and "is set up here" in said(result)
