"""The life of a vote, shared by commands and timers: start an election, open a secret ballot
(freezing the roll), count and publish, apply the outcome on every platform, lapse, cancel.

Every deadline is a durable timer row (petition end, nominations end, reminder, close), armed
in the same transaction as the change that sets it, so a restart changes nothing.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta
from fractions import Fraction
from typing import Any

from core.community.model import Community
from core.community.settings import Settings
from core.durations import humanize
from core.effects import Action, DirectMessage
from core.membership.roles import sync_platform_role
from core.refs import Platform
from core.roles import Role
from core.timers.context import TimerContext
from core.timers.model import DueTimer, on_timer
from core.votes.ballots import describe_receipts, new_receipts, numbers
from core.votes.common import (
    CLOSE,
    NOMINATIONS_END,
    PETITION_END,
    REMIND,
    SETTLE,
    Env,
    People,
    Render,
    percent,
    plural,
    post_everywhere,
    problem_taking_part,
    same,
    when,
)
from core.votes.model import Candidate, Kind, State, Vote, subject, vote_id_of
from core.votes.settings import (
    FROZEN,
    MEMBER_DAYS,
    METHOD,
    NOMINATION_WINDOW,
    VOTE_DURATION,
    VOTE_QUORUM,
    VOTE_THRESHOLD,
    fraction,
)
from core.votes.tally import ElectionTally, lottery_order, seed_fingerprint, tally_approval, tally_ranked, tally_recall

REMINDER_BEFORE = timedelta(hours=24)
# Results list every receipt inline up to this many ballots; beyond, `vote receipts` pages them.
INLINE_RECEIPTS = 30
ALL_KINDS = (PETITION_END, NOMINATIONS_END, CLOSE, REMIND, SETTLE)


def frozen_settings(community: Community) -> Settings:
    return Settings({spec.key: community.settings.text(spec.key) for spec in FROZEN})


def ballot_action(vote: Vote) -> Action:
    return Action("Get my ballot", f"vote ballot {vote.number} in:{vote.community_id}", style="primary")


def question(vote: Vote, people: People, platform: Platform | None = None) -> str:
    if vote.kind is Kind.RECALL:
        leader = people.tag(vote.subject_person_id, platform)
        return f"should {leader} continue as leader?"
    return f"{vote.seats} leader seat{'s' if vote.seats > 1 else ''}"


async def accepted_candidates(env: Env, vote: Vote) -> tuple[list[Candidate], People]:
    candidates = [c for c in await env.uow.votes.candidates(vote.id) if c.accepted]
    return candidates, await People.load(env.uow, [c.person_id for c in candidates])


def candidate_names(candidates: Sequence[Candidate], people: People) -> dict[int, str]:
    return {c.number: people.name(c.person_id) for c in candidates}


# -- elections --------------------------------------------------------------------------------
async def start_election(env: Env, community: Community, *, seats: int, started_by: int | None,
                         network_rules_version: int, why: str = "") -> Vote:
    settings = frozen_settings(community)
    vote = await env.uow.votes.add(Vote(
        0, community.id, 0, Kind.ELECTION, State.NOMINATION, env.now, settings, community.rules_version,
        network_rules_version, started_by=started_by, seats=seats,
        deadline_at=env.now + settings.get(NOMINATION_WINDOW)))
    assert vote.deadline_at is not None
    await env.uow.timers.arm(NOMINATIONS_END, subject(vote.id), vote.deadline_at)
    text = (f"**Election #{vote.number}: nominations are open** for {plural(seats, 'leader seat')} of "
            f"{community.name}{why}, until {when(vote.deadline_at, community)}.\n"
            f"Nominate a member (yourself too) with `vote nominate <member>`; a nominee stands once they "
            f"accept with `vote accept {vote.number}`. Then a secret ballot decides.")
    await post_everywhere(env, community, same(text), key=f"vote:{vote.id}:nominations",
                          actions=(Action("Nominate myself", f"vote nominate me in:{community.id}"),))
    return vote


async def end_nominations(env: Env, community: Community, vote: Vote) -> None:
    everyone = await env.uow.votes.candidates(vote.id)
    roles = await env.uow.members.roles_of(community.id, [c.person_id for c in everyone])
    standing = [c for c in everyone if c.accepted and c.person_id in roles and Role.LEADER not in roles[c.person_id]]
    for candidate in everyone:
        if candidate not in standing:
            await env.uow.votes.withdraw(vote.id, candidate.person_id)
    if not standing:
        text = (f"**Election #{vote.number}** ended without a candidate who accepted. "
                "Any leader (or, while there is none, any member) can start another with `vote elect`.")
        await _finish(env, community, vote, State.LAPSED, {"text": text, "summary": "no candidate stood"})
        await post_everywhere(env, community, same(text), key=f"vote:{vote.id}:lapsed")
        return
    if len(standing) <= vote.seats:
        people = await People.load(env.uow, [c.person_id for c in standing])
        for candidate in standing:
            await _make_leader(env, community, candidate.person_id)

        def unopposed(platform: Platform | None) -> str:
            names = ", ".join(people.tag(c.person_id, platform) for c in standing)
            return (f"**Election #{vote.number}**: {names} stood unopposed for {vote.seats} seat(s) and "
                    f"{'is' if len(standing) == 1 else 'are'} now leader{'s' if len(standing) > 1 else ''} "
                    f"of {community.name}.")

        await _finish(env, community, vote, State.CLOSED,
                      {"text": unopposed(None), "winners": [c.person_id for c in standing],
                       "summary": "elected unopposed: " + ", ".join(people.name(c.person_id) for c in standing)})
        await post_everywhere(env, community, unopposed, key=f"vote:{vote.id}:result")
        return
    await open_ballot(env, community, vote)


# -- the secret ballot ------------------------------------------------------------------------
async def open_ballot(env: Env, community: Community, vote: Vote) -> Vote:
    """Freeze the roll (members eligible now), create the blank ballots, arm close and reminder."""
    members = await env.uow.members.list(community.id)
    roll = [m.membership.person_id for m in members
            if problem_taking_part(m.membership, vote, env.now, community.name) is None]
    seed = secrets.token_hex(16)
    duration = vote.settings.get(VOTE_DURATION)
    closes = env.now + duration
    opened = replace(vote, state=State.BALLOT, opens_at=env.now, closes_at=closes, roll_size=len(roll),
                     seed=seed, seed_hash=seed_fingerprint(seed),
                     method=vote.settings.get(METHOD) if vote.kind is Kind.ELECTION else "")
    await env.uow.votes.save(opened)
    await env.uow.votes.open_roll(vote.id, roll, new_receipts(len(roll)))
    await env.uow.timers.arm(CLOSE, subject(vote.id), closes)
    await env.uow.timers.arm(REMIND, subject(vote.id), max(env.now + duration / 2, closes - REMINDER_BEFORE))
    await _announce(env, community, opened)
    return opened


async def _announce(env: Env, community: Community, vote: Vote) -> None:
    assert vote.closes_at is not None
    candidates, people = await accepted_candidates(env, vote)
    people.accounts.update((await People.load(env.uow, [vote.subject_person_id])).accounts)
    signers = await env.uow.votes.signatures(vote.id) if vote.kind is Kind.RECALL else 0
    first = (vote.opens_at or env.now) - timedelta(days=vote.settings.get(MEMBER_DAYS))
    how = (f"Your vote is secret. Get your ballot privately with the button or `vote ballot {vote.number}`; on "
           f"Matrix, send your vote to me in a direct message, e.g. `vote cast {vote.number} "
           f"{'keep' if vote.kind is Kind.RECALL else '1'} in:{community.id}`. You get a private receipt code; "
           "when voting closes every receipt is published with its choice so you can check yours. "
           "Nobody sees any result before then.")
    roll = (f"Voting is open until {when(vote.closes_at, community)}. {plural(vote.roll_size, 'member')} on the "
            f"voter roll: members who accepted rules version {vote.rules_version} and joined by "
            f"{first:%d %b %Y}.")

    def text(platform: Platform | None) -> str:
        if vote.kind is Kind.RECALL:
            leader = people.tag(vote.subject_person_id, platform)
            return (f"**Secret ballot — recall #{vote.number}: should {leader} continue as leader?**\n"
                    f"A member's recall petition got {plural(signers, 'co-signer')}. Reason given: “{vote.reason}”\n"
                    f"{roll}\n{leader} is recalled if at least {percent(fraction(vote.settings.get(VOTE_QUORUM)))} "
                    f"of the roll votes and at least {percent(fraction(vote.settings.get(VOTE_THRESHOLD)))} of the "
                    f"votes cast are for recall.\n{how}")
        listing = "\n".join(f"{c.number}. {people.tag(c.person_id, platform)}" for c in candidates)
        method = ("approval voting: approve as many candidates as you like; the most approved win"
                  if vote.method == "approval" else
                  "ranked choice: rank as many candidates as you like, in order of preference; counted by instant "
                  "runoff (single transferable vote for several seats)")
        return (f"**Secret ballot — election #{vote.number}: {question(vote, people)}**\nCandidates:\n{listing}\n"
                f"Method: {method}.\nTies are broken by a lottery fixed now: its seed is revealed with the "
                f"result, and its SHA-256 fingerprint is `{vote.seed_hash}`.\n{roll}\n{how}")

    await post_everywhere(env, community, text, key=f"vote:{vote.id}:ballot", actions=(ballot_action(vote),))


async def close_vote(env: Env, community: Community, vote: Vote) -> None:
    """Count, publish the result with every receipt, apply it on the platforms."""
    choices = await env.uow.votes.choices(vote.id)
    receipts, total = await env.uow.votes.receipts(vote.id, limit=INLINE_RECEIPTS)
    if vote.kind is Kind.RECALL:
        outcome, text = await _close_recall(env, community, vote, choices)
        names: dict[int, str] = {}
    else:
        outcome, text, names = await _close_election(env, community, vote, choices)
    await env.uow.votes.seal(vote.id)
    if total <= INLINE_RECEIPTS:
        listing = describe_receipts(vote, receipts, names)
        receipts_text = ("Receipts and their choices (check yours):\n" + "\n".join(listing)) if listing else ""
    else:
        receipts_text = (f"All {total:,} receipts with their choices: `vote receipts {vote.number}` "
                         f"(add `find:` and the start of your code to look yours up).")

    def post(platform: Platform | None) -> str:
        return "\n".join(part for part in (text(platform), receipts_text) if part)

    outcome["text"] = post(None)
    await _finish(env, community, vote, State.CLOSED, outcome)
    await post_everywhere(env, community, post, key=f"vote:{vote.id}:result")
    if outcome.get("start_election"):
        await start_election(env, community, seats=1, started_by=None,
                             network_rules_version=await env.uow.rules.network_version(),
                             why=" (it has no leader after the recall)")


async def _close_recall(env: Env, community: Community, vote: Vote,
                        choices: Sequence[str]) -> tuple[dict[str, Any], Render]:
    result = tally_recall(choices, vote.roll_size, fraction(vote.settings.get(VOTE_QUORUM)),
                          fraction(vote.settings.get(VOTE_THRESHOLD)))
    leader = vote.subject_person_id
    assert leader is not None
    people = await People.load(env.uow, [leader])
    outcome: dict[str, Any] = {"keep": result.keep, "recall": result.recall, "roll": result.roll,
                               "quorum_met": result.quorum_met, "recalled": result.recalled}
    verdict = "recalled" if result.recalled else "stays leader"
    outcome["summary"] = (f"{people.name(leader)} {verdict} ({result.recall} recall, {result.keep} keep, "
                          f"{percent(result.turnout)} turnout)")
    applied = ""
    if result.recalled:
        membership = await env.uow.members.get(community.id, leader)
        if membership is not None and membership.is_leader:
            await env.uow.members.save(replace(membership, roles=membership.roles - {Role.LEADER}))
            await sync_platform_role(env, community, leader, Role.LEADER, granted=False)
        applied = f" {people.name(leader)} is no longer a leader of {community.name}."
        if not await env.uow.members.list(community.id, Role.LEADER):
            outcome["start_election"] = True
            applied += " An election for a new leader starts now."
    quorum, threshold = percent(result.quorum), percent(result.threshold)
    turnout = (f"{result.cast} of {result.roll} voters on the roll voted ({percent(result.turnout)} turnout; "
               f"quorum {quorum}).")

    def text(platform: Platform | None) -> str:
        name = people.tag(leader, platform)
        head = (f"**Result of recall #{vote.number}** — should {name} continue as leader?\n"
                f"Recall: {result.recall} · Keep: {result.keep}. {turnout}\n")
        if result.recalled:
            return head + (f"**{name} is recalled**: {percent(result.recall_share)} voted for recall "
                           f"(threshold {threshold}).{applied}")
        if not result.quorum_met:
            return head + f"**{name} stays leader**: too few voted for the result to count (quorum {quorum})."
        return head + (f"**{name} stays leader**: {percent(result.recall_share)} voted for recall "
                       f"(threshold {threshold}).")

    return outcome, text


async def _close_election(env: Env, community: Community, vote: Vote,
                          choices: Sequence[str]) -> tuple[dict[str, Any], Render, dict[int, str]]:
    candidates, people = await accepted_candidates(env, vote)
    names = candidate_names(candidates, people)
    by_number = {c.number: c for c in candidates}
    order = lottery_order(vote.seed, f"{community.id}:{vote.number}", sorted(by_number))
    if vote.method == "ranked":
        tally = tally_ranked([tuple(numbers(c)) for c in choices], sorted(by_number), vote.seats, order)
    else:
        tally = tally_approval([frozenset(numbers(c)) for c in choices], sorted(by_number), vote.seats, order)
    winners = [by_number[n].person_id for n in tally.winners]
    gone = [p for p in winners if not await _make_leader(env, community, p)]
    outcome: dict[str, Any] = {"winners": winners, "cast": tally.cast, "blank": tally.blank,
                               "counts": {str(n): str(v) for n, v in tally.counts.items()},
                               "summary": "elected: " + (", ".join(people.name(p) for p in winners) or "nobody")}
    lines = _election_lines(vote, tally, names, order)

    def text(platform: Platform | None) -> str:
        elected = ", ".join(people.tag(by_number[n].person_id, platform) for n in tally.winners)
        return (f"**Result of election #{vote.number}** ({vote.method}, {vote.seats} seat"
                f"{'s' if vote.seats > 1 else ''}): {tally.cast} of {vote.roll_size} voters on the roll voted"
                f" ({percent(_share(tally.cast, vote.roll_size))} turnout; {tally.blank} blank).\n"
                + "\n".join(lines) + f"\nElected: {elected or 'nobody'} — now leader(s) of {community.name}."
                + "".join(f" {people.name(p)} has left the community and does not take the seat." for p in gone))

    return outcome, text, names


def _share(part: int, whole: int) -> Fraction:
    return Fraction(part, whole) if whole else Fraction(0)


def _election_lines(vote: Vote, tally: ElectionTally, names: dict[int, str], order: Sequence[int]) -> list[str]:
    def fmt(value: Any) -> str:
        return f"{float(value):,.2f}".rstrip("0").rstrip(".")

    if vote.method == "ranked":
        lines = ["First preferences: " + ", ".join(f"{names[n]} {fmt(v)}" for n, v in
                                                   sorted(tally.counts.items(), key=lambda kv: -kv[1]))]
        if tally.quota is not None and vote.seats > 1:
            lines.append(f"Quota to be elected: {fmt(tally.quota)}.")
        for index, round_ in enumerate(tally.rounds[:20], start=1):
            counts = ", ".join(f"{names[n]} {fmt(v)}" for n, v in sorted(round_.tallies.items(), key=lambda kv: -kv[1]))
            happened = (f"{', '.join(names[n] for n in round_.elected)} elected" if round_.elected
                        else f"{names[round_.eliminated]} eliminated" if round_.eliminated is not None else "")
            lines.append(f"Round {index}: {counts} → {happened}")
    else:
        lines = [f"- {names[n]}: {fmt(v)} approval(s)" for n, v in
                 sorted(tally.counts.items(), key=lambda kv: (-kv[1], order.index(kv[0])))]
    for tie in tally.ties:
        tied = ", ".join(names[n] for n in tie.tied)
        favoured = ", ".join(names[n] for n in tie.favoured)
        stage = {"seat": "for the last seat", "elect": "for election", "eliminate": "for elimination"}[tie.stage]
        lines.append(f"Tie {stage} between {tied}: the lottery favoured {favoured}.")
    lines.append(f"Lottery order: {', '.join(names[n] for n in order)} (seed `{vote.seed}`; its SHA-256 "
                 f"`{vote.seed_hash}` was published when voting opened).")
    return lines


async def _make_leader(env: Env, community: Community, person_id: int) -> bool:
    """Make an elected member a leader on every platform; False if they are no longer a member."""
    membership = await env.uow.members.get(community.id, person_id)
    if membership is None or not membership.active:
        return False
    if membership.is_leader:
        return True
    await env.uow.members.save(replace(membership, roles=membership.roles | {Role.LEADER}))
    await sync_platform_role(env, community, person_id, Role.LEADER, granted=True)
    return True


async def _finish(env: Env, community: Community, vote: Vote, state: State, outcome: dict[str, Any]) -> None:
    await env.uow.votes.save(replace(vote, state=state, closed_at=env.now, outcome=outcome))
    await env.uow.timers.cancel_subjects(ALL_KINDS, [subject(vote.id)])


async def cancel_vote(env: Env, community: Community, vote: Vote, by: str, reason: str) -> None:
    """Stop a vote; an open ballot's ballots are destroyed unread (nobody learns its result)."""
    await env.uow.votes.discard(vote.id)
    because = f": {reason}" if reason else "."
    text = f"**{vote.label.capitalize()}** was cancelled by {by}{because}"
    await _finish(env, community, vote, State.CANCELLED, {"text": text, "summary": f"cancelled by {by}"})
    await post_everywhere(env, community, same(text), key=f"vote:{vote.id}:cancelled")


# -- timers -----------------------------------------------------------------------------------
async def _due(timers: Sequence[DueTimer], ctx: TimerContext, state: State) -> list[tuple[Community, Vote]]:
    votes = await ctx.uow.votes.many([vote_id_of(t.subject) for t in timers])
    found = []
    for vote in sorted(votes.values(), key=lambda v: v.id):
        if vote.state is not state:
            continue
        community = await ctx.uow.communities.get(vote.community_id)
        if community is not None:
            found.append((community, vote))
    return found


@on_timer(PETITION_END)
async def petition_lapsed(timers: Sequence[DueTimer], ctx: TimerContext) -> None:
    for community, vote in await _due(timers, ctx, State.PETITION):
        signers = await ctx.uow.votes.signatures(vote.id)
        people = await People.load(ctx.uow, [vote.subject_person_id])
        text = (f"**Recall petition #{vote.number}** about {people.name(vote.subject_person_id)} lapsed: it got "
                f"{signers} of the {vote.needed} co-signers it needed in time. Nothing changes.")
        summary = f"lapsed with {signers} of {vote.needed} co-signers"
        await _finish(ctx, community, vote, State.LAPSED, {"text": text, "signers": signers, "summary": summary})
        await post_everywhere(ctx, community, same(text), key=f"vote:{vote.id}:lapsed")


@on_timer(NOMINATIONS_END)
async def nominations_ended(timers: Sequence[DueTimer], ctx: TimerContext) -> None:
    for community, vote in await _due(timers, ctx, State.NOMINATION):
        await end_nominations(ctx, community, vote)


@on_timer(CLOSE)
async def ballot_closed(timers: Sequence[DueTimer], ctx: TimerContext) -> None:
    for community, vote in await _due(timers, ctx, State.BALLOT):
        await close_vote(ctx, community, vote)


@on_timer(SETTLE)
async def everyone_voted(timers: Sequence[DueTimer], ctx: TimerContext) -> None:
    """Nobody is left to vote: waiting for the close could change nothing."""
    for community, vote in await _due(timers, ctx, State.BALLOT):
        if await ctx.uow.votes.all_voted(vote.id):
            await close_vote(ctx, community, vote)


@on_timer(REMIND)
async def remind_voters(timers: Sequence[DueTimer], ctx: TimerContext) -> None:
    """A private reminder to each voter on the roll who has not voted: never a public list."""
    for community, vote in await _due(timers, ctx, State.BALLOT):
        assert vote.closes_at is not None
        if vote.closes_at <= ctx.now:
            continue  # the bot was down past the close: counting comes next, a reminder would be too late
        waiting = await ctx.uow.votes.not_voted(vote.id)
        people = await People.load(ctx.uow, [*waiting, vote.subject_person_id])
        homes = [h.ref for h in await ctx.uow.homes.for_community(community.id)]
        about = question(vote, people)
        for person in waiting:
            target = people.reachable(person, homes)
            if target is None:
                continue
            account, _ = target
            text = (f"A reminder from **{community.name}**: voting on {vote.label} ({about}) closes "
                    f"{when(vote.closes_at, community)}, in about {humanize(vote.closes_at - ctx.now)}, and you "
                    f"have not voted yet. Your vote is secret: `vote ballot {vote.number} in:{community.id}` "
                    "shows your ballot here.")
            # No fallback to a public mention: that would tell everyone who has not voted.
            await ctx.emit(DirectMessage(account.ref, text, (ballot_action(vote),), fallback=None),
                           key=f"vote:{vote.id}:remind:{person}")
