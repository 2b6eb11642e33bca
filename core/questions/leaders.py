"""`leader away|back|stats`, and the responsiveness line of `community info`."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import timedelta

from core.commands.context import Context
from core.commands.spec import Access, arg, command
from core.community.commands import INFO_SECTIONS
from core.community.settings import SLA
from core.durations import format_duration, humanize
from core.effects import Reply
from core.errors import InvalidInput
from core.questions.stats import WINDOW, describe, measure
from core.roles import Role

MAX_AWAY = timedelta(days=90)


@dataclass(frozen=True, kw_only=True)
class LeaderAway:
    duration: str = arg("For how long, e.g. 2w", type="duration", suggest="durations")


@command("leader away", LeaderAway, access=Access.LEADER,
         summary="Step away for a while: nudges go to your co-leaders", examples=("leader away 2w",), private=True)
async def away(cmd: LeaderAway, ctx: Context) -> Reply:
    length: timedelta = cmd.duration  # type: ignore[assignment]
    if length > MAX_AWAY:
        raise InvalidInput("You can be away for at most 90 days at a time.")
    member = ctx.membership
    assert member is not None
    await ctx.uow.members.save(replace(member, away_until=ctx.now + length))
    return Reply(f"You are away for {format_duration(length)}. Nudges go to your co-leaders meanwhile; "
                 "`leader back` ends it early.", private=True)


@dataclass(frozen=True, kw_only=True)
class LeaderBack:
    pass


@command("leader back", LeaderBack, access=Access.LEADER, summary="End your time away", private=True)
async def back(cmd: LeaderBack, ctx: Context) -> Reply:
    member = ctx.membership
    assert member is not None
    if not member.is_away(ctx.now):
        return Reply("You were not away.", private=True)
    await ctx.uow.members.save(replace(member, away_until=None))
    return Reply("Welcome back: nudges come to you again.", private=True)


@dataclass(frozen=True, kw_only=True)
class LeaderStats:
    pass


@command("leader stats", LeaderStats, access=Access.PUBLIC, readonly=True,
         summary="How quickly questions get answered, per leader and for the community")
async def stats(cmd: LeaderStats, ctx: Context) -> Reply:
    community = ctx.community
    sla = community.settings.get(SLA)
    leaders = await ctx.uow.members.list(community.id, Role.LEADER)
    questions = await ctx.uow.questions.since(community.id, ctx.now - WINDOW)
    figures = measure(questions, ctx.now, sla, [m.membership.person_id for m in leaders])
    lines = [describe(figures, sla)]
    for leader in leaders:
        mine = figures.per_leader[leader.membership.person_id]
        status = " (away)" if leader.membership.is_away(ctx.now) else ""
        median = humanize(mine.median) if mine.median is not None else "n/a"
        lines.append(f"- {leader.name}{status}: first leader response on {mine.responses} question(s), "
                     f"median {median}, {mine.within_sla} within the SLA")
    return Reply("\n".join(lines))


async def _info(ctx: Context) -> str | None:
    community = ctx.community
    sla = community.settings.get(SLA)
    questions = await ctx.uow.questions.since(community.id, ctx.now - WINDOW)
    return describe(measure(questions, ctx.now, sla), sla)


INFO_SECTIONS.append(_info)
