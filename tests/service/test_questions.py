"""Questions and the leader-response ladder, through the real bus, storage, sweeper and outbox."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from core.effects import DirectMessage, HomePost, ThreadUpdate
from tests.fakes import FakeClock, FakePlatform
from tests.world import World


def dms(platform: FakePlatform, to: str | None = None) -> list[DirectMessage]:
    return [e for e in platform.effects if isinstance(e, DirectMessage) and (to is None or e.to.user_id == to)]


def posts(platform: FakePlatform) -> list[HomePost]:
    return [e for e in platform.effects if isinstance(e, HomePost)]


async def circle(world: World, *, sla: str = "4h", members: tuple[str, ...] = ("sam", "ana")) -> None:
    await world.community(members=list(members))
    await world.ok("lena", f"community config sla {sla}")
    await world.deliver()


async def test_an_unanswered_question_nudges_each_available_leader_once(world: World, platform: FakePlatform,
                                                                        clock: FakeClock) -> None:
    await circle(world)
    await world.ok("lena", "role grant ana leader")
    reply = await world.ok("sam", "ask How do you pace yourself on work days?")
    assert "Question #1" in reply.text and "within 4 h" in reply.text
    clock.advance(hours=3, minutes=59)
    await world.sweep()
    assert dms(platform) == []
    clock.advance(minutes=2)
    await world.sweep()
    nudged = sorted(d.to.user_id for d in dms(platform))
    assert nudged == ["ana", "lena"]
    text = dms(platform, "lena")[0].text
    assert "#1 (4 h)" in text and "How do you pace yourself on work days?" in text
    assert [a.command for a in dms(platform, "lena")[0].actions] == ["questions snooze 1 4h in:1"]
    clock.advance(minutes=30)
    await world.sweep()
    assert len(dms(platform)) == 2  # nothing twice


async def test_one_nudge_lists_every_stale_question_oldest_first(world: World, platform: FakePlatform,
                                                                 clock: FakeClock) -> None:
    await circle(world)
    await world.ok("sam", "ask First question?")
    clock.advance(minutes=10)
    await world.ok("ana", "ask Second question?")
    await world.ok("ana", "idea Third, an idea")
    clock.advance(hours=4, minutes=10)
    await world.sweep()
    [nudge] = dms(platform, "lena")
    assert nudge.text.index("First question?") < nudge.text.index("Second question?") < nudge.text.index("Third")
    assert "3 question(s) waiting" in nudge.text


async def test_an_answer_before_the_sla_means_no_nudge(world: World, platform: FakePlatform,
                                                       clock: FakeClock) -> None:
    await circle(world)
    await world.ok("sam", "ask Anyone tried an energy diary?")
    clock.advance(hours=1)
    await world.reply_in("ana", 1)  # a member, not a leader: any human answer counts
    clock.advance(hours=20)
    await world.sweep()
    assert dms(platform) == [] and posts(platform) == []
    listing = await world.ok("sam", "questions all")
    assert "#1 · answered" in listing.text


async def test_an_answer_between_rungs_stops_the_ladder(world: World, platform: FakePlatform,
                                                        clock: FakeClock) -> None:
    await circle(world)
    await world.ok("lena", "role grant ana moderator")
    await world.ok("sam", "ask Is this normal after a crash?")
    clock.advance(hours=4, minutes=1)
    await world.sweep()
    assert [d.to.user_id for d in dms(platform)] == ["lena"]
    clock.advance(hours=1)
    await world.reply_in("lena", 1)
    clock.advance(days=2)
    await world.sweep()
    assert [d.to.user_id for d in dms(platform)] == ["lena"]
    assert posts(platform) == []


async def test_the_ladder_climbs_to_moderators_the_home_and_the_hub(engine, clock: FakeClock,  # type: ignore[no-untyped-def]
                                                                   platform: FakePlatform) -> None:
    world = World.create(engine, clock, [platform], network={"hubs": ["console:hub"]})
    await circle(world)
    await world.ok("lena", "role grant ana expert RN")
    await world.ok("sam", "ask Where do I find a pacing coach?")
    clock.advance(hours=4, minutes=1)
    await world.sweep()
    assert [d.to.user_id for d in dms(platform)] == ["lena"]
    clock.advance(hours=4)
    await world.sweep()
    assert sorted(d.to.user_id for d in dms(platform)[1:]) == ["ana", "lena"]
    [note] = posts(platform)
    assert note.home.room_id == "main" and "needs an answer" in note.text
    clock.advance(hours=4)
    await world.sweep()
    hub = [p for p in posts(platform) if p.home.room_id == "hub"]
    assert len(hub) == 1 and "Pacing Circle" in hub[0].text
    clock.advance(days=3)
    await world.sweep()
    assert len(posts(platform)) == 2 and len(dms(platform)) == 3  # the ladder has three rungs


async def test_an_away_leader_is_skipped_and_co_leaders_get_the_nudge(world: World, platform: FakePlatform,
                                                                      clock: FakeClock) -> None:
    await circle(world)
    await world.ok("lena", "role grant ana leader")
    await world.ok("lena", "leader away 1w")
    await world.ok("sam", "ask Who covers while Lena is away?")
    clock.advance(hours=5)
    await world.sweep()
    assert [d.to.user_id for d in dms(platform)] == ["ana"]
    await world.ok("lena", "leader back")
    assert "You were not away" in (await world.ok("lena", "leader back")).text


async def test_with_every_leader_away_moderators_and_the_hub_hear_of_it(engine, clock: FakeClock,  # type: ignore[no-untyped-def]
                                                                        platform: FakePlatform) -> None:
    world = World.create(engine, clock, [platform], network={"hubs": ["console:hub"]})
    await circle(world)
    await world.ok("lena", "role grant ana moderator")
    await world.ok("lena", "leader away 2w")
    await world.ok("sam", "ask Anyone?")
    clock.advance(hours=5)
    await world.sweep()
    assert [d.to.user_id for d in dms(platform)] == ["ana"]
    assert [p.home.room_id for p in posts(platform)] == ["hub"]


async def test_quiet_hours_hold_a_nudge_until_they_end(world: World, platform: FakePlatform,
                                                       clock: FakeClock) -> None:
    await circle(world)
    await world.ok("lena", "community config timezone Europe/Berlin")
    await world.ok("lena", "community config quiet_hours 22:00-07:00")
    clock.set(datetime(2026, 3, 2, 18, 30, tzinfo=UTC))  # 19:30 in Berlin
    await world.ok("sam", "ask Late question?")
    clock.set(datetime(2026, 3, 2, 22, 31, tzinfo=UTC))  # 23:31 in Berlin: quiet
    await world.sweep()
    assert dms(platform) == []
    clock.set(datetime(2026, 3, 3, 5, 59, tzinfo=UTC))  # 06:59 in Berlin
    await world.sweep()
    assert dms(platform) == []
    clock.set(datetime(2026, 3, 3, 6, 0, 1, tzinfo=UTC))  # 07:00:01 in Berlin
    await world.sweep()
    assert [d.to.user_id for d in dms(platform)] == ["lena"]


async def test_snooze_defers_the_nudges(world: World, platform: FakePlatform, clock: FakeClock) -> None:
    await circle(world)
    await world.ok("sam", "ask Can this wait?")
    await world.ok("lena", "questions snooze 1 8h")
    clock.advance(hours=7, minutes=59)
    await world.sweep()
    assert dms(platform) == []
    clock.advance(minutes=2)
    await world.sweep()
    assert [d.to.user_id for d in dms(platform)] == ["lena"]


async def test_the_askers_own_follow_up_and_bots_do_not_count(world: World, platform: FakePlatform,
                                                              clock: FakeClock) -> None:
    await circle(world)
    await world.ok("sam", "ask Does anyone use a heart-rate monitor?")
    clock.advance(hours=1)
    await world.reply_in("sam", 1)
    await world.reply_in("helperbot", 1, bot=True)
    clock.advance(hours=3, minutes=1)
    await world.sweep()
    assert [d.to.user_id for d in dms(platform)] == ["lena"]
    stats = await world.ok("lena", "leader stats")
    assert "1 asked" in stats.text and "0%" in stats.text


async def test_an_askers_follow_up_after_an_answer_starts_the_next_response_clock(
        world: World, platform: FakePlatform, clock: FakeClock) -> None:
    await circle(world)
    await world.ok("lena", "community config follow_up 1h")
    await world.ok("sam", "ask Which app do you use for pacing?")
    clock.advance(hours=1)
    await world.reply_in("ana", 1)
    clock.advance(hours=1)
    await world.reply_in("sam", 1)  # a follow-up question
    clock.advance(minutes=59)
    await world.sweep()
    assert "#1 · answered" in (await world.ok("sam", "questions")).text
    clock.advance(minutes=2)
    await world.sweep()
    assert "#1 · open" in (await world.ok("sam", "questions")).text
    clock.advance(hours=2, minutes=58)
    await world.sweep()
    assert dms(platform) == []
    clock.advance(minutes=2)  # 4h after the follow-up
    await world.sweep()
    assert [d.to.user_id for d in dms(platform)] == ["lena"]


async def test_a_reply_within_the_follow_up_window_keeps_it_answered(world: World, platform: FakePlatform,
                                                                     clock: FakeClock) -> None:
    await circle(world)
    await world.ok("sam", "ask Which app?")
    await world.reply_in("ana", 1)
    await world.reply_in("sam", 1)
    clock.advance(minutes=30)
    await world.reply_in("lena", 1)
    clock.advance(days=2)
    await world.sweep()
    assert dms(platform) == []


async def test_solved_by_the_asker_or_a_leader(world: World, platform: FakePlatform, clock: FakeClock) -> None:
    await circle(world, members=("sam", "ana", "bo"))
    await world.ok("sam", "ask One?")
    await world.ok("sam", "ask Two?")
    refused = await world.fails("bo", "solved 1")
    assert refused.text == "Only the person who asked or a leader can mark it solved."
    assert "The answer: the diary helped" in (await world.in_thread("sam", 1, "solved the diary helped")).text
    assert "The answer: rest before you crash" in (await world.ok("lena", "solved 2 rest before you crash")).text
    assert (await world.sql("SELECT answer FROM questions WHERE number = 2"))[0][0] == "rest before you crash"
    assert "already resolved" in (await world.fails("lena", "solved 2")).text
    await world.deliver()
    updates = [e for e in platform.effects if isinstance(e, ThreadUpdate)]
    assert [u.status for u in updates] == ["solved", "solved"]
    clock.advance(days=3)
    await world.sweep()
    assert dms(platform) == []


async def test_questions_lists_with_age_and_state(world: World, clock: FakeClock) -> None:
    await circle(world)
    await world.ok("sam", "ask Old one?")
    clock.advance(hours=5)
    await world.ok("ana", "idea New one")
    listing = (await world.ok("ana", "questions")).text
    assert "#1 · waiting past the SLA · 5 h" in listing and "#2 (idea) · open · 0 s" in listing
    assert "#1" in (await world.ok("ana", "questions stale")).text
    assert "#2" not in (await world.ok("ana", "questions stale")).text
    mine = (await world.ok("ana", "questions mine")).text
    assert "#2" in mine and "#1" not in mine
    assert "not asked anything" in (await world.ok("lena", "questions mine")).text


async def test_bad_input_gets_clear_errors(world: World) -> None:
    await circle(world)
    await world.ok("sam", "ask One?")
    assert "not a duration" in (await world.fails("lena", "questions snooze 1 soonish")).text
    assert "at most 30 days" in (await world.fails("lena", "questions snooze 1 60d")).text
    assert "Only a leader" in (await world.fails("sam", "questions snooze 1 4h")).text
    assert "Missing text" in (await world.fails("sam", "ask")).text
    assert "can't be empty" in (await world.fails("sam", "ask \x00\x01")).text
    assert "at most 1,800" in (await world.fails("sam", "ask " + "x" * 5000)).text
    assert "no question #9" in (await world.fails("lena", "solved 9")).text
    assert "Which question?" in (await world.fails("sam", "solved")).text
    assert "join Pacing Circle first" in (await world.fails("zed", "ask Can I?")).text
    assert (await world.counts())["questions"] == 1


async def test_leader_stats_reports_response_times(world: World, clock: FakeClock) -> None:
    await circle(world)
    await world.ok("lena", "role grant ana leader")
    for index in range(4):
        await world.ok("sam", f"ask Question {index}?")
    clock.advance(hours=1)
    await world.reply_in("lena", 1)
    clock.advance(hours=1)
    await world.reply_in("ana", 2)
    clock.advance(hours=4)
    await world.reply_in("lena", 3)
    stats = (await world.ok("sam", "leader stats")).text
    assert "4 asked, first response median 2 h" in stats
    assert "50% answered within the SLA" in stats  # 2 of 4 within 4h; #3 after 6h, #4 unanswered
    assert "- lena: first leader response on 2 question(s), median 3 h, 1 within the SLA" in stats
    assert "- ana: first leader response on 1 question(s), median 2 h, 1 within the SLA" in stats
    info = (await world.ok("sam", "community info")).text
    assert "Responsiveness (30 days): 4 asked" in info


async def test_a_nudge_button_works_from_the_direct_conversation(world: World, platform: FakePlatform,
                                                                 clock: FakeClock) -> None:
    await circle(world)
    await world.ok("sam", "ask Snooze me?")
    clock.advance(hours=5)
    await world.sweep()
    [nudge] = dms(platform)
    reply = await world.ok("lena", nudge.actions[0].command, where=None)
    assert "No nudges about question #1 for 4h" in reply.text
    refused = await world.fails("sam", nudge.actions[0].command, where=None)
    assert "Only a leader" in refused.text


@pytest.mark.parametrize("where", ["DM"])
async def test_asking_needs_the_home(world: World, where: str) -> None:
    await circle(world)
    reply = await world.fails("sam", "ask From a DM? in:1", where=None)
    assert "Ask in the home of Pacing Circle" in reply.text


async def test_a_new_sla_applies_to_questions_already_waiting(world: World, platform: FakePlatform,
                                                             clock: FakeClock) -> None:
    await circle(world, sla="24h")
    await world.ok("sam", "ask Asked under the old response time?")
    await world.ok("ana", "ask Answered already?")
    await world.reply_in("sam", 2)
    await world.ok("ana", "ask Snoozed?")
    await world.ok("lena", "questions snooze 3 6h")
    clock.advance(hours=2)
    await world.sweep()
    assert dms(platform) == []
    await world.ok("lena", "community config sla 1h")  # question 1 has waited past the new SLA
    await world.sweep()
    [nudge] = dms(platform, "lena")
    assert "#1 (2 h)" in nudge.text and "#2" not in nudge.text and "#3" not in nudge.text
    clock.advance(hours=4, minutes=1)  # the snooze is over: question 3 climbs now, question 2 never
    await world.sweep()
    assert "#3" in dms(platform, "lena")[-1].text and "#2" not in dms(platform, "lena")[-1].text


async def test_a_longer_sla_holds_back_a_nudge_that_was_due(world: World, platform: FakePlatform,
                                                           clock: FakeClock) -> None:
    await circle(world, sla="1h")
    await world.ok("sam", "ask Not urgent?")
    clock.advance(minutes=50)
    await world.ok("lena", "community config sla 4h")
    clock.advance(minutes=20)
    await world.sweep()
    assert dms(platform) == []
    clock.advance(hours=3)
    await world.sweep()
    assert [d.to.user_id for d in dms(platform)] == ["lena"]


async def test_a_first_reply_marks_the_thread_answered_and_a_lapsed_follow_up_reopens_it(
        world: World, platform: FakePlatform, clock: FakeClock) -> None:
    await circle(world)
    await world.ok("sam", "ask Tagged?")
    await world.reply_in("ana", 1)
    await world.reply_in("sam", 1)
    clock.advance(hours=2)
    await world.sweep()
    updates = [(u.thread_id, u.status) for u in platform.effects if isinstance(u, ThreadUpdate)]
    assert updates == [("main:q1", "answered"), ("main:q1", "open")]


async def test_in_a_forum_home_the_needs_an_answer_note_goes_into_the_questions_post(
        world: World, platform: FakePlatform, clock: FakeClock) -> None:
    from dataclasses import replace as with_

    from tests.world import HOME

    forum = with_(HOME, room_id="forum", room_kind="forum")
    await world.ok("lena", "community setup Forum Circle", admin=True, where=forum)
    await world.ok("sam", "join accept", where=forum)
    await world.ok("sam", "ask In the forum?", where=forum)
    clock.advance(days=2, minutes=1)
    await world.sweep()
    [note] = posts(platform)
    assert note.thread_id == "forum:q1" and "needs an answer" in note.text
