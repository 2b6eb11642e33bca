"""The nudge digest: one direct message per person listing everything waiting for them.

Rungs of the ladder (and other features, such as resources due for review) do not message
people directly: they arm the person's digest timer. Arming it again before it fires only
moves it, so however many things come due together, the person gets one message. Quiet
hours move it to when they end.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

from core.community.model import Community
from core.community.settings import QUIET_HOURS, SLA, TIMEZONE
from core.durations import humanize
from core.effects import Action, DirectMessage
from core.links import thread_link
from core.membership.model import Account
from core.ports import UnitOfWork
from core.questions.quiet import next_allowed
from core.refs import HomeRef
from core.text import preview
from core.timers.context import TimerContext
from core.timers.model import DueTimer, on_timer

DIGEST = "digest"

# Other features add sections: (context, community, person id) → Markdown lines, or none.
DigestSection = Callable[[TimerContext, Community, int], Awaitable[list[str]]]
DIGEST_SECTIONS: list[DigestSection] = []


def digest_subject(community_id: int, person_id: int) -> str:
    return f"digest:{community_id}:{person_id}"


async def arm_digest(uow: UnitOfWork, community: Community, person_id: int, now: datetime) -> None:
    due = next_allowed(now, community.settings.get(TIMEZONE), community.settings.get(QUIET_HOURS))
    await uow.timers.arm(DIGEST, digest_subject(community.id, person_id), due)


@on_timer(DIGEST)
async def send_digests(timers: Sequence[DueTimer], ctx: TimerContext) -> None:
    for timer in timers:
        _, community_id, person_id = timer.subject.split(":")
        community = await ctx.uow.communities.get(int(community_id))
        if community is None:
            continue
        await _send(timer, ctx, community, int(person_id))


async def _send(timer: DueTimer, ctx: TimerContext, community: Community, person_id: int) -> None:
    allowed = next_allowed(ctx.now, community.settings.get(TIMEZONE), community.settings.get(QUIET_HOURS))
    if allowed > ctx.now:
        await ctx.uow.timers.arm(DIGEST, timer.subject, allowed)
        return
    member = await ctx.uow.members.get(community.id, person_id)
    if member is None or not member.active or member.is_away(ctx.now):
        return
    sla = community.settings.get(SLA)
    stale = await ctx.uow.questions.stale(community.id, ctx.now - sla, ctx.now)
    lines: list[str] = []
    actions: list[Action] = []
    if stale:
        lines.append(f"{len(stale)} question(s) waiting longer than the {humanize(sla)} response time, oldest first:")
        for question in stale:
            link = thread_link(question.home, question.thread_id)
            where = f" — [open]({link})" if link else ""
            lines.append(f"- #{question.number} ({humanize(ctx.now - question.waiting_since)}): "
                         f"“{preview(question.text, 100)}”{where}")
        for question in stale[:2]:
            actions.append(Action(f"Snooze #{question.number} 4h",
                                  f"questions snooze {question.number} 4h in:{community.id}"))
            link = thread_link(question.home, question.thread_id)
            if link:
                actions.append(Action(f"Open #{question.number}", "", style="link", url=link))
    for section in DIGEST_SECTIONS:
        lines += await section(ctx, community, person_id)
    if not lines:
        return
    homes = await ctx.uow.homes.for_community(community.id)
    accounts = (await ctx.uow.accounts.for_persons([person_id])).get(person_id, [])
    target = _reachable(accounts, [h.ref for h in homes])
    if target is None:
        return
    account, home = target
    text = f"**{community.name}** needs you:\n" + "\n".join(lines)
    await ctx.emit(DirectMessage(account.ref, text, tuple(actions), fallback=home),
                   key=f"digest:{community.id}:{person_id}:{timer.due_at.isoformat()}")


def _reachable(accounts: Sequence[Account], homes: Sequence[HomeRef]) -> tuple[Account, HomeRef] | None:
    """The person's account on the first platform where the community has a home."""
    for home in homes:
        for account in accounts:
            if account.ref.platform == home.platform and not account.is_bot:
                return account, home
    return None
