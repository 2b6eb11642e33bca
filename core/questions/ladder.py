"""The leader-response ladder: who is nudged when a question waits too long.

At 1× the SLA the available leaders are nudged; at 2× also moderators and experts, and a
"needs an answer" note goes to the community home; at 3× the network hub is alerted. When no
leader is available (all away), the first rung goes to moderators/experts and the hub.
A response at any point cancels the ladder. Nudges are not sent one per question: each rung
arms a per-person digest timer, and the digest lists everything waiting for that person.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from core.community.model import Community
from core.community.settings import SLA
from core.durations import humanize
from core.effects import HomePost, ThreadUpdate
from core.links import thread_link
from core.membership.model import Membership
from core.ports import UnitOfWork
from core.questions.digest import arm_digest
from core.questions.model import Question, Status, question_id, subject
from core.questions.settings import ESCALATION
from core.roles import Role
from core.text import preview
from core.timers.context import TimerContext
from core.timers.model import DueTimer, on_timer

LADDER = "question.ladder"
FOLLOW_UP = "question.followup"


def rung_due(question: Question, community: Community, tier: int) -> datetime:
    multiple = community.settings.get(ESCALATION)[tier - 1]
    return question.waiting_since + community.settings.get(SLA) * multiple


async def arm_ladder(uow: UnitOfWork, question: Question, community: Community, tier: int = 1,
                     not_before: datetime | None = None) -> None:
    due = rung_due(question, community, tier)
    if not_before is not None and due < not_before:
        due = not_before
    await uow.timers.arm(LADDER, subject(question.id), due, {"tier": tier})


async def stop_clocks(uow: UnitOfWork, questions: Sequence[Question]) -> None:
    await uow.timers.cancel_subjects([LADDER, FOLLOW_UP], [subject(q.id) for q in questions])


def available(member: Membership, now: datetime) -> bool:
    return member.active and not member.is_away(now)


def audience(members: Sequence[Membership], tier: int, now: datetime) -> tuple[list[int], bool]:
    """Who gets nudged at this rung, and whether the hub must hear of it."""
    leaders = [m for m in members if m.has(Role.LEADER) and available(m, now)]
    helpers = [m for m in members if (m.has(Role.MODERATOR) or m.has(Role.EXPERT))
               and not m.has(Role.LEADER) and available(m, now)]
    if tier == 1:
        if leaders:
            return [m.person_id for m in leaders], False
        return [m.person_id for m in helpers], True
    if tier == 2:
        return [m.person_id for m in leaders + helpers], not leaders
    return [], True


@on_timer(LADDER)
async def climb(timers: Sequence[DueTimer], ctx: TimerContext) -> None:
    questions = await ctx.uow.questions.many([question_id(t.subject) for t in timers])
    community_ids = sorted({q.community_id for q in questions.values()})
    communities = await ctx.uow.communities.many(community_ids)
    members = await ctx.uow.members.rosters(community_ids)
    forums: dict[str, bool] = {}
    if any(t.data.get("tier") == 2 for t in timers):
        for community_id in community_ids:
            forums.update({h.room_id: h.kind == "forum" for h in await ctx.uow.homes.for_community(community_id)})
    climbed: dict[int, list[int]] = {}
    # However many questions of a community climb together, each person gets one digest.
    digests: dict[tuple[int, int], Community] = {}
    next_rungs: list[tuple[str, str, datetime, Mapping[str, Any] | None]] = []
    for timer in timers:
        question = questions.get(question_id(timer.subject))
        if question is None or question.status is not Status.OPEN:
            continue
        cid = question.community_id
        community = communities.get(cid)
        if community is None:
            continue
        tier = int(timer.data.get("tier", 1))
        if question.snoozed_until is not None and question.snoozed_until > ctx.now:
            await ctx.uow.timers.arm(LADDER, timer.subject, question.snoozed_until, {"tier": tier})
            continue
        people, alert_hub = audience(members[cid], tier, ctx.now)
        for person in people:
            digests[(cid, person)] = community
        waited = humanize(ctx.now - question.waiting_since)
        link = thread_link(question.home, question.thread_id)
        where = f" — [open it]({link})" if link else ""
        if tier == 2:
            # A forum takes posts, not messages: there the note goes into the question's own
            # post, which brings it back to the top of the forum.
            in_post = question.thread_id if forums.get(question.room_id) else None
            await ctx.emit(HomePost(question.home, f"**{question.label.capitalize()} needs an answer** "
                                    f"(waiting {waited}): “{preview(question.text)}”{where}", thread_id=in_post),
                           key=f"needs-answer:{question.id}:{question.waiting_since.isoformat()}")
        if alert_hub:
            for hub in ctx.network.hubs:
                await ctx.emit(HomePost(hub, f"**{community.name}**: {question.label} has waited {waited} "
                                        f"without an answer (rung {tier} of 3): “{preview(question.text)}”{where}"),
                               key=f"hub:{question.id}:{tier}:{question.waiting_since.isoformat()}:{hub.room_id}")
        if tier < 3:
            due = max(rung_due(question, community, tier + 1), ctx.now)
            next_rungs.append((LADDER, subject(question.id), due, {"tier": tier + 1}))
        climbed.setdefault(tier, []).append(question.id)
    for tier, ids in climbed.items():
        await ctx.uow.questions.set_tier(ids, tier)
    await ctx.uow.timers.arm_many(next_rungs)
    for (_, person), community in digests.items():
        await arm_digest(ctx.uow, community, person, ctx.now)


@on_timer(FOLLOW_UP)
async def follow_up_lapsed(timers: Sequence[DueTimer], ctx: TimerContext) -> None:
    """The asker wrote again and nobody replied in time: the question waits again."""
    questions = await ctx.uow.questions.many([question_id(t.subject) for t in timers])
    for question in questions.values():
        if question.status is not Status.ANSWERED or question.follow_up_at is None:
            continue
        community = await ctx.uow.communities.get(question.community_id)
        if community is None:
            continue
        waiting = _reopened(question)
        await ctx.uow.questions.save(waiting)
        if waiting.thread_id is not None:
            await ctx.emit(ThreadUpdate(waiting.home, waiting.thread_id, "open"),
                           key=f"reopened:{waiting.id}:{waiting.waiting_since.isoformat()}")
        await arm_ladder(ctx.uow, waiting, community, 1, not_before=ctx.now)


def _reopened(question: Question) -> Question:
    assert question.follow_up_at is not None
    return replace(question, status=Status.OPEN, waiting_since=question.follow_up_at, follow_up_at=None, tier=0)


def sla_of(community: Community) -> timedelta:
    return community.settings.get(SLA)
