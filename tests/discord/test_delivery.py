"""Outbound effects through the real outbox dispatcher onto a simulated Discord: DMs (and
the mention fallback when DMs are closed), posts in channels, threads and forums, and the
leader role following the core."""

from __future__ import annotations

import pytest
from simcord import Env

from bots.discord.deliver import nonce_for
from core.effects import Action, DirectMessage, HomePost, RoleChange
from core.refs import AccountRef, HomeRef
from core.roles import Role
from tests.discord.scene import Scene, buttons, private, said
from tests.world import World


@pytest.fixture
def scene(simcord_env: Env, world: World) -> Scene:
    return Scene.create(simcord_env, world)


def home(scene: Scene) -> HomeRef:
    return HomeRef("discord", str(scene.channel.id), str(scene.guild.id))


def account(member: object) -> AccountRef:
    return AccountRef("discord", str(member.id))  # type: ignore[attr-defined]


async def outbox(scene: Scene) -> list[tuple[str, str | None]]:
    return [(r[0], r[1]) for r in await scene.world.sql("SELECT state, last_error FROM outbox ORDER BY id")]


async def test_a_direct_message_arrives_once_with_working_buttons(scene: Scene) -> None:
    text = "Two questions wait for an answer. — <@discord:1|Lena>"
    await scene.emit(DirectMessage(account(scene.sam), text, (Action("Show help", "help"),), home(scene)),
                     key="nudge:1")
    assert await scene.deliver() == 1
    dm = scene.sam.user.dm_channel
    [message] = dm.history()
    assert message.content == "Two questions wait for an answer. — <@1>"
    sent = [r for r in scene.env.http_requests if r.method == "POST" and r.path == f"/channels/{dm.id}/messages"]
    assert [r.json["nonce"] for r in sent] == [nonce_for("nudge:1")]  # type: ignore[index]
    assert len(nonce_for("nudge:1")) <= 25 and nonce_for("nudge:1") == nonce_for("nudge:1")
    assert await outbox(scene) == [("delivered", None)]
    assert await scene.deliver() == 0  # delivered is delivered
    clicked = await scene.sam.user.click(message, label="Show help")
    assert private(clicked) and "Commands" in said(clicked)


async def test_closed_dms_fall_back_to_a_mention_in_the_home(scene: Scene) -> None:
    dm = scene.sam.user.dm_channel
    scene.env.inject_error("POST", f"/channels/{dm.id}/messages", status=403, code=50007,
                           message="Cannot send messages to this user")
    await scene.emit(DirectMessage(account(scene.sam), "Your question has an answer.",
                                   (Action("Show help", "help"),), home(scene)))
    assert await scene.deliver() == 1
    assert dm.history() == []
    message = scene.channel.last_message
    assert message is not None
    assert message.content.startswith(f"<@{scene.sam.id}> I couldn't send you a direct message")
    assert message.content.endswith("Your question has an answer.")
    stored = scene.env.backend.get_message(scene.channel.id, message.id)
    assert stored.ping_user_ids == [scene.sam.id]  # the one person it is for is notified
    assert [b["label"] for b in buttons(message)] == ["Show help"]
    assert await outbox(scene) == [("delivered", None)]


async def test_closed_dms_without_a_home_to_fall_back_to_are_given_up_with_a_reason(scene: Scene) -> None:
    dm = scene.sam.user.dm_channel
    scene.env.inject_error("POST", f"/channels/{dm.id}/messages", status=403, code=50007,
                           message="Cannot send messages to this user")
    await scene.emit(DirectMessage(account(scene.sam), "Private news."))
    assert await scene.deliver() == 0
    [(state, reason)] = await outbox(scene)
    assert state == "failed" and reason is not None and "DMs are closed" in reason
    assert "Private news" not in reason  # message bodies never land in logs or error columns


async def test_a_server_error_is_retried_later(scene: Scene) -> None:
    scene.env.inject_error("POST", f"/channels/{scene.channel.id}/messages", status=503, times=None)
    await scene.emit(HomePost(home(scene), "Welcome, everyone."))
    assert await scene.deliver() == 0
    [(state, reason)] = await outbox(scene)
    assert state == "pending" and reason is not None and "503" in reason


async def test_posts_go_to_the_channel_the_thread_or_a_new_forum_post(scene: Scene) -> None:
    side = scene.env.backend.create_thread(scene.channel.id, "side talk", scene.sam.id)
    forum = scene.guild.create_forum_channel("questions")
    await scene.emit(HomePost(home(scene), "In the channel."))
    await scene.emit(HomePost(home(scene), "In the thread.", thread_id=str(side.id)))
    await scene.emit(HomePost(HomeRef("discord", str(forum.id), str(scene.guild.id)),
                              f"**Expert session** on Friday\nBring your questions, <@discord:{scene.sam.id}|Sam>.",
                              mentions=(account(scene.sam),)))
    assert await scene.deliver() == 3
    assert scene.channel.last_message is not None and scene.channel.last_message.content == "In the channel."
    assert [m.content for m in scene.env.backend.messages[side.id].values()] == ["In the thread."]
    [post] = forum.threads
    assert post.name == "Expert session on Friday"
    [starter] = scene.env.backend.messages[post.id].values()
    assert starter.content == f"**Expert session** on Friday\nBring your questions, <@{scene.sam.id}>."
    assert starter.ping_user_ids == [scene.sam.id]


async def test_a_post_to_a_channel_that_is_gone_is_given_up(scene: Scene) -> None:
    await scene.emit(HomePost(HomeRef("discord", "123456789012345678", str(scene.guild.id)), "Hello?"))
    assert await scene.deliver() == 0
    [(state, reason)] = await outbox(scene)
    assert state == "failed" and reason is not None and "404" in reason


async def leader_role_scene(scene: Scene, *, above_the_bot: bool = False) -> int:
    role = scene.guild.create_role("Leaders", **({"position": 99} if above_the_bot else {}))
    await scene.community()
    await scene.joined(scene.sam)
    configured = await scene.lena.slash(scene.channel, "community config", key="leader_role", value=role.mention)
    assert "leader_role` is now" in said(configured), said(configured)
    # The leaders there already get the new role too (through the outbox).
    await scene.deliver()
    return role.id


def roles_of(scene: Scene, member: object) -> list[int]:
    return list(scene.env.backend.get_guild(scene.guild.id).members[member.id].role_ids)  # type: ignore[attr-defined]


async def test_the_discord_leader_role_follows_the_core(scene: Scene) -> None:
    role_id = await leader_role_scene(scene)
    assert role_id in roles_of(scene, scene.lena)  # the leader before the role was configured
    granted = await scene.lena.slash(scene.channel, "role grant", member=scene.sam, role="leader")
    assert "Sam is now leader" in said(granted)
    assert role_id not in roles_of(scene, scene.sam)  # not before the outbox delivers
    assert await scene.deliver() == 1
    assert role_id in roles_of(scene, scene.sam)
    revoked = await scene.lena.slash(scene.channel, "role revoke", member=scene.sam, role="leader")
    assert "no longer leader" in said(revoked)
    assert await scene.deliver() == 1
    assert role_id not in roles_of(scene, scene.sam)
    # Leaving the community takes the role away too.
    await scene.lena.slash(scene.channel, "role grant", member=scene.sam, role="leader")
    await scene.sam.slash(scene.channel, "leave")
    assert await scene.deliver() == 2
    assert role_id not in roles_of(scene, scene.sam)


async def test_a_leader_role_the_bot_may_not_manage_is_a_clear_permanent_failure(scene: Scene) -> None:
    role_id = await leader_role_scene(scene, above_the_bot=True)
    await scene.lena.slash(scene.channel, "role grant", member=scene.sam, role="leader")
    assert await scene.deliver() == 0
    states = await outbox(scene)
    assert [s for s, _ in states[-2:]] == ["failed", "failed"]  # lena's at configuration, then sam's
    assert all(reason is not None and "Manage Roles" in reason for _, reason in states[-2:])
    assert role_id not in roles_of(scene, scene.sam)


async def test_a_role_change_for_someone_who_left_the_server_is_given_up(scene: Scene) -> None:
    role = scene.guild.create_role("Leaders")
    await scene.emit(RoleChange(home(scene), AccountRef("discord", "123456789012345678"), Role.LEADER, True,
                                "Pacing Circle", discord_role_id=str(role.id)))
    assert await scene.deliver() == 0
    [(state, reason)] = await outbox(scene)
    assert state == "failed" and reason is not None and "no longer on the server" in reason
