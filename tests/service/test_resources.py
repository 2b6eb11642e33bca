"""The trusted resource index through the real bus, storage (SQLite FTS5 and PostgreSQL tsvector),
sweeper and outbox: vetting, search, review dates, the network."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from core.commands.bus import SORRY
from core.effects import DirectMessage, HomePost
from core.resources.query import terms
from core.resources.suggest import suggest_resources, suggest_tags
from tests.fakes import FakeClock, FakePlatform
from tests.world import HOME, OTHER_ROOM, World

ENVELOPE = ('resource add "Energy envelope worksheet" https://example.org/envelope kind:tool tags:pacing,sleep '
            'source:"Jason et al. (2013)" A worksheet to plan a day within your energy envelope')


def dms(platform: FakePlatform, to: str | None = None) -> list[DirectMessage]:
    return [e for e in platform.effects if isinstance(e, DirectMessage) and (to is None or e.to.user_id == to)]


async def circle(world: World) -> None:
    """Pacing Circle: lena leads, ana is an expert (RN, pain clinic), sam and kim are members."""
    await world.community(members=["sam", "ana", "kim"])
    await world.ok("lena", "role grant ana expert RN, pain clinic")
    await world.deliver()


async def assert_index_in_step(world: World) -> None:
    """SQLite: FTS5 checks its index against the content it was built from."""
    async with world.app.engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            check = "INSERT INTO resources_fts(resources_fts, rank) VALUES ('integrity-check', 1)"
            await connection.execute(text(check))


# -- vetting ----------------------------------------------------------------------------------

async def test_a_member_submits_and_only_a_leader_or_expert_can_vet(world: World) -> None:
    await circle(world)
    added = await world.ok("sam", ENVELOPE)
    assert "resource #1" in added.text and "resource vet 1" in added.text
    assert "No trusted resources match" in (await world.ok("kim", "resource search envelope")).text
    before = await world.counts()
    refused = await world.fails("kim", "resource vet 1")
    assert "Only a leader or an expert" in refused.text
    assert "Only a leader" in (await world.fails("sam", "resource retire 1 Not useful")).text
    assert await world.counts() == before
    vetted = await world.ok("ana", "resource vet 1")
    assert "#1 “Energy envelope worksheet” is now trusted, vetted by you (RN, pain clinic)" in vetted.text
    found = await world.ok("kim", "resource search envelope")
    assert "#1 Energy envelope worksheet · tool · pacing, sleep" in found.text
    assert "https://example.org/envelope" in found.text
    shown = (await world.ok("kim", "resource show 1")).text
    assert "Submitted by sam on 2026-03-02." in shown
    assert "Vetted by ana (RN, pain clinic) on 2026-03-02." in shown
    assert "Source: Jason et al. (2013)" in shown
    await assert_index_in_step(world)


async def test_a_leader_retires_with_a_reason_and_it_leaves_search(world: World) -> None:
    await circle(world)
    await world.ok("sam", ENVELOPE)
    await world.ok("lena", "resource vet 1")
    retired = await world.ok("lena", "resource retire 1 Replaced by the 2026 worksheet")
    assert "no longer shows in search: Replaced by the 2026 worksheet" in retired.text
    assert "No trusted resources match" in (await world.ok("sam", "resource search envelope")).text
    shown = await world.ok("sam", "resource show 1")
    assert "was retired on 2026-03-02: Replaced by the 2026 worksheet" in shown.text
    everything = await world.ok("lena", "resource search envelope --all")
    assert "#1 Energy envelope worksheet" in everything.text and "RETIRED" in everything.text
    assert "already retired" in (await world.fails("lena", "resource retire 1 Again")).text
    assert "retired" in (await world.fails("ana", "resource vet 1")).text
    await assert_index_in_step(world)


async def test_unvetted_resources_are_for_leaders_experts_and_the_submitter(world: World) -> None:
    await circle(world)
    await world.ok("sam", ENVELOPE)
    assert "waiting to be vetted" in (await world.fails("kim", "resource show 1")).text
    assert "Not vetted yet" in (await world.ok("sam", "resource show 1")).text
    assert "Only leaders and experts" in (await world.fails("kim", "resource search envelope --all")).text
    listing = await world.ok("ana", "resource search envelope --all")
    assert "#1 Energy envelope worksheet" in listing.text and "not vetted yet" in listing.text
    due = await world.ok("lena", "resource due")
    assert "Waiting to be vetted (1):" in due.text and "#1 “Energy envelope worksheet” (tool)" in due.text


async def test_bad_input_gets_a_clear_answer_and_nothing_is_written(world: World) -> None:
    await circle(world)
    before = await world.counts()
    cases = {
        'resource add "Trap" javascript:alert(1)': "Only http and https links",
        'resource add "Data" data:text/html,hi': "Only http and https links",
        'resource add "Mail" mailto:someone@example.org': "Only http and https links",
        'resource add "Nothing"': "Give a link or some text",
        f'resource add "{"t" * 201}" https://example.org': "The title can be at most 200 characters",
        f'resource add "Long" {"w " * 2100}': "The text can be at most 4,000 characters",
        'resource add "Tags" https://example.org tags:a,b,c,d,e,f,g,h,i,j,k': "at most 10 tags",
        'resource add "Kind" https://example.org kind:poem': "kind must be one of",
        'resource add "Creds" https://user:secret@example.org/x': "user name or password",
        'resource add "Host" https:///path-only': "no web site",
        "resource show twelve": "is not a resource number",
        "resource show 99": "There is no resource #99",
        "resource show N4": "There is no network resource N4",
        "resource search": "What should I look for?",
        'resource search "((( *** """': "I found no words",
        "resource search pacing tag:a,b": "one tag at a time",
    }
    for line, message in cases.items():
        reply = await world.fails("sam", line)
        assert message in reply.text, (line, reply.text)
        assert len(reply.text) < 400
    assert "review time between 1 day and 5 years" in (await world.fails("lena", "resource vet 1 review-in:6y")).text
    assert await world.counts() == before


# -- links ------------------------------------------------------------------------------------

async def test_the_same_page_is_found_once_however_the_link_is_written(world: World) -> None:
    await circle(world)
    await world.ok("sam", 'resource add "Pacing guide" https://Example.ORG:443/guide?b=2&a=1&utm_source=news#top')
    before = await world.counts()
    for variant in ("https://example.org/guide?a=1&b=2", "HTTPS://example.org/guide?a=1&b=2&utm_medium=mail",
                    "https://example.org:443/guide?b=2&a=1&fbclid=xyz#section"):
        reply = await world.ok("kim", f'resource add "Another title" {variant}')
        assert "That link is already here as #1 (submitted): “Pacing guide”" in reply.text
    assert await world.counts() == before
    shown = await world.ok("lena", "resource show 1")
    assert "Link: https://example.org/guide?a=1&b=2" in shown.text
    # A different page, and the same page in another community, are new entries.
    assert "resource #2" in (await world.ok("kim", 'resource add "Other" https://example.org/guide?a=2')).text
    await world.ok("bob", 'community setup "Long COVID Circle"', where=OTHER_ROOM, admin=True)
    other = await world.ok("bob", 'resource add "Pacing guide" https://example.org/guide?a=1&b=2', where=OTHER_ROOM)
    assert "resource #1" in other.text


async def test_a_second_word_that_is_no_link_starts_the_text(world: World) -> None:
    await circle(world)
    await world.ok("sam", 'resource add "What helped me at work" I plan rest before I am tired kind:experience')
    shown = await world.ok("sam", "resource show 1")
    assert "Link:" not in shown.text and "I plan rest before I am tired" in shown.text
    assert "Kind: experience" in shown.text


# -- search -----------------------------------------------------------------------------------

async def trusted(world: World, lines: list[str]) -> None:
    for line in lines:
        reply = await world.ok("sam", line)
        number = reply.text.split("is resource #")[1].split(".")[0]
        await world.ok("lena", f"resource vet {number}")


async def test_a_title_match_ranks_above_a_body_match(world: World) -> None:
    await circle(world)
    await trusted(world, [
        'resource add "Sleep and rest diary" https://example.org/a The migraine diary helps with migraine days: '
        'write down each migraine, what came before the migraine and how long the migraine lasted',
        'resource add "Migraine first aid" https://example.org/b What to do in the first hour',
        'resource add "Breathing exercises" https://example.org/c Slow breathing for calm',
        'resource add "Heat and pacing" https://example.org/d Summer days need more rest',
    ])
    reply = await world.ok("kim", "resource search migraine")
    assert reply.text.index("Migraine first aid") < reply.text.index("Sleep and rest diary")
    assert "Breathing" not in reply.text
    # Stemming: a form of the word finds it too.
    assert "Migraine first aid" in (await world.ok("kim", "resource search migraines")).text


async def test_filters_by_tag_and_kind_and_browsing_without_words(world: World) -> None:
    await circle(world)
    await trusted(world, [
        'resource add "Pacing planner" https://example.org/1 kind:tool tags:pacing A pacing planner',
        'resource add "Pacing story" https://example.org/2 kind:story tags:pacing,work My pacing story',
        'resource add "Sleep planner" https://example.org/3 kind:tool tags:sleep A sleep planner',
    ])
    tools = await world.ok("kim", "resource search planner kind:tool")
    assert "Pacing planner" in tools.text and "Sleep planner" in tools.text and "Pacing story" not in tools.text
    tagged = await world.ok("kim", "resource search pacing tag:work")
    assert "Pacing story" in tagged.text and "Pacing planner" not in tagged.text
    browse = await world.ok("kim", "resource search tag:pacing kind:tool")
    assert "Newest resources with tag:pacing kind:tool:" in browse.text
    assert "Pacing planner" in browse.text and "Pacing story" not in browse.text
    assert "No trusted resources match “planner” kind:story" in (
        await world.ok("kim", "resource search planner kind:story")).text


async def test_when_no_resource_has_every_word_some_of_them_do(world: World) -> None:
    await circle(world)
    await trusted(world, ['resource add "Pacing planner" https://example.org/1 Plan your week'])
    reply = await world.ok("kim", "resource search pacing zebra")
    assert "Nothing has all of “pacing” “zebra”; resources with some of them:" in reply.text
    assert "Pacing planner" in reply.text


async def test_a_typed_prefix_and_autocomplete_find_titles(world: World) -> None:
    await circle(world)
    await trusted(world, [
        'resource add "Energy envelope worksheet" https://example.org/1 kind:tool',
        'resource add "Envelope of calm" https://example.org/2',
        'resource add "Breathing" https://example.org/3 About the energy envelope',
    ])
    await world.ok("sam", 'resource add "Envelope draft" https://example.org/4')
    assert "Energy envelope worksheet" in (await world.ok("kim", "resource search envel*")).text
    async with world.app.uow(readonly=True) as uow:
        choices = await suggest_resources(uow, 1, "envel")
        assert sorted(value for _, value in choices) == ["#1", "#2"]  # titles: #3 has it in its text only
        assert ("#1 Energy envelope worksheet (tool)", "#1") in choices
        with_unvetted = await suggest_resources(uow, 1, "envel", unvetted=True)
        assert ("#4 Envelope draft (other) [submitted]", "#4") in with_unvetted
        assert [v for _, v in await suggest_resources(uow, 1, "energy env")] == ["#1"]
        assert len(await suggest_resources(uow, 1, "")) == 3  # nothing typed: the newest
        assert sorted(v for _, v in await suggest_resources(uow, 1, "e")) == ["#1", "#2"]  # from one letter on
    await world.ok("sam", 'resource add "Tagged" https://example.org/5 tags:pacing,pain,sleep')
    await world.ok("lena", "resource vet 5")
    async with world.app.uow(readonly=True) as uow:
        assert await suggest_tags(uow, 1, "pa") == [("pacing (1)", "pacing"), ("pain (1)", "pain")]
        assert await suggest_tags(uow, 1, "pain, sl") == [("pain,sleep (1)", "pain,sleep")]
    # Picking a choice fills in "#1": search shows that resource.
    assert "Vetted by lena (leader)" in (await world.ok("kim", "resource search #1")).text


HOSTILE_QUERIES = [
    '"', '""', "'", "*", "**", "***", "a*b", "-", "NOT", "AND OR NOT", "NEAR(pacing sleep)", "NEAR(", "(", ")",
    "(((", ")))", "pacing:", ":pacing", "title:pacing", "{title}: x", "^pacing", "pacing + sleep", "a & b | !c",
    "a <-> b", "x:*", "'; DROP TABLE resources;--", "Robert'); DROP TABLE communities;--", "\\", "%", "_", "%_%",
    "\x00", "\ud800", "\u200b", "é", "ǅ", "²", "٣", "中文", "🙂", "e\u0301", "x" * 300, "the the the", "a",
]


@pytest.fixture
async def searchable(world: World) -> World:
    await circle(world)
    await trusted(world, [ENVELOPE, 'resource add "Sleep and NEAR pacing" https://example.org/n AND OR NOT'])
    return world


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(query=st.one_of(st.sampled_from(HOSTILE_QUERIES), st.text(max_size=60),
                       st.lists(st.sampled_from(['"', "*", "(", ")", "NEAR", "AND", "OR", "NOT", ":", "^", "pac",
                                                 "sleep", "'", "-", "!", "&", "|", " "]), max_size=12).map("".join)))
async def test_any_text_query_returns_normally(searchable: World, query: str) -> None:
    reply = await searchable.say("kim", f"resource search {query}")
    assert reply.text != SORRY and "\ud800" not in reply.text
    async with searchable.app.uow(readonly=True) as uow:
        words = terms(query)
        await uow.resources.search(1, words)
        await uow.resources.search(1, replace(words, any=True), unvetted=True, tag="pacing")
        await uow.resources.search(1, terms(query, prefix=True))
        await suggest_resources(uow, 1, query)


async def test_operators_in_a_query_are_plain_words(searchable: World) -> None:
    reply = await searchable.ok("kim", "resource search NEAR AND")
    assert "Sleep and NEAR pacing" in reply.text and "Energy envelope" not in reply.text
    assert "Energy envelope worksheet" in (await searchable.ok("kim", 'resource search "envelope" (')).text


# -- review dates -----------------------------------------------------------------------------

async def test_a_review_date_fires_once_into_the_leaders_digest(world: World, platform: FakePlatform,
                                                                clock: FakeClock) -> None:
    await circle(world)
    await world.ok("lena", "role grant kim leader")
    await world.ok("lena", "leader away 8w")
    await world.ok("sam", 'resource add "Pacing guideline" https://example.org/g kind:guideline')
    vetted = await world.ok("ana", "resource vet 1 review-in:30d")
    assert "Review due 2026-04-01." in vetted.text
    await world.deliver()
    clock.advance(days=29, hours=23)
    await world.sweep()
    assert dms(platform) == []
    clock.advance(hours=2)
    await world.sweep()
    [nudge] = dms(platform)  # kim, the available leader; lena is away, ana is no leader
    assert nudge.to.user_id == "kim"
    assert "1 trusted resource(s) due for review:" in nudge.text
    assert "#1 “Pacing guideline” (guideline, due 1 h ago)" in nudge.text
    assert "resource vet <number> in:1" in nudge.text
    clock.advance(days=40)
    await world.sweep()
    assert len(dms(platform)) == 1  # fired once
    found = await world.ok("sam", "resource search pacing")
    assert "⚠ review overdue since 2026-04-01" in found.text
    assert "⚠ review overdue" in (await world.ok("kim", "resource due")).text
    renewed = await world.ok("kim", "resource vet 1")
    assert "is reviewed again and stays trusted" in renewed.text and "Review due 2027-05-11." in renewed.text
    assert "overdue" not in (await world.ok("sam", "resource search pacing")).text


async def test_resources_due_share_one_digest_with_stale_questions(world: World, platform: FakePlatform,
                                                                  clock: FakeClock) -> None:
    await circle(world)
    await world.ok("lena", "community config sla 4h")
    await world.ok("sam", 'resource add "Pacing guideline" https://example.org/g kind:guideline')
    await world.ok("sam", 'resource add "Sleep article" https://example.org/s kind:article')
    await world.ok("lena", "resource vet 1 review-in:1d")
    await world.ok("lena", "resource vet 2 review-in:1d")
    await world.deliver()
    clock.advance(hours=20)
    await world.ok("sam", "ask Is a review of the pacing guideline coming?")
    clock.advance(hours=4, minutes=1)
    await world.sweep()
    [digest] = dms(platform, "lena")
    assert "1 question(s) waiting" in digest.text and "Is a review of the pacing guideline coming?" in digest.text
    assert "2 trusted resource(s) due for review:" in digest.text
    assert "Pacing guideline" in digest.text and "Sleep article" in digest.text
    assert dms(platform, "ana") == []


async def test_guidelines_get_the_communitys_review_period_by_default(world: World) -> None:
    await circle(world)
    await world.ok("lena", "community config review_after 6mo")
    await world.ok("sam", 'resource add "Guideline" https://example.org/g kind:guideline')
    await world.ok("sam", 'resource add "My story" https://example.org/s kind:story')
    assert "Review due 2026-08-29." in (await world.ok("lena", "resource vet 1")).text
    assert "Review due" not in (await world.ok("lena", "resource vet 2")).text
    assert "`review_after` = 6mo" in (await world.ok("lena", "community config review_after")).text
    assert "between 1d and" in (await world.fails("lena", "community config review_after 10y")).text


async def test_retiring_cancels_the_review(world: World, platform: FakePlatform, clock: FakeClock) -> None:
    await circle(world)
    await world.ok("sam", 'resource add "Guideline" https://example.org/g kind:guideline')
    await world.ok("lena", "resource vet 1 review-in:2d")
    await world.ok("lena", "resource retire 1 Withdrawn by its authors")
    await world.deliver()
    clock.advance(days=3)
    await world.sweep()
    assert dms(platform) == []


# -- the network ------------------------------------------------------------------------------

async def test_a_leader_proposes_staff_share_and_every_community_finds_it(engine, clock: FakeClock,  # type: ignore[no-untyped-def]
                                                                         platform: FakePlatform) -> None:
    world = World.create(engine, clock, [platform], network={"hubs": ["console:hub"], "staff": ["console:nora"]})
    await circle(world)
    await world.ok("bob", 'community setup "Long COVID Circle"', where=OTHER_ROOM, admin=True)
    await world.ok("zoe", "join accept", where=OTHER_ROOM)
    await world.ok("sam", ENVELOPE)
    await world.ok("sam", 'resource add "Local clinic list" https://example.org/clinics')
    assert "vet #1 first" in (await world.fails("lena", "resource share 1")).text
    await world.ok("ana", "resource vet 1")
    await world.ok("ana", "resource vet 2")
    assert "No trusted resources match" in (await world.ok("zoe", "resource search envelope", where=OTHER_ROOM)).text

    proposed = await world.ok("lena", "resource share 1")
    assert "Proposed #1 “Energy envelope worksheet” to network staff" in proposed.text
    assert "already proposed" in (await world.fails("lena", "resource share 1")).text
    await world.deliver()
    [post] = [e for e in platform.effects if isinstance(e, HomePost)]
    assert post.home.room_id == "hub" and "Pacing Circle** proposes a resource" in post.text
    assert [a.command for a in post.actions] == ["resource share 1 in:1"]

    hub = replace(HOME, room_id="hub", space_id="hub-space")
    shared = await world.ok("nora", "resource share 1 in:1", where=hub)
    assert "is now network-wide as N1" in shared.text
    found = await world.ok("zoe", "resource search envelope", where=OTHER_ROOM)
    assert "From the network:" in found.text
    assert "N1 Energy envelope worksheet · tool · pacing, sleep · from Pacing Circle" in found.text
    assert "Local clinic list" not in (await world.ok("zoe", "resource search clinic", where=OTHER_ROOM)).text
    shown = await world.ok("zoe", "resource show N1", where=OTHER_ROOM)
    assert "N1 · Energy envelope worksheet (from Pacing Circle)" in shown.text
    assert "Vetted by ana (RN, pain clinic)" in shown.text and "Network-wide as N1" in shown.text
    # The other community finds its own first, then the network's.
    await world.ok("bob", 'resource add "Envelope basics" https://example.org/basics', where=OTHER_ROOM)
    await world.ok("bob", "resource vet 1", where=OTHER_ROOM)
    both = (await world.ok("zoe", "resource search envelope", where=OTHER_ROOM)).text
    assert both.index("#1 Envelope basics") < both.index("From the network:") < both.index("N1 Energy")
    # Its leaders do not look after another community's resource.
    refused = await world.fails("bob", "resource retire N1 Mine now", where=OTHER_ROOM)
    assert "belongs to Pacing Circle" in refused.text
    # Retired at home, it is gone from the network too.
    await world.ok("lena", "resource retire 1 Superseded")
    assert "No trusted resources match" in (await world.ok("zoe", "resource search worksheet", where=OTHER_ROOM)).text
    await assert_index_in_step(world)


async def test_without_a_hub_a_proposal_has_nowhere_to_go(world: World) -> None:
    await circle(world)
    await world.ok("sam", ENVELOPE)
    await world.ok("lena", "resource vet 1")
    assert "no staff hub" in (await world.fails("lena", "resource share 1")).text


# -- storage ----------------------------------------------------------------------------------

async def test_a_migrated_database_searches_too(postgres_database: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from storage.engine import make_engine
    from storage.migrate import upgrade
    from tests import databases

    name = await databases.create_pg_database_async()
    urls = [f"sqlite+aiosqlite:///{tmp_path / 'migrated.db'}", databases.pg_url(name)]
    try:
        for url in urls:
            engine = make_engine(url)
            await upgrade(engine)
            world = World.create(engine, FakeClock(), [FakePlatform()])
            await circle(world)
            await trusted(world, [ENVELOPE])
            await world.ok("lena", "resource retire 1 Old")
            await world.ok("sam", 'resource add "Envelope two" https://example.org/2')
            await world.ok("lena", "resource vet 2")
            reply = await world.ok("kim", "resource search envelope")
            assert "Envelope two" in reply.text and "worksheet" not in reply.text
            await assert_index_in_step(world)
            await engine.dispose()
    finally:
        await databases.drop_pg_database_async(name)

