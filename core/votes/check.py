"""The responsiveness check: a daily durable timer per community.

When a leader's share (core.votes.responsiveness) is below the community's threshold, the
leader first gets a private, kind check-in. If it is still low after the grace period, the
community is told that members may start a recall. It never starts one: members decide.
The state (when the check-in went out, whether the community was told) rides in the timer's
own row, so it is as durable as the timer; it is forgotten once the share recovers.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any

from core.commands.context import Context
from core.community.commands import SETUP_HOOKS
from core.community.model import Community
from core.community.settings import SLA
from core.durations import humanize
from core.effects import DirectMessage
from core.questions.stats import WINDOW
from core.refs import HomeRef, Platform
from core.roles import Role
from core.timers.context import TimerContext
from core.timers.model import DueTimer, on_timer
from core.votes.common import CHECK, People, percent, post_everywhere
from core.votes.model import Kind
from core.votes.responsiveness import LeaderShare, leader_share
from core.votes.settings import RESPONSIVE_GRACE, RESPONSIVE_MIN, RESPONSIVE_SHARE, fraction

EVERY = timedelta(days=1)


def check_subject(community_id: int) -> str:
    return f"community:{community_id}"


async def arm_check(ctx: Context, community: Community) -> None:
    await ctx.uow.timers.arm(CHECK, check_subject(community.id), ctx.now + EVERY)


SETUP_HOOKS.append(arm_check)


@on_timer(CHECK)
async def check_responsiveness(timers: Sequence[DueTimer], ctx: TimerContext) -> None:
    for timer in timers:
        community = await ctx.uow.communities.get(int(timer.subject.removeprefix("community:")))
        if community is None:
            continue  # the community is gone: the check ends with it
        state = {str(k): dict(v) for k, v in dict(timer.data.get("low") or {}).items()}
        state = await _check(ctx, community, state)
        await ctx.uow.timers.arm(CHECK, timer.subject, ctx.now + EVERY, {"low": state})


async def _check(ctx: TimerContext, community: Community,
                 state: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    leaders = await ctx.uow.members.list(community.id, Role.LEADER)
    if not leaders:
        return {}
    sla = community.settings.get(SLA)
    threshold = fraction(community.settings.get(RESPONSIVE_SHARE))
    minimum = community.settings.get(RESPONSIVE_MIN)
    grace = community.settings.get(RESPONSIVE_GRACE)
    questions = await ctx.uow.questions.since(community.id, ctx.now - WINDOW)
    under_recall = {v.subject_person_id for v in await ctx.uow.votes.active(community.id) if v.kind is Kind.RECALL}
    people = People({m.membership.person_id: list(m.accounts) for m in leaders})
    homes = [h.ref for h in await ctx.uow.homes.for_community(community.id)]
    kept: dict[str, dict[str, Any]] = {}
    for member in leaders:
        person = member.membership.person_id
        entry = state.get(str(person))
        if member.membership.is_away(ctx.now):
            if entry is not None:
                kept[str(person)] = entry  # paused while they said they are away
            continue
        figures = leader_share(questions, person, ctx.now, sla)
        if not figures.low(threshold, minimum):
            continue  # fine, or recovered: forget any earlier check-in
        if entry is None:
            await _check_in(ctx, community, people, homes, person, figures, sla, grace, threshold)
            kept[str(person)] = {"since": ctx.now.isoformat(), "told": ""}
        elif (not entry.get("told") and person not in under_recall
              and ctx.now - datetime.fromisoformat(entry["since"]) >= grace):
            await _tell_members(ctx, community, people, person, figures, sla, grace, threshold)
            kept[str(person)] = {**entry, "told": ctx.now.isoformat()}
        else:
            kept[str(person)] = entry
    return kept


def _figures(figures: LeaderShare, sla: timedelta, threshold: Fraction) -> str:
    share = figures.share
    assert share is not None
    return (f"{figures.answered} of the {figures.waiting} questions that waited for a leader got a reply within "
            f"the {humanize(sla)} response time ({percent(share)}; the community aims for at least "
            f"{percent(threshold)})")


async def _check_in(ctx: TimerContext, community: Community, people: People, homes: Sequence[HomeRef], person: int,
                    figures: LeaderShare, sla: timedelta, grace: timedelta, threshold: Fraction) -> None:
    target = people.reachable(person, homes)
    if target is None:
        return
    text = (f"Hi {people.name(person)} — a private check-in about **{community.name}**, just for you. Over the last "
            f"30 days, {_figures(figures, sla, threshold)} from you. Questions others answered in time don't "
            "count against you.\nLife gets busy, and that is all right: `leader away 2w` passes nudges to "
            "co-leaders for a while, a co-leader can share the load (`role grant <member> leader`), and "
            f"`leader stats` shows the figures. If it stays like this for {humanize(grace)}, the community will be "
            "told that members may consider a change of leadership.")
    await ctx.emit(DirectMessage(target[0].ref, text),
                   key=f"check-in:{community.id}:{person}:{ctx.now.date().isoformat()}")


async def _tell_members(ctx: TimerContext, community: Community, people: People, person: int,
                        figures: LeaderShare, sla: timedelta, grace: timedelta, threshold: Fraction) -> None:
    def text(platform: Platform | None) -> str:
        name = people.tag(person, platform)
        return (f"**A note on responsiveness in {community.name}**: over the last 30 days, "
                f"{_figures(figures, sla, threshold)} from {name}. We checked in with them privately "
                f"{humanize(grace)} ago. Leaders can be busy or unwell, and a co-leader may help. If members feel "
                "the community needs a change of leadership, any eligible member may start a recall petition: "
                "`vote recall <leader> <reason>`. Nothing starts by itself: members decide.")

    await post_everywhere(ctx, community, text, key=f"may-recall:{community.id}:{person}:{ctx.now.date().isoformat()}")
