"""Recall petitions, elections and secret ballots, through the real bus, storage, timers and
outbox, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import hashlib
import re

import pytest
from sqlalchemy import inspect

from bots.markup import plain
from core.effects import DirectMessage, HomePost, RoleChange
from core.refs import Where
from core.roles import Role
from core.votes.tally import lottery_order
from tests import databases
from tests.crowd import add_members
from tests.fakes import FakeClock, FakePlatform
from tests.world import HOME, World

# A direct conversation with the bot on Matrix (private), and a shared Matrix room (not private).
MATRIX_DM = Where("matrix", room_id="!dm:example.org", direct=True, private=True)
MATRIX_ROOM = Where("matrix", room_id="!home:example.org", room_kind="room")
MEMBERS = ("sam", "ana", "bo", "cy")
RECEIPT = re.compile(r"`([A-Z0-9]{5}-[A-Z0-9]{5})`")


def posts(platform: FakePlatform) -> list[HomePost]:
    return [e for e in platform.effects if isinstance(e, HomePost)]


def dms(platform: FakePlatform, to: str | None = None) -> list[DirectMessage]:
    return [e for e in platform.effects if isinstance(e, DirectMessage) and (to is None or e.to.user_id == to)]


def roles(platform: FakePlatform) -> list[tuple[str, Role, bool]]:
    return [(e.account.user_id, e.role, e.granted) for e in platform.effects if isinstance(e, RoleChange)]


async def circle(world: World, clock: FakeClock, members: tuple[str, ...] = MEMBERS, **config: str) -> None:
    """lena leads; `members` joined 15 days ago (so they may take part in votes)."""
    await world.community(members=list(members))
    for key, value in config.items():
        await world.ok("lena", f"community config {key} {value}")
    clock.advance(days=15)


async def open_recall(world: World, by: str = "sam", cosigners: tuple[str, ...] = ("ana", "bo", "cy")) -> None:
    await world.ok(by, "vote recall lena Has not answered for a month")
    for who in cosigners:
        await world.ok(who, "vote cosign 1")


async def cast(world: World, who: str, line: str) -> str:
    """Vote on the console (a private place); returns the receipt code."""
    reply = await world.ok(who, line)
    found = RECEIPT.search(reply.text)
    assert found, reply.text
    return found[1]


async def test_a_petition_without_enough_co_signers_lapses(world: World, platform: FakePlatform,
                                                           clock: FakeClock) -> None:
    await circle(world, clock)
    started = await world.ok("sam", "vote recall lena Has not answered for a month")
    assert started.private and "needs 3 co-signers" in started.text
    await world.ok("ana", "vote cosign 1")
    await world.deliver()
    [announcement] = [p for p in posts(platform) if "Recall petition #1" in p.text]
    assert "sam" not in announcement.text  # who started it is not announced
    assert [a.command for a in announcement.actions] == ["vote cosign 1 in:1"]
    assert "recall petition #1 about your leadership" in dms(platform, "lena")[0].text
    assert "1 of 3 co-signers" in (await world.ok("bo", "vote status")).text
    clock.advance(days=7, minutes=-1)
    await world.sweep()
    assert "1 of 3" in (await world.ok("bo", "vote status")).text
    clock.advance(minutes=2)
    await world.sweep()
    assert "lapsed: it got 1 of the 3 co-signers" in posts(platform)[-1].text
    assert "not collecting co-signers" in (await world.fails("bo", "vote cosign 1")).text
    assert "lena — leader" in (await world.ok("sam", "members")).text
    assert (await world.counts())["ballots"] == 0


@pytest.mark.parametrize(("ballots", "recalled", "says"), [
    ({"sam": "recall", "ana": "recall", "bo": "recall", "cy": "keep", "lena": "keep"}, True, "60% voted for recall"),
    ({"sam": "recall", "ana": "recall", "cy": "keep", "lena": "keep"}, False, "50% voted for recall (threshold 60%)"),
    ({"sam": "recall"}, False, "too few voted for the result to count (quorum 30%)"),
    ({"sam": "recall", "ana": "recall"}, True, "100% voted for recall"),
])
async def test_quorum_and_threshold_decide_a_recall(world: World, platform: FakePlatform, clock: FakeClock,
                                                    ballots: dict[str, str], recalled: bool, says: str) -> None:
    await circle(world, clock)
    await open_recall(world)
    for who, choice in ballots.items():
        await cast(world, who, f"vote cast 1 {choice}")
    clock.advance(days=3)
    await world.sweep()
    [result] = [p for p in posts(platform) if "Result of recall #1" in p.text]
    assert says in result.text
    assert f"Recall: {list(ballots.values()).count('recall')} · Keep: {list(ballots.values()).count('keep')}" \
        in result.text
    assert f"{len(ballots)} of 5 voters on the roll voted" in result.text
    members = (await world.ok("sam", "members")).text
    assert ("lena — leader" in members) is not recalled
    assert (("lena", Role.LEADER, False) in roles(platform)) is recalled
    # With no leader left, an election starts by itself; otherwise nothing more happens.
    assert any("Election #2: nominations are open" in p.text for p in posts(platform)) is recalled


async def test_a_recalled_leader_with_a_co_leader_leaves_no_election(world: World, platform: FakePlatform,
                                                                   clock: FakeClock) -> None:
    await circle(world, clock)
    await world.ok("lena", "role grant cy leader")
    await open_recall(world, cosigners=("ana", "bo", "cy"))
    for who in ("sam", "ana", "bo"):
        await cast(world, who, "vote cast 1 recall")
    clock.advance(days=3)
    await world.sweep()
    assert "lena is no longer a leader" in posts(platform)[-1].text
    assert not any("Election" in p.text for p in posts(platform))
    assert "Leaders: cy" in (await world.ok("sam", "community info")).text


async def test_results_stay_hidden_until_close_and_every_receipt_is_published(world: World, platform: FakePlatform,
                                                                             clock: FakeClock) -> None:
    await circle(world, clock)
    await open_recall(world)
    mine = {who: await cast(world, who, f"vote cast 1 {choice}")
            for who, choice in (("sam", "recall"), ("ana", "keep"), ("bo", "recall"))}
    assert len(set(mine.values())) == 3
    status = (await world.ok("cy", "vote status")).text
    assert "turnout so far 3 of 5 (60%)" in status and "You have not voted yet" in status
    assert "keep" not in status.lower()
    assert "published when its voting closes" in (await world.fails("cy", "vote receipts 1")).text
    await world.deliver()
    assert not any("Recall: " in t for t in platform.texts())  # no running count anywhere
    clock.advance(days=3)
    await world.sweep()
    result = next(p.text for p in posts(platform) if "Result of recall #1" in p.text)
    for who, choice in (("sam", "recall"), ("ana", "keep"), ("bo", "recall")):
        assert f"`{mine[who]}` {choice}" in result
    listing = (await world.ok("cy", f"vote receipts 1 find:{mine['ana'][:4]}")).text
    assert f"`{mine['ana']}` keep" in listing
    # After counting, the database no longer knows who voted.
    assert (await world.counts())["vote_pending"] == 0
    assert (await world.counts())["ballots"] == 3


async def test_the_ballot_table_has_no_column_that_links_a_ballot_to_a_voter(world: World,
                                                                            clock: FakeClock) -> None:
    async with world.app.engine.connect() as connection:
        columns = await connection.run_sync(lambda c: {col["name"] for col in inspect(c).get_columns("ballots")})
        keys = await connection.run_sync(lambda c: inspect(c).get_foreign_keys("ballots"))
    assert columns == {"vote_id", "receipt", "choice"}
    assert [k["referred_table"] for k in keys] == ["votes"]
    # Who voted lives elsewhere and says nothing about what or when.
    async with world.app.engine.connect() as connection:
        pending = await connection.run_sync(lambda c: {col["name"] for col in inspect(c).get_columns("vote_pending")})
    assert pending == {"vote_id", "person_id"}
    await circle(world, clock)
    await open_recall(world)
    await cast(world, "sam", "vote cast 1 recall")
    # Blank ballots are made for the whole roll at the opening, in receipt order: a cast fills
    # one somewhere in the middle, not a new row at the end.
    rows = await world.sql("SELECT receipt, choice FROM ballots")
    assert len(rows) == 5 and sum(1 for r in rows if r.choice is not None) == 1


async def test_the_leader_under_recall_cannot_interfere(world: World, platform: FakePlatform,
                                                        clock: FakeClock) -> None:
    await circle(world, clock)
    await world.ok("sam", "vote recall lena Has not answered for a month")
    refused = await world.fails("lena", "vote cancel 1")
    assert "Only network staff can cancel a vote about you" in refused.text
    for line in ("community config vote_quorum 90%", "community config vote_duration 1h",
                 "community config vote_member_days 365", "community config petition_min 50"):
        assert "can't change vote settings" in (await world.fails("lena", line)).text
    assert "`vote_quorum` = 30%" in (await world.ok("sam", "community config")).text
    assert "Recall #1 is running" in (await world.fails("lena", "vote elect")).text
    assert "can't co-sign a petition about yourself" in (await world.fails("lena", "vote cosign 1")).text
    # A new rule makes members accept the rules again, but it can't shrink this vote's roll:
    # the vote requires the rules that were current when it started.
    await world.ok("lena", "rules add Only agree with the leader")
    for who in ("ana", "bo", "cy"):
        await world.ok(who, "vote cosign 1")
    await world.deliver()
    assert "5 members on the voter roll" in posts(platform)[-1].text
    await cast(world, "ana", "vote cast 1 recall")
    await cast(world, "lena", "vote cast 1 keep")  # the leader is a member and votes too
    assert "can't change vote settings" in (await world.fails("lena", "community config vote_threshold 100")).text


async def test_a_running_vote_keeps_the_settings_it_started_with(world: World, platform: FakePlatform,
                                                                 clock: FakeClock) -> None:
    await circle(world, clock)
    await world.ok("lena", "role grant cy leader")
    await open_recall(world)
    await world.ok("cy", "community config vote_threshold 100%")  # a co-leader may, for later votes
    for who, choice in (("sam", "recall"), ("ana", "recall"), ("bo", "keep")):
        await cast(world, who, f"vote cast 1 {choice}")
    clock.advance(days=3)
    await world.sweep()
    assert "lena is recalled**: 67% voted for recall (threshold 60%)" in posts(platform)[-1].text.replace(
        "<@console:lena|lena>", "lena")


async def test_network_staff_can_cancel_and_the_ballots_are_destroyed_unread(
        engine, clock: FakeClock, platform: FakePlatform) -> None:  # type: ignore[no-untyped-def]
    world = World.create(engine, clock, [platform], network={"staff": ["console:ops"]})
    await circle(world, clock)
    await open_recall(world)
    await cast(world, "sam", "vote cast 1 recall")
    assert "Only network staff" in (await world.fails("ana", "vote cancel 1")).text
    await world.ok("ops", "vote cancel 1 Opened by mistake")
    await world.deliver()
    assert "Recall #1** was cancelled by network staff: Opened by mistake" in posts(platform)[-1].text
    assert (await world.counts())["ballots"] == 0
    assert "Recall #1 is cancelled" in (await world.fails("sam", "vote cast 1 keep")).text
    assert await world.sql("SELECT kind FROM timers WHERE subject = 'vote:1' AND state = 'pending'") == []


async def test_members_too_new_or_without_the_current_rules_cannot_take_part(world: World, clock: FakeClock) -> None:
    await circle(world, clock)
    await world.ok("lena", "rules add Cite your sources")  # everyone must accept version 2 again
    for who in ("sam", "ana", "cy"):
        await world.ok(who, "join accept")
    await world.ok("newbie", "join accept")
    before = await world.counts()
    assert "been in the community for 14 days" in (await world.fails("newbie", "vote recall lena Never answers")).text
    assert "accept the community's current rules" in (await world.fails("bo", "vote recall lena Slow")).text
    assert await world.counts() == before
    await world.ok("sam", "vote recall lena Has not answered for a month")
    assert "14 days" in (await world.fails("newbie", "vote cosign 1")).text
    assert "current rules" in (await world.fails("bo", "vote cosign 1")).text
    assert "0 of 3 co-signers" in (await world.ok("sam", "vote status")).text


async def test_the_roll_is_frozen_at_the_opening(world: World, platform: FakePlatform, clock: FakeClock) -> None:
    await circle(world, clock, members=("sam", "ana", "bo", "cy", "dee"))
    await world.ok("lena", "rules add Cite your sources")
    for who in ("sam", "ana", "bo", "cy"):
        await world.ok(who, "join accept")  # dee does not accept version 2 in time
    await world.ok("newbie", "join accept")
    await world.ok("sam", "vote recall lena Has not answered for a month")
    for who in ("ana", "bo", "cy"):
        await world.ok(who, "vote cosign 1")
    await world.deliver()
    assert "4 members on the voter roll" in posts(platform)[-1].text  # sam, ana, bo, cy
    for who in ("newbie", "dee", "lena"):
        refused = await world.fails(who, "vote cast 1 keep")
        assert "not on the voter roll of recall #1" in refused.text
        assert "not on the voter roll" in (await world.fails(who, "vote ballot 1")).text
    await world.ok("dee", "join accept")
    clock.advance(days=20)
    assert "not on the voter roll" in (await world.fails("dee", "vote cast 1 keep")).text
    await world.ok("bo", "leave")  # leaving does not take anyone off a frozen roll
    await cast(world, "bo", "vote cast 1 recall")


async def test_nobody_votes_twice_not_even_with_linked_accounts(world: World, platform: FakePlatform,
                                                                clock: FakeClock) -> None:
    await circle(world, clock)
    code = (await world.ok("sam", "link")).text.split("`link ")[1].split("`")[0]
    await world.ok("@sam:example.org", f"link {code}", where=MATRIX_DM, platform="matrix")
    await open_recall(world)
    await cast(world, "sam", "vote cast 1 recall")
    again = await world.fails("sam", "vote cast 1 keep")
    assert "already voted" in again.text
    other = await world.fails("@sam:example.org", "vote cast 1 keep in:1", where=MATRIX_DM, platform="matrix")
    assert "already voted in recall #1" in other.text and "whichever account" in other.text
    assert "You have voted" in (await world.ok("@sam:example.org", "vote ballot 1 in:1", where=MATRIX_DM,
                                                platform="matrix")).text
    assert len(await world.sql("SELECT choice FROM ballots WHERE choice IS NOT NULL")) == 1


async def test_linking_two_member_accounts_during_a_vote_leaves_one_vote(world: World, platform: FakePlatform,
                                                                         clock: FakeClock) -> None:
    await world.community(members=list(MEMBERS))
    home_code = (await world.ok("lena", "community link")).text.split("`community link ")[1].split("`")[0]
    await world.ok("@admin:example.org", f"community link {home_code}", where=MATRIX_ROOM, platform="matrix",
                   admin=True)
    # bo joined on both platforms without linking: two persons, both on the roll.
    await world.ok("@bo:example.org", "join accept", where=MATRIX_ROOM, platform="matrix")
    clock.advance(days=15)
    await open_recall(world)
    assert "turnout so far 0 of 6" in (await world.ok("bo", "vote status")).text
    await cast(world, "bo", "vote cast 1 recall")
    code = (await world.ok("bo", "link")).text.split("`link ")[1].split("`")[0]
    await world.ok("@bo:example.org", f"link {code}", where=MATRIX_DM, platform="matrix")
    refused = await world.fails("@bo:example.org", "vote cast 1 keep in:1", where=MATRIX_DM, platform="matrix")
    assert "already voted" in refused.text
    assert "turnout so far 1 of 5" in (await world.ok("bo", "vote status")).text


async def test_a_ballot_typed_where_others_see_it_is_refused_and_nothing_recorded(world: World, clock: FakeClock,
                                                                                  platform: FakePlatform) -> None:
    await world.community(members=list(MEMBERS))
    home_code = (await world.ok("lena", "community link")).text.split("`community link ")[1].split("`")[0]
    await world.ok("@admin:example.org", f"community link {home_code}", where=MATRIX_ROOM, platform="matrix",
                   admin=True)
    await world.ok("@eve:example.org", "join accept", where=MATRIX_ROOM, platform="matrix")
    clock.advance(days=15)
    await open_recall(world)
    before = await world.counts()
    refused = await world.fails("@eve:example.org", "vote cast 1 recall", where=MATRIX_ROOM, platform="matrix")
    assert "Ballots are secret" in refused.text and "direct message" in refused.text
    assert "vote cast 1 <choice> in:1" in refused.text and "recall" not in refused.text.replace("recall #", "")
    assert await world.counts() == before
    for where in (None, Where("discord", room_id="123", space_id="9", private=False)):
        assert "Ballots are secret" in (await world.fails("sam", "vote cast 1 keep in:1", where=where)).text
    # The same person, from a direct conversation: counted.
    reply = await world.ok("@eve:example.org", "vote cast 1 recall in:1", where=MATRIX_DM, platform="matrix")
    assert RECEIPT.search(reply.text) and reply.private
    # Without `in:`, the only open ballot #1 on eve's roll is the one meant.
    assert "already voted" in (await world.fails("@eve:example.org", "vote cast 1 keep", where=MATRIX_DM,
                                                 platform="matrix")).text
    assert "Which community?" in (await world.fails("@stranger:example.org", "vote cast 1 keep", where=MATRIX_DM,
                                                    platform="matrix")).text


async def test_roles_change_on_both_platforms_after_a_recall(engine, clock: FakeClock) -> None:  # type: ignore[no-untyped-def]
    console, matrix = FakePlatform("console"), FakePlatform("matrix")
    world = World.create(engine, clock, [console, matrix])
    await world.community(members=list(MEMBERS))
    await world.ok("lena", "community config leader_power 60")
    home_code = (await world.ok("lena", "community link")).text.split("`community link ")[1].split("`")[0]
    await world.ok("@admin:example.org", f"community link {home_code}", where=MATRIX_ROOM, platform="matrix",
                   admin=True)
    code = (await world.ok("lena", "link")).text.split("`link ")[1].split("`")[0]
    await world.ok("@lena:example.org", f"link {code}", where=MATRIX_DM, platform="matrix")
    clock.advance(days=15)
    await open_recall(world)
    for who in ("sam", "ana", "bo"):
        await cast(world, who, "vote cast 1 recall")
    await world.deliver()
    console.delivered.clear()
    matrix.delivered.clear()
    clock.advance(days=3)
    await world.sweep()
    [on_console] = [e for e in console.effects if isinstance(e, RoleChange)]
    [on_matrix] = [e for e in matrix.effects if isinstance(e, RoleChange)]
    assert (on_console.account.user_id, on_console.home.room_id, on_console.granted) == ("lena", "main", False)
    assert (on_matrix.account.user_id, on_matrix.home.room_id, on_matrix.granted) == \
        ("@lena:example.org", "!home:example.org", False)
    assert on_matrix.role is Role.LEADER and on_matrix.matrix_power_level == 60
    # The result is posted in every home, each with its own platform's mention.
    assert "<@console:lena|lena> is recalled" in next(p.text for p in posts(console) if "Result" in p.text)
    assert "<@matrix:@lena:example.org|" in next(p.text for p in posts(matrix) if "Result" in p.text)


async def test_ten_thousand_ballots_cast_at_once_are_all_counted_once(engine, db_url: str, clock: FakeClock,  # type: ignore[no-untyped-def]
                                                                      platform: FakePlatform) -> None:
    # 10,000 commands at once queue for a pooled connection longer than the pool's default
    # 30 s patience on a busy test machine; that limit is not what this test is about.
    patient = databases.make_engine(db_url, pool_timeout=900)
    try:
        world = World.create(patient, clock, [platform])
        await world.community(members=["sam", "ana", "bo", "cy"])
        await world.ok("lena", "community config petition_percent 0")
        voters = await add_members(world, 1, 10_000, clock.now())
        clock.advance(days=15)
        await open_recall(world)
        everyone = ["lena", "sam", "ana", "bo", "cy", *voters]
        bus = world.app.bus

        async def vote(index: int, name: str) -> str:
            choice = "keep" if index % 3 == 0 else "recall"
            reply = await bus.run_text(f"vote cast 1 {choice}", world.actor(name), HOME)
            assert not reply.error, reply.text
            found = RECEIPT.search(reply.text)
            assert found is not None
            return found[1]

        receipts = await asyncio.gather(*(vote(i, n) for i, n in enumerate(everyone)))
        assert len(set(receipts)) == len(everyone) == 10_005
        assert (await world.counts())["vote_pending"] == 0
        stored = await world.sql("SELECT receipt, choice FROM ballots WHERE choice IS NOT NULL")
        keep = sum(1 for i in range(len(everyone)) if i % 3 == 0)
        assert len(stored) == 10_005 and sum(1 for r in stored if r.choice == "keep") == keep
        assert {r.receipt for r in stored} == {r.replace("-", "") for r in receipts}
        # Everyone voted: the ballot closes at once, counting each ballot exactly once.
        await world.sweep()
        result = next(p.text for p in posts(platform) if "Result of recall #1" in p.text)
        assert f"Recall: {len(everyone) - keep} · Keep: {keep}." in result
        assert "10005 of 10005 voters" in result and "`vote receipts 1`" in result  # too many to list inline
        assert "is closed" in (await world.fails("voter7", "vote cast 1 keep")).text
    finally:
        await patient.dispose()


async def test_reminders_reach_only_those_who_have_not_voted_and_survive_a_restart(
        engine, clock: FakeClock, platform: FakePlatform) -> None:  # type: ignore[no-untyped-def]
    world = World.create(engine, clock, [platform])
    await circle(world, clock)
    await open_recall(world)
    await cast(world, "sam", "vote cast 1 recall")
    await cast(world, "ana", "vote cast 1 keep")
    await world.deliver()
    platform.delivered.clear()
    clock.advance(hours=47, minutes=59)
    await world.sweep()
    assert dms(platform) == []
    restarted = World.create(engine, clock, [platform])  # a new process: timers are rows, not memory
    clock.advance(minutes=2)
    await restarted.sweep()
    reminded = sorted(d.to.user_id for d in dms(platform))
    assert reminded == ["bo", "cy", "lena"]
    reminder = dms(platform, "bo")[0]
    assert "you have not voted yet" in reminder.text and reminder.fallback is None
    assert [a.command for a in reminder.actions] == ["vote ballot 1 in:1"]
    assert posts(platform) == []  # never a public list of who has not voted
    clock.advance(hours=1)
    await world.sweep()
    assert len(dms(platform)) == 3  # once only


async def test_an_election_by_approval(world: World, platform: FakePlatform, clock: FakeClock) -> None:
    await circle(world, clock, members=("sam", "ana", "bo", "cy", "dee"))
    assert "Only a leader can start an election" in (await world.fails("sam", "vote elect")).text
    await world.ok("lena", "vote elect")
    assert "already running" in (await world.fails("lena", "vote elect 2")).text
    nominated = await world.ok("sam", "vote nominate ana")
    assert "stands once they accept" in nominated.text
    await world.ok("bo", "vote nominate me")
    await world.ok("sam", "vote nominate cy")  # cy never accepts
    assert "already a leader" in (await world.fails("sam", "vote nominate lena")).text
    assert "already nominated" in (await world.fails("dee", "vote nominate ana")).text
    await world.deliver()
    invite = dms(platform, "ana")[0]
    assert [a.command for a in invite.actions] == ["vote accept 1 in:1", "vote decline 1 in:1"]
    await world.ok("ana", "vote accept 1 in:1", where=None)  # the DM's button: `in:` names the community
    status = (await world.ok("dee", "vote status")).text
    assert "ana, bo, cy (not yet accepted)" in status
    clock.advance(days=3)
    await world.sweep()
    opened = posts(platform)[-1]
    candidates = plain(opened.text).split("Method")[0]
    assert "1. @ana\n2. @bo\n" in candidates and "cy" not in candidates
    assert [a.command for a in opened.actions] == ["vote ballot 1 in:1"]
    ballot = await world.ok("dee", "vote ballot 1")
    assert [a.command for a in ballot.actions] == ["vote cast 1 1 in:1", "vote cast 1 2 in:1"]
    for who, choice in (("sam", "1"), ("ana", "ana"), ("bo", "1, 2"), ("cy", "2"), ("dee", "1"), ("lena", "none")):
        await cast(world, who, f"vote cast 1 {choice}")
    await world.sweep()  # everyone voted: it closes at once
    result = posts(platform)[-1].text
    assert "- ana: 4 approval(s)" in result and "- bo: 2 approval(s)" in result and "1 blank" in result
    assert "Elected: <@console:ana|ana>" in result
    assert ("ana", Role.LEADER, True) in roles(platform)
    assert "ana — leader" in (await world.ok("sam", "members")).text


async def test_an_election_by_ranked_choice_transfers_votes(world: World, platform: FakePlatform,
                                                            clock: FakeClock) -> None:
    await circle(world, clock, members=("sam", "ana", "bo", "cy", "dee", "eve"), vote_method="ranked")
    await world.ok("lena", "vote elect")
    for who in ("ana", "bo", "cy"):
        await world.ok(who, "vote nominate me")
    clock.advance(days=3)
    await world.sweep()
    assert "ranked choice" in posts(platform)[-1].text
    assert "already voted" not in (await world.ok("sam", "vote ballot 1")).text
    assert "Name each candidate once" in (await world.fails("sam", "vote cast 1 1,1")).text
    assert "no candidate 7" in (await world.fails("sam", "vote cast 1 7")).text
    # First preferences: ana 3, bo 3, cy 1; cy's voter prefers bo, so bo wins the runoff.
    for who, ranking in (("lena", "1"), ("sam", "1,3"), ("ana", "1"), ("bo", "2"), ("dee", "2,1"),
                         ("eve", "bo ana"), ("cy", "3,2")):
        await cast(world, who, f"vote cast 1 {ranking}")
    await world.sweep()
    result = posts(platform)[-1].text
    assert "First preferences: ana 3, bo 3, cy 1" in result
    assert "Round 1: ana 3, bo 3, cy 1 → cy eliminated" in result and "Round 2: bo 4, ana 3" in result
    assert "Elected: <@console:bo|bo>" in result
    listing = (await world.ok("sam", "vote receipts 1")).text
    assert "cy > bo" in listing and "bo > ana" in listing


async def test_a_tie_is_broken_by_the_lottery_announced_at_the_opening(world: World, platform: FakePlatform,
                                                                       clock: FakeClock) -> None:
    await circle(world, clock)
    await world.ok("lena", "vote elect")
    await world.ok("ana", "vote nominate me")
    await world.ok("bo", "vote nominate me")
    clock.advance(days=3)
    await world.sweep()
    fingerprint = re.search(r"fingerprint is `([0-9a-f]{64})`", posts(platform)[-1].text)
    assert fingerprint is not None
    for who, choice in (("sam", "1"), ("ana", "1"), ("bo", "2"), ("cy", "2")):
        await cast(world, who, f"vote cast 1 {choice}")
    clock.advance(days=3)
    await world.sweep()
    result = posts(platform)[-1].text
    seed = re.search(r"seed `([0-9a-f]+)`", result)
    assert seed is not None and hashlib.sha256(seed[1].encode()).hexdigest() == fingerprint[1]
    favoured = {1: "ana", 2: "bo"}[lottery_order(seed[1], "1:1", [1, 2])[0]]
    assert f"Tie for the last seat between ana, bo: the lottery favoured {favoured}." in result.replace(
        "bo, ana", "ana, bo")
    assert f"Elected: <@console:{favoured}|{favoured}>" in result


async def test_an_election_with_no_more_candidates_than_seats_needs_no_ballot(world: World, platform: FakePlatform,
                                                                              clock: FakeClock) -> None:
    await circle(world, clock)
    await world.ok("lena", "vote elect 2")
    await world.ok("ana", "vote nominate me")
    await world.ok("ana", "vote nominate bo")
    await world.ok("bo", "vote decline 1")
    clock.advance(days=3)
    await world.sweep()
    assert "stood unopposed" in posts(platform)[-1].text
    assert ("ana", Role.LEADER, True) in roles(platform) and ("bo", Role.LEADER, True) not in roles(platform)
    assert (await world.counts())["ballots"] == 0


async def test_a_leaderless_community_elects_from_its_members(world: World, platform: FakePlatform,
                                                              clock: FakeClock) -> None:
    await circle(world, clock)
    await open_recall(world)
    for who in ("sam", "ana", "bo"):
        await cast(world, who, "vote cast 1 recall")
    clock.advance(days=3)
    await world.sweep()
    assert "Election #2: nominations are open" in posts(platform)[-1].text
    await world.ok("sam", "vote nominate me")
    clock.advance(days=3)
    await world.sweep()
    assert "sam" in posts(platform)[-1].text and "stood unopposed" in posts(platform)[-1].text
    assert "Leaders: sam" in (await world.ok("ana", "community info")).text


async def test_a_leader_who_stops_answering_gets_a_check_in_then_members_are_told(
        world: World, platform: FakePlatform, clock: FakeClock) -> None:
    await circle(world, clock, sla="4h")
    for n in range(5):
        await world.ok("sam", f"ask Question {n}?")
    await world.deliver()
    platform.delivered.clear()
    for _ in range(2):
        clock.advance(days=1)
        await world.sweep()
    check_ins = [d for d in dms(platform, "lena") if "private check-in" in d.text]
    assert len(check_ins) == 1
    assert "0 of the 5 questions that waited for a leader" in check_ins[0].text
    assert not any("responsiveness" in p.text for p in posts(platform))
    for _ in range(13):
        clock.advance(days=1)
        await world.sweep()
    told = [p for p in posts(platform) if "A note on responsiveness" in p.text]
    assert len(told) == 1 and "may start a recall petition" in told[0].text
    clock.advance(days=1)
    await world.sweep()
    assert len([p for p in posts(platform) if "A note on responsiveness" in p.text]) == 1
    assert "No votes in Pacing Circle" in (await world.ok("sam", "vote status")).text  # it never starts one


async def test_a_leader_who_answers_in_time_hears_nothing(world: World, platform: FakePlatform,
                                                          clock: FakeClock) -> None:
    await circle(world, clock, sla="4h")
    for n in range(1, 7):
        await world.ok("sam", f"ask Question {n}?")
        clock.advance(hours=1)
        await world.reply_in("lena", n)
    for _ in range(3):
        clock.advance(days=1)
        await world.sweep()
    assert not any("check-in" in d.text for d in dms(platform))


async def test_a_nominee_may_decline_and_be_nominated_again(world: World, platform: FakePlatform,
                                                            clock: FakeClock) -> None:
    await circle(world, clock)
    await world.ok("lena", "vote elect")
    await world.ok("sam", "vote nominate ana")
    await world.ok("ana", "vote accept 1")
    await world.ok("ana", "vote decline 1")
    assert "not nominated" in (await world.fails("ana", "vote accept 1")).text
    await world.ok("bo", "vote nominate ana")
    await world.ok("ana", "vote accept 1")
    await world.deliver()
    assert len(dms(platform, "ana")) == 2
    assert sum("accepted the nomination" in p.text for p in posts(platform)) == 2


async def test_vote_settings_are_validated(world: World) -> None:
    await world.community(members=["sam"])
    listing = (await world.ok("sam", "community config")).text
    for shown in ("`vote_quorum` = 30%", "`vote_threshold` = 60%", "`vote_duration` = 3d", "`petition_min` = 3",
                  "`vote_method` = approval", "`vote_member_days` = 14", "`responsive_share` = 50%"):
        assert shown in listing
    for line, says in (("vote_threshold 40%", "between 50 and 100"), ("vote_quorum 120", "between 0 and 100"),
                       ("vote_method plurality", "approval or ranked"), ("vote_duration 10m", "between 1h and 4w2d"),
                       ("petition_min 0", "between 1 and 1000"), ("vote_quorum 33.333", "two decimals")):
        assert says in (await world.fails("lena", f"community config {line}")).text, line
    assert (await world.ok("lena", "community config vote_threshold 2/3".replace("2/3", "66.67"))).text == \
        "`vote_threshold` is now 66.67%."
    assert "Only a leader" in (await world.fails("sam", "community config vote_quorum 10")).text


async def test_whether_you_voted_is_said_only_where_others_do_not_read_along(world: World, clock: FakeClock) -> None:
    await world.community(members=list(MEMBERS))
    home_code = (await world.ok("lena", "community link")).text.split("`community link ")[1].split("`")[0]
    await world.ok("@admin:example.org", f"community link {home_code}", where=MATRIX_ROOM, platform="matrix",
                   admin=True)
    await world.ok("@eve:example.org", "join accept", where=MATRIX_ROOM, platform="matrix")
    clock.advance(days=15)
    await open_recall(world)
    in_room = await world.ok("@eve:example.org", "vote status", where=MATRIX_ROOM, platform="matrix")
    assert "turnout so far 0 of 6" in in_room.text and "You have" not in in_room.text
    ballot = await world.ok("@eve:example.org", "vote ballot 1", where=MATRIX_ROOM, platform="matrix")
    assert ballot.secret and ballot.private  # Matrix sends it to a direct message: it is cast there
    assert [a.command for a in ballot.actions] == ["vote cast 1 keep in:1", "vote cast 1 recall in:1"]
    cast_reply = await world.ok("@eve:example.org", "vote cast 1 keep in:1", where=MATRIX_DM, platform="matrix")
    assert cast_reply.secret
    in_dm = await world.ok("@eve:example.org", "vote status in:1", where=MATRIX_DM, platform="matrix")
    assert "You have voted" in in_dm.text
