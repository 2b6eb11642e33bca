"""Suggestions for a value being typed: Discord autocomplete today, text front ends later.

A parameter names its source (`arg(..., suggest="rules")`); a source looks at the community
of the place the user types in and what they typed so far. Sources answer from one
read-only unit of work the caller opens, and must stay cheap: Discord wants the choices
within three seconds and shows at most 25.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

from core.commands.spec import REGISTRY
from core.community.commands import PROFILE_KEYS
from core.community.model import Community
from core.community.settings import REGISTRY as SETTINGS
from core.durations import format_duration, parse_duration
from core.errors import InvalidInput
from core.ports import UnitOfWork
from core.refs import AccountRef, Where
from core.text import preview

LIMIT = 25
LABEL_LIMIT = 100


@dataclass(frozen=True, slots=True)
class Suggestion:
    label: str
    value: str


@dataclass(frozen=True, slots=True)
class Typing:
    """What the user has typed: the value so far and the other values already filled in."""

    current: str
    filled: Mapping[str, object]
    community: Community | None
    where: Where | None
    # Who is typing, for sources whose choices depend on their role.
    account: AccountRef | None = None


Source = Callable[[UnitOfWork, Typing], Awaitable[Sequence[Suggestion]]]
SOURCES: dict[str, Source] = {}
# Sources that match what was typed themselves (full-text search with stemming and
# prefixes): their choices need not contain the typed text, so `rank` must not filter them.
SELF_RANKED: set[str] = set()


def source(name: str, *, ranked: bool = False) -> Callable[[Source], Source]:
    """Register a suggestion source; features add theirs next to their commands."""

    def register(fn: Source) -> Source:
        SOURCES[name] = fn
        if ranked:
            SELF_RANKED.add(name)
        return fn

    return register


async def suggest(uow: UnitOfWork, name: str, where: Where | None, current: str,
                  filled: Mapping[str, object] | None = None, *, limit: int = LIMIT,
                  account: AccountRef | None = None) -> list[Suggestion]:
    """Up to `limit` suggestions from source `name`, best matches for `current` first."""
    fn = SOURCES.get(name)
    if fn is None:
        return []
    community = None
    if where is not None and not where.direct:
        home = await uow.homes.find(where.platform, where.home_candidates())
        if home is not None:
            community = await uow.communities.get(home.community_id)
    found = await fn(uow, Typing(current[:100], filled or {}, community, where, account))
    return (list(found) if name in SELF_RANKED else rank(found, current))[:limit]


def rank(found: Sequence[Suggestion], current: str) -> list[Suggestion]:
    """Matches that start with what was typed, then those containing it; order kept otherwise."""
    wanted = current.strip().casefold()
    if not wanted:
        return list(found)
    starts = [s for s in found if s.value.casefold().startswith(wanted) or s.label.casefold().startswith(wanted)]
    inside = [s for s in found if s not in starts and (wanted in s.value.casefold() or wanted in s.label.casefold())]
    return starts + inside


def _label(text: str) -> str:
    return preview(text, LABEL_LIMIT)


@source("commands")
async def _commands(uow: UnitOfWork, typing: Typing) -> Sequence[Suggestion]:
    return [Suggestion(_label(f"{spec.name} — {spec.summary}"), spec.name)
            for spec in sorted(REGISTRY.values(), key=lambda s: s.path)]


PROFILE_HELP = {"name": "The community's name", "domain": "What the community shares",
                "charter": "The community's charter or commitment"}


@source("config_keys")
async def _config_keys(uow: UnitOfWork, typing: Typing) -> Sequence[Suggestion]:
    keys = [(spec.key, spec.description) for spec in SETTINGS.values()]
    keys += [(key, PROFILE_HELP.get(key, "Community profile")) for key in PROFILE_KEYS]
    return [Suggestion(_label(f"{key} — {description}"), key) for key, description in keys]


@source("config_values")
async def _config_values(uow: UnitOfWork, typing: Typing) -> Sequence[Suggestion]:
    key = str(typing.filled.get("key") or "").lower().replace("-", "_")
    spec = SETTINGS.get(key)
    community = typing.community
    values: list[str] = []
    if spec is not None:
        if community is not None:
            values.append(community.settings.text(key))
        values += [v for v in spec.examples if v not in values]
    elif key in PROFILE_KEYS and community is not None:
        current = {"name": community.name, "domain": community.domain, "charter": community.charter}[key]
        values = [current] if current else []
    return [Suggestion(_label(v), v[:LABEL_LIMIT]) for v in values]


@source("members")
async def _members(uow: UnitOfWork, typing: Typing) -> Sequence[Suggestion]:
    if typing.community is None:
        return []
    platform = typing.where.platform if typing.where is not None else None
    found = []
    for member in await uow.members.list(typing.community.id):
        # An id on the platform being typed on is unambiguous; a name is the fallback.
        account = next((a for a in member.accounts if a.ref.platform == platform), None)
        value = account.ref.user_id if account is not None else member.name
        found.append(Suggestion(_label(member.name), value[:LABEL_LIMIT]))
    return found


DURATIONS = ("30m", "1h", "4h", "12h", "1d", "2d", "1w", "2w")


@source("durations")
async def _durations(uow: UnitOfWork, typing: Typing) -> Sequence[Suggestion]:
    typed = typing.current.strip().lower()
    found = []
    if typed and typed not in DURATIONS:
        try:
            value = format_duration(parse_duration(typed))
        except InvalidInput:
            pass
        else:
            # Labelled with what was typed, so it ranks as a match for it.
            found.append(Suggestion(value if value == typed else f"{value} (= {typed})", value))
    return found + [Suggestion(d, d) for d in DURATIONS]


@source("rules")
async def _rules(uow: UnitOfWork, typing: Typing) -> Sequence[Suggestion]:
    if typing.community is None:
        return []
    return [Suggestion(_label(f"{rule.position}. {rule.text}"), str(rule.position))
            for rule in await uow.rules.list(typing.community.id)]
