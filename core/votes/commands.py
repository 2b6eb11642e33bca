"""`vote recall|cosign|elect|nominate|accept|decline|ballot|cast|status|receipts|cancel`."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import timedelta
from fractions import Fraction

from core.commands.context import Context
from core.commands.spec import Access, arg, command, option, rest
from core.community.commands import CONFIG_GUARDS, INFO_SECTIONS
from core.community.model import Community
from core.durations import humanize
from core.effects import Action, Choose, DirectMessage, Reply
from core.errors import Conflict, InvalidInput, NotFound, PermissionDenied, UserError
from core.refs import Platform
from core.roles import Role
from core.text import clean
from core.votes.ballots import (
    describe_choice,
    describe_receipts,
    normalise_receipt,
    parse_choice,
    random_start,
    show_receipt,
)
from core.votes.common import (
    PETITION_END,
    SETTLE,
    People,
    percent,
    plural,
    post_everywhere,
    problem_taking_part,
    when,
)
from core.votes.lifecycle import (
    accepted_candidates,
    ballot_action,
    cancel_vote,
    candidate_names,
    frozen_settings,
    open_ballot,
    question,
    start_election,
)
from core.votes.model import BLANK, Kind, State, Vote, subject
from core.votes.settings import GUARDED, PETITION_MIN, PETITION_PERCENT, PETITION_WINDOW, fraction

REASON_LIMIT = 500
CHOICE_LIMIT = 300
MAX_SEATS = 5
MAX_CANDIDATES = 20
RECEIPTS_PAGE = 50
RECENT = timedelta(days=14)
# Casts that see this few voters left arm the early-close check. It must exceed the casts that
# can be in flight at once (a connection pool's worth per bot process).
SETTLE_WHEN = 256


async def _vote(ctx: Context, number: int) -> Vote:
    vote = await ctx.uow.votes.by_number(ctx.community.id, number)
    if vote is None:
        raise NotFound(f"There is no vote #{number} in {ctx.community.name}. `vote status` lists them.")
    return vote


async def _ballot_vote(ctx: Context, number: int) -> tuple[Community, Vote]:
    """The vote a ballot command means: in a home, the home's; from a direct conversation,
    the one `in:<community>` names, or else the only open ballot with that number on the
    sender's roll."""
    if ctx.community_or_none is not None:
        return ctx.community, await _vote(ctx, number)
    account = ctx.account_or_none
    found = [] if account is None else list(await ctx.uow.votes.ballots_open_to(account.person_id, number))
    if len(found) != 1:
        more = " You are on the roll of more than one vote with that number." if found else ""
        raise UserError(f"Which community?{more} Send the command from the community's home, or add its "
                        f"id like the ballot shows: `vote cast {number} <choice> in:<community id>`.")
    community = await ctx.uow.communities.get(found[0].community_id)
    assert community is not None and account is not None
    ctx.community_or_none = community
    ctx.membership = await ctx.uow.members.get(community.id, account.person_id)
    return community, found[0]


def _not_open(vote: Vote) -> str:
    if vote.state is State.CLOSED:
        return f"{vote.label.capitalize()} is closed; `vote status` shows the result."
    if vote.state in (State.PETITION, State.NOMINATION):
        return f"{vote.label.capitalize()} has no ballot open yet."
    return f"{vote.label.capitalize()} is {vote.state.value}."


def _roll_refusal(vote: Vote, community: Community) -> str:
    opened = f"{vote.opens_at:%d %b %Y}" if vote.opens_at else "the opening"
    return (f"You are not on the voter roll of {vote.label}. The roll was frozen when voting opened ({opened}): "
            f"members of {community.name} who had accepted the rules and been members long enough.")


# -- recall -----------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class StartRecall:
    leader: str = arg("The leader (mention or name)", type="member", suggest="members")
    reason: str = rest("Why members should vote on it (everyone sees it)")


@command("vote recall", StartRecall, summary="Petition for a vote on recalling a leader; with enough co-signers a "
         "secret ballot decides", examples=("vote recall @lena:example.org Has not answered for a month",),
         private=True)
async def recall(cmd: StartRecall, ctx: Context) -> Reply:
    community = ctx.community
    reason = clean(cmd.reason, field="reason", limit=REASON_LIMIT)
    target = await ctx.find_member(cmd.leader)
    leader = target.membership.person_id
    if not target.membership.is_leader:
        raise InvalidInput(f"{target.name} is not a leader of {community.name}.")
    me = await ctx.person_id()
    if leader == me:
        raise UserError("You can't petition for your own recall. To step down, a co-leader can "
                        "`role revoke` your leader role.")
    settings = frozen_settings(community)
    draft = Vote(0, community.id, 0, Kind.RECALL, State.PETITION, ctx.now, settings, community.rules_version,
                 ctx.network_rules_version, subject_person_id=leader, started_by=me, reason=reason)
    problem = problem_taking_part(ctx.membership, draft, ctx.now, community.name)
    if problem is not None:
        raise PermissionDenied(problem)
    for other in await ctx.uow.votes.active(community.id):
        if other.kind is Kind.RECALL and other.subject_person_id == leader:
            raise Conflict(f"There is already {other.label} about {target.name}: `vote status`.")
    members = await ctx.uow.members.count(community.id)
    needed = max(settings.get(PETITION_MIN), math.ceil(fraction(settings.get(PETITION_PERCENT)) * members))
    deadline = ctx.now + settings.get(PETITION_WINDOW)
    vote = await ctx.uow.votes.add(Vote(**{**{f: getattr(draft, f) for f in draft.__dataclass_fields__},
                                           "needed": needed, "deadline_at": deadline}))
    await ctx.uow.timers.arm(PETITION_END, subject(vote.id), deadline)
    people = await People.load(ctx.uow, [leader])

    def text(platform: Platform | None) -> str:
        name = people.tag(leader, platform)
        return (f"**Recall petition #{vote.number}**: a member asks for a vote on whether {name} should continue "
                f"as leader of {community.name}. Reason given: “{reason}”\nIt needs {plural(needed, 'co-signer')} by "
                f"{when(deadline, community)}; eligible members co-sign with `vote cosign {vote.number}`. "
                "If it gets them, a secret ballot decides.")

    await post_everywhere(ctx, community, text, key=f"vote:{vote.id}:petition",
                          actions=(Action("Co-sign", f"vote cosign {vote.number} in:{community.id}"),))
    await _tell_leader(ctx, community, vote, people, needed, reason)
    return Reply(f"Your recall petition #{vote.number} is open. It needs {plural(needed, 'co-signer')} besides you by "
                 f"{when(deadline, community)}, or it lapses. `vote status` shows how it goes.", private=True)


async def _tell_leader(ctx: Context, community: Community, vote: Vote, people: People, needed: int,
                       reason: str) -> None:
    """The leader hears it privately and first-hand, not only from the announcement."""
    assert vote.subject_person_id is not None and vote.deadline_at is not None
    homes = [h.ref for h in await ctx.uow.homes.for_community(community.id)]
    target = people.reachable(vote.subject_person_id, homes)
    if target is None:
        return
    text = (f"A member of **{community.name}** started recall petition #{vote.number} about your leadership. "
            f"Reason given: “{reason}”\nIf {plural(needed, 'member')} co-sign by "
            f"{when(vote.deadline_at, community)}, a secret ballot decides whether you continue as leader. "
            "This is how members look after their community; you are welcome to respond there. Once started, "
            "only network staff can stop it.")
    await ctx.emit(DirectMessage(target[0].ref, text), key=f"vote:{vote.id}:told-leader")


@dataclass(frozen=True, kw_only=True)
class Cosign:
    number: int = arg("The petition's number", type="int", suggest="votes")


@command("vote cosign", Cosign, summary="Co-sign a recall petition", examples=("vote cosign 1",), private=True)
async def cosign(cmd: Cosign, ctx: Context) -> Reply:
    community = ctx.community
    vote = await _vote(ctx, cmd.number)
    if vote.kind is not Kind.RECALL or vote.state is not State.PETITION:
        raise Conflict(f"{vote.label.capitalize()} is not collecting co-signers.")
    me = await ctx.person_id()
    if me == vote.subject_person_id:
        raise PermissionDenied("You can't co-sign a petition about yourself.")
    if me == vote.started_by:
        raise Conflict("You started this petition; it needs co-signers besides you.")
    problem = problem_taking_part(ctx.membership, vote, ctx.now, community.name)
    if problem is not None:
        raise PermissionDenied(problem)
    if not await ctx.uow.votes.sign(vote.id, me):
        raise Conflict(f"You have already co-signed petition #{vote.number}.")
    signers = await ctx.uow.votes.signatures(vote.id)
    if signers < vote.needed:
        assert vote.deadline_at is not None
        return Reply(f"Co-signed: petition #{vote.number} has {signers} of the {vote.needed} co-signers it needs "
                     f"by {when(vote.deadline_at, community)}.", private=True)
    opened = await open_ballot(ctx, community, vote)
    assert opened.closes_at is not None
    return Reply(f"Co-signed — that was the last co-signature petition #{vote.number} needed. The secret ballot "
                 f"is open until {when(opened.closes_at, community)}.", private=True,
                 actions=(ballot_action(opened),))


# -- elections --------------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class Elect:
    seats: int | None = arg("How many leader seats to fill (default 1)", type="int", required=False)


@command("vote elect", Elect, summary="Open nominations for leader seats; a secret ballot follows (leaders; any "
         "member while there is no leader)", examples=("vote elect", "vote elect 2"), private=True)
async def elect(cmd: Elect, ctx: Context) -> Reply:
    community = ctx.community
    seats = 1 if cmd.seats is None else cmd.seats
    if not 1 <= seats <= MAX_SEATS:
        raise InvalidInput(f"An election fills between 1 and {MAX_SEATS} seats.")
    if not (ctx.is_leader or ctx.is_staff):
        if await ctx.uow.members.list(community.id, Role.LEADER):
            raise PermissionDenied("Only a leader can start an election while the community has one. "
                                   "Members can petition for a recall: `vote recall`.")
        draft = Vote(0, community.id, 0, Kind.ELECTION, State.NOMINATION, ctx.now, frozen_settings(community),
                     community.rules_version, ctx.network_rules_version)
        problem = problem_taking_part(ctx.membership, draft, ctx.now, community.name)
        if problem is not None:
            raise PermissionDenied(problem)
    for other in await ctx.uow.votes.active(community.id):
        if other.kind is Kind.ELECTION:
            raise Conflict(f"{other.label.capitalize()} is already running: `vote status`.")
        raise Conflict(f"{other.label.capitalize()} is running; start the election after it ends.")
    vote = await start_election(ctx, community, seats=seats, started_by=await ctx.person_id(),
                                network_rules_version=ctx.network_rules_version)
    assert vote.deadline_at is not None
    return Reply(f"Nominations for election #{vote.number} are open until {when(vote.deadline_at, community)}.",
                 private=True)


@dataclass(frozen=True, kw_only=True)
class Nominate:
    member: str = arg("The member to nominate, or `me`", type="member", suggest="members")


@command("vote nominate", Nominate, summary="Nominate a member (or yourself: `me`) in the election taking nominations",
         examples=("vote nominate @ana:example.org", "vote nominate me"))
async def nominate(cmd: Nominate, ctx: Context) -> Reply:
    community = ctx.community
    vote = next((v for v in await ctx.uow.votes.active(community.id) if v.state is State.NOMINATION), None)
    if vote is None:
        raise NotFound("No election is taking nominations. A leader starts one with `vote elect`.")
    me = await ctx.person_id()
    problem = problem_taking_part(ctx.membership, vote, ctx.now, community.name)
    if problem is not None:
        raise PermissionDenied(problem)
    if cmd.member.strip().lower() in ("me", "myself"):
        nominee, name, membership = me, ctx.actor.display_name, ctx.membership
    else:
        target = await ctx.find_member(cmd.member)
        nominee, name, membership = target.membership.person_id, target.name, target.membership
    if problem_taking_part(membership, vote, ctx.now, community.name) is not None:
        raise InvalidInput(f"{name} can't stand yet: candidates, like voters, have accepted the current rules and "
                           "been members long enough.")
    if membership is not None and membership.is_leader:
        raise Conflict(f"{name} is already a leader.")
    candidates = await ctx.uow.votes.candidates(vote.id)
    if any(c.person_id == nominee for c in candidates):
        raise Conflict(f"{name} is already nominated in election #{vote.number}.")
    if len(candidates) >= MAX_CANDIDATES:
        raise Conflict(f"Election #{vote.number} already has {MAX_CANDIDATES} nominations, the most a ballot holds.")
    await ctx.uow.votes.nominate(vote.id, nominee, me, accepted=nominee == me)
    if nominee == me:
        return Reply(f"{name} stands in election #{vote.number}.")
    people = await People.load(ctx.uow, [nominee])
    target_account = people.reachable(nominee, [h.ref for h in await ctx.uow.homes.for_community(community.id)])
    if target_account is not None:
        assert vote.deadline_at is not None
        await ctx.emit(DirectMessage(target_account[0].ref, (
            f"{ctx.actor.display_name} nominated you for leader of **{community.name}** (election #{vote.number}). "
            f"If you would like to stand, accept by {when(vote.deadline_at, community)}: "
            f"`vote accept {vote.number} in:{community.id}`."), (
            Action("Accept the nomination", f"vote accept {vote.number} in:{community.id}", style="success"),
            Action("Decline", f"vote decline {vote.number} in:{community.id}"))))
    return Reply(f"{name} is nominated in election #{vote.number}, and stands once they accept "
                 f"(`vote accept {vote.number}`).")


@dataclass(frozen=True, kw_only=True)
class AcceptNomination:
    number: int = arg("The election's number", type="int", suggest="votes")


async def _my_nomination(ctx: Context, number: int) -> tuple[Vote, bool]:
    vote = await _vote(ctx, number)
    if vote.kind is not Kind.ELECTION or vote.state is not State.NOMINATION:
        raise Conflict(f"{vote.label.capitalize()} is not taking nominations.")
    me = await ctx.person_id()
    mine = next((c for c in await ctx.uow.votes.candidates(vote.id) if c.person_id == me), None)
    if mine is None:
        raise NotFound(f"You are not nominated in election #{vote.number}.")
    return vote, mine.accepted


@command("vote accept", AcceptNomination, summary="Accept your nomination and stand in an election", private=True)
async def accept(cmd: AcceptNomination, ctx: Context) -> Reply:
    vote, accepted = await _my_nomination(ctx, cmd.number)
    if accepted:
        raise Conflict(f"You already stand in election #{vote.number}.")
    me = await ctx.person_id()
    await ctx.uow.votes.set_accepted(vote.id, me)
    people = await People.load(ctx.uow, [me])
    # A nominee may decline and be nominated again: each acceptance is its own post.
    await post_everywhere(ctx, ctx.community, lambda platform: (
        f"{people.tag(me, platform)} accepted the nomination and stands in election #{vote.number}."),
        key=None)
    assert vote.deadline_at is not None
    return Reply(f"You stand in election #{vote.number}. Nominations close {when(vote.deadline_at, ctx.community)};"
                 " then the secret ballot opens.", private=True)


@dataclass(frozen=True, kw_only=True)
class DeclineNomination:
    number: int = arg("The election's number", type="int", suggest="votes")


@command("vote decline", DeclineNomination, summary="Decline your nomination, or withdraw from an election",
         private=True)
async def decline(cmd: DeclineNomination, ctx: Context) -> Reply:
    vote, _ = await _my_nomination(ctx, cmd.number)
    await ctx.uow.votes.withdraw(vote.id, await ctx.person_id())
    return Reply(f"You are not standing in election #{vote.number}.", private=True)


# -- the secret ballot ------------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class ShowBallot:
    number: int = arg("The vote's number", type="int", suggest="votes")


@command("vote ballot", ShowBallot, access=Access.ANYWHERE, readonly=True,
         summary="Your secret ballot for an open vote, shown only to you", private=True)
async def ballot(cmd: ShowBallot, ctx: Context) -> Reply:
    community, vote = await _ballot_vote(ctx, cmd.number)
    if vote.state is not State.BALLOT:
        raise Conflict(_not_open(vote))
    account = ctx.account_or_none
    status = "absent" if account is None else await ctx.uow.votes.voter_status(vote.id, account.person_id)
    if status == "voted":
        return Reply(f"You have voted in {vote.label}. Ballots are final and secret; keep your receipt code to "
                     "check your ballot when the results are published.", private=True, secret=True)
    if status == "absent":
        raise PermissionDenied(_roll_refusal(vote, community))
    assert vote.closes_at is not None
    scope = f" in:{community.id}"
    closes = f"Voting closes {when(vote.closes_at, community)} (in {humanize(vote.closes_at - ctx.now)})."
    private = ("Only you see this ballot. Vote here if nobody else sees what you type (a direct message with me, "
               "or the buttons); in a shared room, send it to me in a direct message instead.")
    if vote.kind is Kind.RECALL:
        people = await People.load(ctx.uow, [vote.subject_person_id])
        name = people.name(vote.subject_person_id)
        text = (f"**Your secret ballot — {vote.label}: should {name} continue as leader?**\n{closes}\n"
                f"- keep: {name} stays leader → `vote cast {vote.number} keep{scope}`\n"
                f"- recall: {name} is no longer leader → `vote cast {vote.number} recall{scope}`\n{private}")
        # `secret`: where replies can't be private (a Matrix room), the ballot goes to a direct
        # message, which is where it is then cast.
        return Reply(text, private=True, secret=True, actions=(
            Action(f"Keep {name}", f"vote cast {vote.number} keep{scope}", style="success"),
            Action(f"Recall {name}", f"vote cast {vote.number} recall{scope}", style="danger")))
    candidates, people = await accepted_candidates(ctx, vote)
    listing = "\n".join(f"{c.number}. {people.name(c.person_id)}" for c in candidates)
    example = ",".join(str(c.number) for c in candidates[:2])
    if vote.method == "ranked":
        how = (f"Rank as many candidates as you like, first choice first: `vote cast {vote.number} {example}{scope}`. "
               "A later choice counts only if an earlier one is eliminated or already elected.")
        label = "Rank only {}"
    else:
        how = (f"Approve as many candidates as you like: `vote cast {vote.number} {example}{scope}`; the "
               f"{vote.seats} most approved win.")
        label = "Approve only {}"
    text = (f"**Your secret ballot — {vote.label}: {question(vote, people)}**\n{closes}\nCandidates:\n{listing}\n"
            f"{how} `vote cast {vote.number} none{scope}` casts a blank ballot.\n{private}")
    actions = tuple(Action(label.format(people.name(c.person_id)), f"vote cast {vote.number} {c.number}{scope}")
                    for c in candidates)
    # Where a select menu exists (Discord), several candidates can be approved or ranked at once.
    ranked = vote.method == "ranked"
    choose = Choose(f"vote cast {vote.number} {{}}{scope}",
                    tuple((people.name(c.person_id), str(c.number)) for c in candidates),
                    max_picks=len(candidates), ordered=ranked,
                    placeholder="Your first choice" if ranked else "The candidates you approve")
    return Reply(text, private=True, secret=True, actions=actions, choose=choose)


@dataclass(frozen=True, kw_only=True)
class Cast:
    number: int = arg("The vote's number", type="int", suggest="votes")
    choice: str = rest("keep or recall; or candidate numbers, e.g. 2,1,3 (ranked: in order of preference)")


@command("vote cast", Cast, access=Access.ANYWHERE,
         summary="Cast your secret ballot, where nobody else sees it (a direct message, a Discord command)",
         examples=("vote cast 1 recall", "vote cast 2 3,1"), private=True)
async def cast(cmd: Cast, ctx: Context) -> Reply:
    where = ctx.where
    if where is None or not where.private:
        scope = f" in:{ctx.community.id}" if ctx.community_or_none is not None else " in:<community id>"
        raise UserError("Ballots are secret, and others can see what you type here, so I recorded nothing. "
                        f"Send your vote to me in a direct message instead: `vote cast {cmd.number} <choice>{scope}` "
                        "(on Discord, use the “Get my ballot” button).")
    if len(cmd.choice) > CHOICE_LIMIT:
        raise InvalidInput("That ballot is too long: name each candidate once, by number.")
    community, vote = await _ballot_vote(ctx, cmd.number)
    if vote.state is not State.BALLOT:
        raise Conflict(_not_open(vote))
    names: dict[int, str] = {}
    if vote.kind is Kind.ELECTION:
        candidates, people = await accepted_candidates(ctx, vote)
        names = candidate_names(candidates, people)
    choice = parse_choice(vote, cmd.choice, names)
    person = await ctx.person_id()
    done = await ctx.uow.votes.cast(vote.id, person, choice, random_start(), SETTLE_WHEN + 1)
    if done is None:
        if await ctx.uow.votes.voter_status(vote.id, person) == "voted":
            raise Conflict(f"You have already voted in {vote.label}. Each person votes once, whichever account "
                           "they use, and ballots are final.")
        raise PermissionDenied(_roll_refusal(vote, community))
    receipt, waiting = done
    if waiting <= SETTLE_WHEN:
        # Nearly everyone has voted. Concurrent casts don't see each other's uncommitted votes,
        # so the last few each ask for a check once they are committed; it closes the ballot
        # early when nobody is left to vote.
        await ctx.uow.timers.arm(SETTLE, subject(vote.id), ctx.now)
    shown = "a blank ballot" if choice == BLANK else describe_choice(vote, choice, names)
    return Reply(f"Your secret ballot in {vote.label} is cast: {shown}.\nYour receipt code: "
                 f"`{show_receipt(receipt)}` — keep it to yourself. When voting closes, every receipt is published "
                 "with its choice, so you can check that yours was counted as cast. Ballots are final.",
                 private=True, secret=True)


# -- status and results -----------------------------------------------------------------------
@dataclass(frozen=True, kw_only=True)
class VoteStatus:
    pass


@command("vote status", VoteStatus, access=Access.PUBLIC, readonly=True,
         summary="Open votes with time left and turnout, and recent results", private=True)
async def status(cmd: VoteStatus, ctx: Context) -> Reply:
    community = ctx.community
    active = await ctx.uow.votes.active(community.id)
    recent = await ctx.uow.votes.closed_since(community.id, ctx.now - RECENT)
    if not active and not recent:
        return Reply(f"No votes in {community.name} right now. Leaders start elections with `vote elect`; "
                     "members can petition for a recall with `vote recall <leader> <reason>`.", private=True)
    # Whether you have voted is yours to know: said only where others don't read along.
    private = ctx.where is not None and ctx.where.private
    me = ctx.account_or_none.person_id if ctx.account_or_none is not None and private else None
    people = await People.load(ctx.uow, [v.subject_person_id for v in active])
    lines = [f"Votes in **{community.name}**:"] if active else [f"No open votes in {community.name}."]
    for vote in active:
        lines.append(await _status_line(ctx, vote, people, me))
    if recent:
        lines.append("Recently decided:")
        for vote in recent:
            summary = vote.outcome.get("summary") or vote.state.value
            lines.append(f"- {vote.label.capitalize()} ({humanize(ctx.now - (vote.closed_at or ctx.now))} ago): "
                         f"{summary}")
    return Reply("\n".join(lines), private=True)


async def _status_line(ctx: Context, vote: Vote, people: People, me: int | None) -> str:
    community = ctx.community
    if vote.state is State.PETITION:
        assert vote.deadline_at is not None
        signers = await ctx.uow.votes.signatures(vote.id)
        return (f"- Recall petition #{vote.number} about {people.name(vote.subject_person_id)}: {signers} of "
                f"{vote.needed} co-signers; lapses in {humanize(vote.deadline_at - ctx.now)}. "
                f"`vote cosign {vote.number}`")
    if vote.state is State.NOMINATION:
        assert vote.deadline_at is not None
        candidates = await ctx.uow.votes.candidates(vote.id)
        named = await People.load(ctx.uow, [c.person_id for c in candidates])
        standing = ", ".join(named.name(c.person_id) + ("" if c.accepted else " (not yet accepted)")
                             for c in candidates) or "none yet"
        return (f"- Election #{vote.number} for {vote.seats} seat(s): nominations close in "
                f"{humanize(vote.deadline_at - ctx.now)}; candidates: {standing}. `vote nominate <member>`")
    assert vote.closes_at is not None
    cast = await ctx.uow.votes.cast_count(vote.id)
    turnout = percent(Fraction(cast, vote.roll_size)) if vote.roll_size else "0%"
    mine = ""
    if me is not None:
        status = await ctx.uow.votes.voter_status(vote.id, me)
        mine = {"voted": " You have voted.", "waiting": f" You have not voted yet: `vote ballot {vote.number}`.",
                "absent": " You are not on its roll."}[status]
    return (f"- {vote.label.capitalize()}: {question(vote, people)} Voting closes in "
            f"{humanize(vote.closes_at - ctx.now)} ({when(vote.closes_at, community)}); turnout so far {cast} of "
            f"{vote.roll_size} ({turnout}).{mine}")


@dataclass(frozen=True, kw_only=True)
class Receipts:
    number: int = arg("The vote's number", type="int", suggest="votes")
    page: int | None = arg("Page of 50", type="int", required=False)
    find: str | None = option("The start of your receipt code")


@command("vote receipts", Receipts, access=Access.PUBLIC, readonly=True,
         summary="Every receipt code of a closed vote with its choice, to check yours",
         examples=("vote receipts 1", "vote receipts 1 find:KX7P"), private=True)
async def receipts(cmd: Receipts, ctx: Context) -> Reply:
    vote = await _vote(ctx, cmd.number)
    if vote.state is not State.CLOSED:
        raise Conflict(f"Receipts of {vote.label} are published when its voting closes.")
    prefix = normalise_receipt(cmd.find or "")
    page = cmd.page or 1
    rows, total = await ctx.uow.votes.receipts(vote.id, prefix=prefix, offset=(page - 1) * RECEIPTS_PAGE,
                                               limit=RECEIPTS_PAGE)
    names: dict[int, str] = {}
    if vote.kind is Kind.ELECTION:
        candidates, people = await accepted_candidates(ctx, vote)
        names = candidate_names(candidates, people)
    if not rows:
        found = f" starting with {show_receipt(prefix) if len(prefix) > 5 else prefix}" if prefix else ""
        return Reply(f"No receipts{found} on that page of {vote.label}.", private=True)
    pages = max(1, math.ceil(total / RECEIPTS_PAGE))
    head = f"Receipts of {vote.label} ({total:,}" + (f" starting with {prefix}" if prefix else "") + \
        f"; page {page} of {pages}), in code order:"
    return Reply("\n".join([head, *describe_receipts(vote, rows, names)]), private=True)


@dataclass(frozen=True, kw_only=True)
class CancelVote:
    number: int = arg("The vote's number", type="int", suggest="votes")
    reason: str = rest("Why (everyone sees it)", required=False)


@command("vote cancel", CancelVote, summary="Cancel a vote: network staff; the petitioner while it is a petition; "
         "a leader while an election takes nominations", private=True)
async def cancel(cmd: CancelVote, ctx: Context) -> Reply:
    vote = await _vote(ctx, cmd.number)
    if not vote.active:
        raise Conflict(f"{vote.label.capitalize()} is already {vote.state.value}.")
    reason = clean(cmd.reason or "", field="reason", limit=REASON_LIMIT, required=False)
    me = await ctx.person_id()
    if vote.kind is Kind.RECALL and me == vote.subject_person_id and not ctx.is_staff:
        raise PermissionDenied("Only network staff can cancel a vote about you: the members decide this one.")
    under_recall = any(v.kind is Kind.RECALL and v.subject_person_id == me
                       for v in await ctx.uow.votes.active(ctx.community.id))
    if ctx.is_staff:
        by = "network staff"
    elif vote.kind is Kind.RECALL and vote.state is State.PETITION and me == vote.started_by:
        by = "the member who started it"
    elif vote.kind is Kind.ELECTION and vote.state is State.NOMINATION and ctx.is_leader and not under_recall:
        by = "a leader"
    else:
        raise PermissionDenied("Only network staff can cancel this vote now (the petitioner may withdraw a petition; "
                               "a leader may cancel an election while it takes nominations).")
    await cancel_vote(ctx, ctx.community, vote, by, reason)
    return Reply(f"{vote.label.capitalize()} is cancelled.", private=True)


# -- guards and the community's info ----------------------------------------------------------
async def _guard(ctx: Context) -> None:
    """A leader under recall may not change how votes work while it runs."""
    if ctx.account_or_none is None:
        return
    me = ctx.account_or_none.person_id
    for vote in await ctx.uow.votes.active(ctx.community.id):
        if vote.kind is Kind.RECALL and vote.subject_person_id == me:
            raise PermissionDenied(f"While members decide on {vote.label} about you, you can't change vote "
                                   "settings. (A running vote keeps the settings it started with anyway.)")


for _spec in GUARDED:
    CONFIG_GUARDS[_spec.key] = _guard


async def _info(ctx: Context) -> str | None:
    active = await ctx.uow.votes.active(ctx.community.id)
    if not active:
        return None
    return "Votes: " + ", ".join(f"{v.label} ({v.state.value})" for v in active) + " — `vote status`"


INFO_SECTIONS.append(_info)
