"""Review dates: a trusted resource's durable timer, and the leaders' digest section.

Vetting arms a `resource.review` timer for the review date (vetting again moves it,
retiring cancels it). When it comes due it does not message anyone itself: it arms the
digest of each available leader (experts, when every leader is away), and the digest
section below lists every resource of the community that is due, so however many come due
together a leader gets one message, next to any questions waiting for them.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta

from core.community.model import Community
from core.durations import humanize
from core.membership.model import Membership
from core.ports import UnitOfWork
from core.questions.digest import DIGEST_SECTIONS, arm_digest
from core.questions.ladder import available
from core.resources.model import REVIEWED_KINDS, Kind, Resource, Status, resource_id, subject
from core.resources.settings import MAX_REVIEW, MIN_REVIEW, REVIEW_AFTER
from core.roles import Role
from core.text import preview
from core.timers.context import TimerContext
from core.timers.model import DueTimer, on_timer

REVIEW = "resource.review"
DIGEST_LIMIT = 10


def review_date(kind: Kind, community: Community, now: datetime, review_in: timedelta | None) -> datetime | None:
    """When a resource vetted now is due for review: as asked, else by the community's setting for
    guidelines and articles; other kinds (stories, tools…) need no review unless asked."""
    if review_in is not None:
        return now + min(max(review_in, MIN_REVIEW), MAX_REVIEW)
    if kind in REVIEWED_KINDS:
        return now + community.settings.get(REVIEW_AFTER)
    return None


async def arm_review(uow: UnitOfWork, resource: Resource) -> None:
    if resource.status is Status.TRUSTED and resource.review_due is not None:
        await uow.timers.arm(REVIEW, subject(resource.id), resource.review_due)
    else:
        await uow.timers.cancel(REVIEW, subject(resource.id))


async def arm_reviews(uow: UnitOfWork, resources: Sequence[Resource]) -> None:
    await uow.timers.arm_many([(REVIEW, subject(r.id), r.review_due, None) for r in resources
                               if r.status is Status.TRUSTED and r.review_due is not None])


@on_timer(REVIEW)
async def reviews_due(timers: Sequence[DueTimer], ctx: TimerContext) -> None:
    resources = await ctx.uow.resources.many([resource_id(t.subject) for t in timers])
    by_community: dict[int, list[Resource]] = defaultdict(list)
    for resource in resources.values():
        # A resource vetted again or retired since has moved or cancelled its timer; this
        # check also covers a timer that fires late.
        if resource.overdue(ctx.now):
            by_community[resource.community_id].append(resource)
    community_ids = sorted(by_community)
    communities = await ctx.uow.communities.many(community_ids)
    rosters = await ctx.uow.members.rosters(community_ids)
    for community_id, community in communities.items():
        for person in reviewers(rosters.get(community_id, ()), ctx.now):
            await arm_digest(ctx.uow, community, person, ctx.now)


def reviewers(members: Sequence[Membership], now: datetime) -> list[int]:
    """Available leaders; if every leader is away, available experts."""
    people = [m for m in members if available(m, now)]
    leaders = [m.person_id for m in people if m.has(Role.LEADER)]
    return leaders or [m.person_id for m in people if m.has(Role.EXPERT)]


async def due_section(ctx: TimerContext, community: Community, person_id: int) -> list[str]:
    roles = (await ctx.uow.members.roles_of(community.id, [person_id])).get(person_id, frozenset())
    if Role.LEADER not in roles and Role.EXPERT not in roles:
        return []
    due = await ctx.uow.resources.due(community.id, ctx.now, DIGEST_LIMIT)
    if not due:
        return []
    total = len(due) if len(due) < DIGEST_LIMIT else (await ctx.uow.resources.counts(community.id, ctx.now))[0]
    lines = [f"{total} trusted resource(s) due for review:"]
    for resource in due:
        assert resource.review_due is not None
        lines.append(f"- #{resource.number} “{preview(resource.title, 80)}” ({resource.kind.value}, due "
                     f"{humanize(ctx.now - resource.review_due)} ago)")
    if total > len(due):
        lines.append(f"- … and {total - len(due)} more: `resource due in:{community.id}`")
    lines.append(f"Check each one, then `resource vet <number> in:{community.id}` to renew it or "
                 f"`resource retire <number> <reason> in:{community.id}`.")
    return lines


DIGEST_SECTIONS.append(due_section)
