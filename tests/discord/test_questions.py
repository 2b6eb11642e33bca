"""Questions on a simulated Discord: forum homes with status tags, posts as questions, replies
tracked from message metadata, nudges as DMs with buttons, catching up after a reconnect.
Every step goes through discord.py's real gateway parsing, dispatch, command tree and views."""

from __future__ import annotations

from typing import Any

import pytest
from simcord import Env
from simcord.backend.models.channel import Overwrite
from simcord.builders import ChannelHandle
from simcord.enums import OverwriteType

from bots.discord.client import CarpoolClient
from core.effects import Action, DirectMessage
from core.questions.ladder import LADDER
from core.questions.model import subject
from core.refs import AccountRef
from tests.discord.conftest import new_client
from tests.discord.scene import Scene, buttons, messages, private, public, said
from tests.world import World

QUESTION = "How do you pace yourself on work days?"


@pytest.fixture
def scene(simcord_env: Env, world: World) -> Scene:
    return Scene.create(simcord_env, world)


def post_titled(forum: ChannelHandle, title: str) -> ChannelHandle:
    [post] = [t for t in forum.threads if t.name == title]
    return post


async def ask_in_forum(scene: Scene, welcome: ChannelHandle, forum: ChannelHandle) -> ChannelHandle:
    result = await scene.sam.slash(welcome, "ask", text=QUESTION)
    assert private(result) and "Posted: <#" in said(result), said(result)
    return post_titled(forum, QUESTION)


@pytest.mark.postgres_too
async def test_setup_in_a_forum_creates_the_status_tags(scene: Scene) -> None:
    forum, _ = await scene.forum_home()
    assert {"Open", "Answered", "Solved", "Closed"} <= set(scene.available_tags(forum))
    assert await scene.world.sql("SELECT room_id, kind FROM homes") == [(str(forum.id), "forum")]


@pytest.mark.postgres_too
async def test_ask_in_a_forum_opens_a_post_tagged_open(scene: Scene) -> None:
    forum, welcome = await scene.forum_home()
    before = len(welcome.history())
    post = await ask_in_forum(scene, welcome, forum)
    assert scene.tags(post) == ["Open"]
    [starter] = post.history()
    assert starter.content.startswith(f"**Question #1** from <@{scene.sam.id}>:\n{QUESTION}")
    # The asker is mentioned (so they follow the post); nobody else is pinged.
    stored = scene.env.backend.get_message(post.id, starter.id)
    assert stored.ping_user_ids == [scene.sam.id] and not stored.mention_everyone
    question = await scene.question(1)
    assert question["thread_id"] == str(post.id) and question["status"] == "open"
    # Nothing was said in the post the command was typed in.
    assert len(welcome.history()) == before


async def test_a_post_a_member_opens_in_the_forum_is_a_question(scene: Scene) -> None:
    forum, _ = await scene.forum_home()
    post = await scene.member_post(forum, scene.sam, "Does anyone use a heart-rate monitor?")
    question = await scene.question(1)
    assert question["thread_id"] == str(post.id) and question["text"] == "Does anyone use a heart-rate monitor?"
    assert scene.tags(post) == ["Open"]
    answer = post.last_message
    assert answer is not None and answer.author.id == scene.env.backend.bot_user.id
    assert "this is question #1" in answer.content
    [(ident,)] = await scene.world.sql("SELECT id FROM questions")
    assert await scene.timers(LADDER) == [subject(ident)]  # the response clock runs


async def test_a_post_by_someone_who_has_not_joined_gets_a_kind_answer_and_no_question(scene: Scene) -> None:
    forum, _ = await scene.forum_home()
    newcomer = scene.guild.add_member(scene.env.create_user("nia", global_name="Nia"))
    post = await scene.member_post(forum, newcomer, "Is this the place for pacing questions?")
    assert await scene.world.sql("SELECT count(*) FROM questions") == [(0,)]
    answer = post.last_message
    assert answer is not None and answer.content.startswith(f"<@{newcomer.id}> You need to join Pacing Circle first")
    assert scene.env.backend.get_message(post.id, answer.id).ping_user_ids == [newcomer.id]
    assert scene.tags(post) == []


async def test_posts_in_a_forum_that_is_no_home_are_left_alone(scene: Scene) -> None:
    await scene.forum_home()
    other = scene.guild.create_forum_channel("off-topic")
    post = await scene.member_post(other, scene.sam, "Favourite films?")
    assert await scene.world.sql("SELECT count(*) FROM questions") == [(0,)]
    assert [m.author.id for m in post.history()] == [scene.sam.id]


@pytest.mark.postgres_too
async def test_a_leaders_reply_marks_the_question_answered_and_stops_the_clock(scene: Scene) -> None:
    forum, welcome = await scene.forum_home()
    post = await ask_in_forum(scene, welcome, forum)
    # The asker's own follow-up is no answer.
    await scene.sam.send(post, "Some more detail about my week")
    assert (await scene.question(1))["status"] == "open"
    assert len(await scene.timers(LADDER)) == 1
    await scene.lena.send(post, "I plan rest before I am tired")
    question = await scene.question(1)
    assert question["status"] == "answered" and question["first_response_at"] is not None
    assert await scene.timers(LADDER) == []
    # Past the SLA nobody is nudged about it.
    await scene.advance(hours=25)
    await scene.sweep()
    assert scene.lena.user.dm_channel.history() == []


async def test_a_bots_message_does_not_answer(scene: Scene) -> None:
    forum, welcome = await scene.forum_home()
    post = await ask_in_forum(scene, welcome, forum)
    helper = scene.guild.add_member(scene.env.create_user("helper-bot", bot=True))
    await helper.send(post, "Beep")
    assert (await scene.question(1))["status"] == "open"


async def nudged(scene: Scene) -> tuple[ChannelHandle, ChannelHandle]:
    forum, welcome = await scene.forum_home()
    post = await ask_in_forum(scene, welcome, forum)
    await scene.advance(hours=25)
    await scene.sweep()
    return forum, post


@pytest.mark.postgres_too
async def test_no_reply_past_the_sla_nudges_the_leader_by_dm_with_working_buttons(scene: Scene) -> None:
    _, post = await nudged(scene)
    [nudge] = scene.lena.user.dm_channel.history()
    assert "**Pacing Circle** needs you" in nudge.content
    assert QUESTION in nudge.content
    link = f"https://discord.com/channels/{scene.guild.id}/{post.id}"
    found = {b["label"]: b for b in buttons(nudge)}
    assert found["Open #1"]["url"] == link
    assert found["Snooze #1 4h"]["custom_id"].startswith("cp:questions snooze 1 4h in:")
    # The Snooze button works from the DM, where there is no community to find by channel.
    clicked = await scene.lena.user.click(nudge, label="Snooze #1 4h")
    assert private(clicked) and "No nudges about question #1 for 4h." in said(clicked)
    assert (await scene.question(1))["snoozed_until"] is not None
    # Nudged once: sweeping again sends nothing more.
    await scene.sweep()
    assert len(scene.lena.user.dm_channel.history()) == 1


async def test_an_old_nudges_buttons_still_work_after_a_restart(scene: Scene) -> None:
    await nudged(scene)
    [nudge] = scene.lena.user.dm_channel.history()
    await scene.env.restart_bot(new_client(scene.world))
    clicked = await scene.lena.user.click(nudge, label="Snooze #1 4h")
    assert private(clicked) and "No nudges about question #1" in said(clicked)


async def test_a_dm_button_runs_with_the_clickers_own_roles(scene: Scene) -> None:
    await nudged(scene)
    [community_id] = [r[0] for r in await scene.world.sql("SELECT id FROM communities")]
    # The same button as Lena's nudge, in Sam's DM: naming the community grants nothing.
    await scene.emit(DirectMessage(AccountRef("discord", str(scene.sam.id)), "A button for Sam",
                                   (Action("Snooze #1 4h", f"questions snooze 1 4h in:{community_id}"),)))
    await scene.deliver()
    [message] = scene.sam.user.dm_channel.history()
    clicked = await scene.sam.user.click(message, label="Snooze #1 4h")
    assert private(clicked) and "Only a leader" in said(clicked)
    assert (await scene.question(1))["snoozed_until"] is None


async def test_closed_dms_fall_back_to_a_mention_in_the_forum_home(scene: Scene) -> None:
    forum, welcome = await scene.forum_home()
    dm = scene.lena.user.dm_channel
    scene.env.inject_error("POST", f"/channels/{dm.id}/messages", status=403, code=50007,
                           message="Cannot send messages to this user", times=None)
    await ask_in_forum(scene, welcome, forum)
    await scene.advance(hours=25)
    await scene.sweep()
    assert dm.history() == []
    [notice] = [t for t in forum.threads if t.name.startswith("For Lena")]
    [message] = notice.history()
    assert message.content.startswith(f"<@{scene.lena.id}> I couldn't send you a direct message")
    assert QUESTION in message.content
    assert scene.env.backend.get_message(notice.id, message.id).ping_user_ids == [scene.lena.id]
    assert "Snooze #1 4h" in [b["label"] for b in buttons(message)]
    # The bot's own post is not taken for a question.
    assert await scene.world.sql("SELECT count(*) FROM questions") == [(1,)]


@pytest.mark.postgres_too
async def test_solved_tags_the_post_and_archives_it_when_the_community_chose_so(scene: Scene) -> None:
    forum, welcome = await scene.forum_home()
    configured = await scene.lena.slash(welcome, "community config", key="archive_solved", value="yes")
    assert "archive_solved` is now" in said(configured), said(configured)
    post = await ask_in_forum(scene, welcome, forum)
    await scene.lena.send(post, "Plan rest first")
    solved = await scene.sam.slash(post, "solved", answer="Lena's plan")
    assert public(solved) and "Question #1 is solved" in said(solved)
    await scene.deliver()
    assert scene.tags(post) == ["Solved"]
    assert scene.archived(post)
    assert (await scene.question(1))["status"] == "resolved"


async def test_solved_on_an_archived_post_reopens_it_to_change_the_tag(scene: Scene) -> None:
    forum, welcome = await scene.forum_home()
    post = await ask_in_forum(scene, welcome, forum)
    scene.env.backend.get_channel(post.id).thread_metadata.archived = True
    closed = await scene.lena.slash(welcome, "questions close", number=1, reason="duplicate")
    assert "Question #1 is closed" in said(closed)
    await scene.deliver()
    assert scene.tags(post) == ["Closed"]
    assert await scene.world.sql("SELECT state FROM outbox") == [("delivered",)]


async def test_without_permission_for_tags_the_bot_says_so_and_carries_on(scene: Scene) -> None:
    forum = scene.guild.create_forum_channel("questions")
    bot_role = next(r for r in scene.env.backend.get_guild(scene.guild.id).roles.values() if r.managed)
    deny = 1 << 4 | 1 << 34  # Manage Channels, Manage Threads
    scene.env.backend.set_overwrite(forum.id, Overwrite(bot_role.id, OverwriteType.ROLE, deny=deny))
    welcome = scene.forum_post(forum, scene.lena, "Welcome")
    setup = await scene.lena.slash(welcome, "community setup", name="Pacing Circle")
    assert "is set up here" in said(setup)
    assert "Manage Channels" in said(setup)  # said once, where the admin looks
    await scene.joined(scene.sam, welcome)
    asked = await scene.sam.slash(welcome, "ask", text=QUESTION)
    assert private(asked) and "Posted: <#" in said(asked) and "Manage Channels" in said(asked)
    post = post_titled(forum, QUESTION)
    assert scene.tags(post) == []
    assert (await scene.question(1))["thread_id"] == str(post.id)
    # Solved all the same; the post says why it carries no tag.
    solved = await scene.sam.slash(post, "solved")
    assert "Question #1 is solved" in said(solved)
    await scene.deliver()
    assert (await scene.question(1))["status"] == "resolved"
    note = post.last_message
    assert note is not None and "“Solved”" in note.content and "Manage Channels" in note.content
    assert await scene.world.sql("SELECT state FROM outbox") == [("delivered",)]


async def test_ask_in_a_text_channel_opens_a_thread_on_the_answer(scene: Scene) -> None:
    await scene.community()
    await scene.joined(scene.sam)
    result = await scene.sam.slash(scene.channel, "ask", text=QUESTION)
    assert public(result) and "**Question #1** from" in said(result)
    [thread] = scene.channel.threads
    [answer] = messages(result)
    assert thread.id == answer.id and thread.name == QUESTION
    assert (await scene.question(1))["thread_id"] == str(thread.id)
    await scene.lena.send(thread, "Here is how")
    assert (await scene.question(1))["status"] == "answered"


async def test_a_reply_sent_while_the_bot_was_away_stops_the_clock_after_it_resumes(
        scene: Scene, simcord_bot: CarpoolClient) -> None:
    forum, welcome = await scene.forum_home()
    post = await ask_in_forum(scene, welcome, forum)
    await scene.advance(hours=2)
    client: Any = simcord_bot
    await client.ws.close()  # the gateway connection drops: events stop arriving
    await scene.lena.send(post, "Answered while the bot was away")
    assert (await scene.question(1))["status"] == "open"
    client.ws.open = True
    scene.env.backend.emit("RESUMED", {})  # the session resumes; Discord replays nothing
    await scene.env.settle()
    await client.thread_activity.idle()
    question = await scene.question(1)
    assert question["status"] == "answered" and await scene.timers(LADDER) == []
    # Catching up again changes nothing.
    scene.env.backend.emit("RESUMED", {})
    await scene.env.settle()
    await client.thread_activity.idle()
    assert (await scene.question(1))["first_response_at"] == question["first_response_at"]


async def test_a_post_opened_while_the_bot_was_away_becomes_a_question_when_it_is_back(
        scene: Scene, simcord_bot: CarpoolClient) -> None:
    forum, _ = await scene.forum_home()
    await scene.advance(minutes=5)
    client: Any = simcord_bot
    await client.ws.close()
    post = await scene.member_post(forum, scene.sam, "Asked while the bot was away")
    assert await scene.world.sql("SELECT count(*) FROM questions") == [(0,)]
    client.ws.open = True
    scene.env.backend.emit("RESUMED", {})
    await scene.env.settle()
    await client.thread_activity.idle()
    question = await scene.question(1)
    assert question["thread_id"] == str(post.id) and question["text"] == "Asked while the bot was away"
    assert scene.tags(post) == ["Open"] and "this is question #1" in (post.last_message.content or "")
    # Once answered there, the post is seen: catching up again adds nothing.
    scene.env.backend.emit("RESUMED", {})
    await scene.env.settle()
    await client.thread_activity.idle()
    assert await scene.world.sql("SELECT count(*) FROM questions") == [(1,)]
    assert len([m for m in post.history() if m.author.bot]) == 1


async def test_a_leader_command_from_a_member_is_refused_privately(scene: Scene) -> None:
    forum, welcome = await scene.forum_home()
    await ask_in_forum(scene, welcome, forum)
    before = await scene.world.counts()
    for name, options in [("questions snooze", {"number": 1, "duration": "4h"}),
                          ("questions close", {"number": 1}), ("leader away", {"duration": "1w"})]:
        result = await scene.sam.slash(welcome, name, **options)
        assert private(result) and "Only a leader" in said(result), said(result)
    assert await scene.world.counts() == before


MALFORMED = [
    ("questions snooze", {"number": 1, "duration": "banana"}, "duration"),
    ("questions snooze", {"number": 99, "duration": "4h"}, "There is no question #99"),
    ("questions snooze", {"number": 1, "duration": "400d"}, "at most 30 days"),
    ("solved", {"number": 42}, "There is no question #42"),
    ("leader away", {"duration": "200d"}, "at most 90 days"),
    ("ask", {"text": "   "}, "can't be empty"),
    ("ask", {"text": "x" * 5000}, "at most"),
]


@pytest.mark.parametrize(("name", "options", "expected"), MALFORMED,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(MALFORMED)])
async def test_malformed_options_get_a_short_private_answer(scene: Scene, name: str, options: dict[str, object],
                                                            expected: str) -> None:
    forum, welcome = await scene.forum_home()
    await ask_in_forum(scene, welcome, forum)
    before = await scene.world.counts()
    result = await scene.lena.slash(welcome, name, **options)
    assert private(result) and expected in said(result) and len(said(result)) < 400, said(result)
    assert await scene.world.counts() == before
    assert len(forum.threads) == 2  # the welcome post and the question: no post for a refused question


async def test_autocomplete_offers_open_questions_at_most_25(scene: Scene) -> None:
    await scene.community()
    await scene.joined(scene.sam)
    for number in range(30):
        await scene.sam.slash(scene.channel, "ask", text=f"Question number {number} about pacing")
    found = await scene.lena.autocomplete(scene.channel, "solved", "number", "")
    assert len(found) == 25 and all(isinstance(c["value"], int) for c in found)
    assert found[0]["name"].startswith("#1 · open · Question number 0")
    narrowed = await scene.lena.autocomplete(scene.channel, "questions snooze", "number", "number 17")
    assert [c["value"] for c in narrowed] == [18]
    durations = await scene.lena.autocomplete(scene.channel, "questions snooze", "duration", "")
    assert "4h" in [c["value"] for c in durations] and len(durations) <= 25


async def test_questions_and_leader_commands_answer_privately_where_personal(scene: Scene) -> None:
    forum, welcome = await scene.forum_home()
    await ask_in_forum(scene, welcome, forum)
    before = [m.content for m in welcome.history()]
    listing = await scene.sam.slash(welcome, "questions show", which="open")
    assert private(listing) and "#1 · open" in said(listing)
    assert f"https://discord.com/channels/{scene.guild.id}/" in said(listing)
    away = await scene.lena.slash(welcome, "leader away", duration="1w")
    assert private(away) and "You are away for 1w" in said(away)
    back = await scene.lena.slash(welcome, "leader back")
    assert private(back) and "Welcome back" in said(back)
    stats = await scene.sam.slash(welcome, "leader stats")
    assert public(stats) and "Lena" in said(stats)
    # The personal answers started private: no public placeholder was ever shown.
    assert [m.content for m in welcome.history()] == [*before, said(stats)]
