"""Autocomplete for resources (Discord offers up to 25 choices and wants them within 3 s).

`suggest_resources` answers from the full-text index: the typed words must match a title
or tags, the last word as a prefix, the community's own resources first. Each choice's
value is the resource's number as people type it (`#12`, `N3`), which `resource search`,
`show`, `vet`, `retire` and `share` all accept.
"""

from __future__ import annotations

from core.ports import UnitOfWork
from core.resources.query import Terms, terms
from core.text import preview

LIMIT = 25
LABEL_LIMIT = 100
# FTS prefix indexes start at two letters; one letter would scan the whole vocabulary.
MIN_PREFIX = 2


async def suggest_resources(uow: UnitOfWork, community_id: int, prefix: str, limit: int = LIMIT, *,
                            unvetted: bool = False) -> list[tuple[str, str]]:
    """(label, value) choices for what has been typed so far; `unvetted` includes the community's
    submitted and retired resources (for leaders and experts vetting)."""
    limit = max(1, min(limit, LIMIT))
    typed = _usable(terms(prefix[:200], prefix=True))
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


def _usable(typed: Terms) -> Terms:
    if typed and len(typed.words[-1]) < MIN_PREFIX:
        return Terms(typed.words[:-1])
    return typed
