"""What every part of voting shares: the environment (a command or a timer), names and
mentions per platform, posting in every home, dates, shares, and who may take part."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Protocol

from core.community.model import Community
from core.community.settings import TIMEZONE
from core.effects import Action, HomePost, OutboundEffect
from core.membership.model import Account, Membership
from core.ports import UnitOfWork
from core.refs import HomeRef, Platform, mention
from core.votes.model import Vote
from core.votes.settings import MEMBER_DAYS

# Timer kinds: every deadline of a vote is a durable timer row.
PETITION_END = "vote.petition"
NOMINATIONS_END = "vote.nominations"
CLOSE = "vote.close"
SETTLE = "vote.settle"  # closes a ballot early once everyone on the roll has voted
REMIND = "vote.remind"
CHECK = "vote.check"


class Env(Protocol):
    """A command's Context or a timer's TimerContext."""

    @property
    def uow(self) -> UnitOfWork: ...
    @property
    def now(self) -> datetime: ...
    async def emit(self, effect: OutboundEffect, key: str | None = None) -> None: ...


class People:
    """Display names and platform accounts of a few persons, loaded once."""

    def __init__(self, accounts: dict[int, list[Account]]) -> None:
        self.accounts = accounts

    @classmethod
    async def load(cls, uow: UnitOfWork, person_ids: Sequence[int | None]) -> People:
        return cls(await uow.accounts.for_persons([p for p in person_ids if p is not None]))

    def name(self, person_id: int | None) -> str:
        if person_id is None:
            return "the bot"
        found = [a for a in self.accounts.get(person_id, []) if not a.is_bot]
        return found[0].display_name if found else f"person {person_id}"

    def tag(self, person_id: int | None, platform: Platform | None) -> str:
        """A mention on `platform` when the person has an account there, else their name."""
        for account in self.accounts.get(person_id or -1, []):
            if account.ref.platform == platform:
                return mention(account.ref, account.display_name)
        return f"**{self.name(person_id)}**"

    def reachable(self, person_id: int, homes: Sequence[HomeRef]) -> tuple[Account, HomeRef] | None:
        """The person's account on the first platform where the community has a home."""
        for home in homes:
            for account in self.accounts.get(person_id, []):
                if account.ref.platform == home.platform and not account.is_bot:
                    return account, home
        return None


# Text for a platform's mentions; None gives plain names (for text kept in the database).
Render = Callable[[Platform | None], str]


def same(text: str) -> Render:
    """The same text for every home."""
    return lambda _platform: text


async def post_everywhere(env: Env, community: Community, text: Render, *, key: str | None,
                          actions: tuple[Action, ...] = ()) -> None:
    """One post in every home of the community (each with the mentions of its platform).

    `key` names a post that happens once (a vote's result); None for posts that may repeat."""
    for home in await env.uow.homes.for_community(community.id):
        await env.emit(HomePost(home.ref, text(home.platform), actions=actions),
                       key=None if key is None else f"{key}:{home.id}")


def when(moment: datetime, community: Community) -> str:
    zone = community.settings.get(TIMEZONE)
    local = moment.astimezone(zone)
    return f"{local:%a %d %b %H:%M} {zone.key}"


def plural(count: int, word: str) -> str:
    return f"{count:,} {word}" + ("" if count == 1 else "s")


def percent(share: Fraction) -> str:
    value = float(share) * 100
    return f"{value:.0f}%" if value == round(value) or value >= 10 else f"{value:.1f}%"


def problem_taking_part(membership: Membership | None, vote: Vote, at: datetime, community_name: str) -> str | None:
    """Why this member may not sign, nominate, stand or vote in `vote` (None: they may).

    Members must have accepted the rules that were current when the vote started, and have
    joined at least `vote_member_days` before `at` (the opening of the ballot, for the roll)."""
    if membership is None or not membership.active:
        return f"Only members of {community_name} can take part; `join` first."
    if (membership.accepted_rules_version < vote.rules_version
            or membership.accepted_network_rules_version < vote.network_rules_version):
        return "You need to accept the community's current rules first: type `join`."
    days = vote.settings.get(MEMBER_DAYS)
    if membership.joined_at is None or membership.joined_at > at - timedelta(days=days):
        since = "" if membership.joined_at is None else f" (you joined {membership.joined_at:%d %b %Y})"
        return f"Members can take part in votes once they have been in the community for {days} days{since}."
    return None
