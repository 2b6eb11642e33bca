"""Autocomplete for resources (Discord offers up to 25 choices and wants them within 3 s).

`suggest_resources` answers from the titles' full-text index: the typed words must match a
title or tags, the last word as a prefix; the community's newest first, then the network's.
Each choice's value is the resource's number as people type it (`#12`, `N3`), which
`resource search`, `show`, `vet`, `retire` and `share` all accept.
"""

from __future__ import annotations

from collections.abc import Sequence

from core.commands.suggest import Suggestion, Typing, source
from core.ports import UnitOfWork
from core.resources.query import terms
from core.roles import Role
from core.text import preview

LIMIT = 25
LABEL_LIMIT = 100


async def suggest_resources(uow: UnitOfWork, community_id: int, prefix: str, limit: int = LIMIT, *,
                            unvetted: bool = False) -> list[tuple[str, str]]:
    """(label, value) choices for what has been typed so far; `unvetted` includes the community's
    submitted and retired resources (for leaders and experts vetting)."""
    limit = max(1, min(limit, LIMIT))
    # A last word followed by a space is complete; otherwise it is still being typed.
    typed = terms(prefix[:200], prefix=not prefix[-1:].isspace())
    if typed:
        found = await uow.resources.titles(community_id, typed, unvetted=unvetted, limit=limit)
    else:
        found = await uow.resources.recent(community_id, unvetted=unvetted, limit=limit)
    choices = []
    for resource in found:
        label = resource.label_in(community_id)
        state = "" if resource.status.value == "trusted" else f" [{resource.status.value}]"
        choices.append((preview(f"{label} {resource.title} ({resource.kind.value}){state}", LABEL_LIMIT), label))
    return choices


async def suggest_tags(uow: UnitOfWork, community_id: int, prefix: str, limit: int = LIMIT) -> list[tuple[str, str]]:
    """Tags in use that start with what was typed (after the last comma), most used first."""
    done, _, current = prefix.rpartition(",")
    current = current.strip().lower().lstrip("#")
    used = await uow.resources.tags(community_id)
    ranked = sorted((t for t in used if t.startswith(current)), key=lambda t: (-used[t], t))
    head = f"{done}," if done else ""
    return [(preview(f"{head}{tag} ({used[tag]})", LABEL_LIMIT), f"{head}{tag}"[:LABEL_LIMIT])
            for tag in ranked[:max(1, min(limit, LIMIT))]]


# -- as autocomplete sources (core.commands.suggest): the index ranks, so no re-ranking ---------
async def _vetter(uow: UnitOfWork, typing: Typing) -> bool:
    """Whether the person typing may see resources still waiting to be vetted."""
    if typing.community is None or typing.account is None:
        return False
    account = await uow.accounts.get(typing.account)
    member = await uow.members.get(typing.community.id, account.person_id) if account is not None else None
    return member is not None and member.active and (member.has(Role.LEADER) or member.has(Role.EXPERT))


@source("resources", ranked=True)
@source("resource_search", ranked=True)
async def trusted_resources(uow: UnitOfWork, typing: Typing) -> Sequence[Suggestion]:
    if typing.community is None:
        return []
    return [Suggestion(label, value) for label, value in
            await suggest_resources(uow, typing.community.id, typing.current)]


@source("resources_all", ranked=True)
async def all_resources(uow: UnitOfWork, typing: Typing) -> Sequence[Suggestion]:
    if typing.community is None:
        return []
    unvetted = await _vetter(uow, typing)
    return [Suggestion(label, value) for label, value in
            await suggest_resources(uow, typing.community.id, typing.current, unvetted=unvetted)]


@source("resource_tags", ranked=True)
async def resource_tags(uow: UnitOfWork, typing: Typing) -> Sequence[Suggestion]:
    if typing.community is None:
        return []
    return [Suggestion(label, value) for label, value in
            await suggest_tags(uow, typing.community.id, typing.current)]
