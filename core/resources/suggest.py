"""Autocomplete for resources (Discord offers up to 25 choices and wants them within 3 s).

`suggest_resources` answers from the titles' full-text index: the typed words must match a
title or tags, the last word as a prefix; the community's newest first, then the network's.
Each choice's value is the resource's number as people type it (`#12`, `N3`), which
`resource search`, `show`, `vet`, `retire` and `share` all accept.
"""

from __future__ import annotations

from core.ports import UnitOfWork
from core.resources.query import terms
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
