"""How resources read in replies: one-line results, and the whole entry with its provenance."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from core.community.model import Community
from core.community.settings import TIMEZONE
from core.ports import UnitOfWork
from core.resources.model import Hit, Resource, Status
from core.text import preview

SHOWN_URL_LIMIT = 120
# Replies must fit in one Discord message (2,000 characters) with room for the adapter's framing.
REPLY_LIMIT = 1900


def defuse(text: str) -> str:
    """User text must not turn into a mention token (`<@discord:1|x>`) when an adapter renders it."""
    return text.replace("<@", "< @")


def day(moment: datetime, community: Community) -> str:
    return moment.astimezone(community.settings.get(TIMEZONE)).strftime("%Y-%m-%d")


async def names(uow: UnitOfWork, person_ids: Sequence[int | None]) -> dict[int, str]:
    wanted = sorted({p for p in person_ids if p is not None})
    accounts = await uow.accounts.for_persons(wanted)
    return {person: found[0].display_name for person, found in accounts.items() if found}


def review_note(resource: Resource, community: Community, now: datetime) -> str:
    if resource.status is not Status.TRUSTED or resource.review_due is None:
        return ""
    if resource.overdue(now):
        return f"⚠ review overdue since {day(resource.review_due, community)}"
    return f"review due {day(resource.review_due, community)}"


def link(resource: Resource, community_id: int) -> str:
    if resource.url is None:
        return ""
    if len(resource.url) > SHOWN_URL_LIMIT:
        return f"(long link: `resource show {resource.label_in(community_id)}`)"
    return resource.url


def result_lines(hit: Hit, community: Community, now: datetime) -> list[str]:
    resource = hit.resource
    facts = [resource.kind.value]
    if resource.tags:
        facts.append(", ".join(resource.tags[:5]))
    if resource.community_id != community.id:
        facts.append(f"from {hit.community_name}")
    if resource.status is not Status.TRUSTED:
        facts.append("not vetted yet" if resource.status is Status.SUBMITTED else "RETIRED")
    note = review_note(resource, community, now)
    if note:
        facts.append(note)
    lines = [f"{resource.label_in(community.id)} **{defuse(preview(resource.title, 90))}** · " + " · ".join(facts)]
    shown_link = link(resource, community.id)
    if shown_link:
        lines.append(f"   {shown_link}")
    excerpt = preview(hit.snippet, 120)
    if excerpt.count("**") % 2:
        excerpt += "**"  # the cut fell inside a highlight
    if excerpt:
        lines.append(f"   {defuse(excerpt)}")
    return lines


def fit(blocks: list[list[str]], footer: str, limit: int = REPLY_LIMIT) -> list[str]:
    """As many whole blocks as fit in one message, then the footer (and what was left out)."""
    lines: list[str] = []
    size = len(footer) + 40
    for index, block in enumerate(blocks):
        block_size = sum(len(line) + 1 for line in block)
        if size + block_size > limit:
            lines.append(f"… and {len(blocks) - index} more.")
            break
        lines += block
        size += block_size
    return [*lines, footer] if footer else lines


def entry(resource: Resource, community: Community, people: dict[int, str], now: datetime,
          origin: str | None = None) -> str:
    """The whole entry: what it is, and who submitted and vetted it when (`resource show`)."""
    label = resource.label_in(community.id)
    title = f"**{label} · {defuse(resource.title)}**" + (f" (from {origin})" if origin else "")
    facts = [f"Kind: {resource.kind.value}", f"Status: {resource.status.value}"]
    if resource.tags:
        facts.append("Tags: " + ", ".join(resource.tags))
    lines = [title, " · ".join(facts)]
    if resource.url:
        lines.append(f"Link: {preview(resource.url, 900)}")
    text_at = len(lines)
    if resource.citation:
        lines.append(f"Source: {defuse(resource.citation)}")
    lines.append(f"Submitted {_by(resource.submitted_by, people)} on {day(resource.submitted_at, community)}.")
    if resource.vetted_at is not None:
        credential = f" ({resource.vetter_label})" if resource.vetter_label else ""
        note = review_note(resource, community, now)
        lines.append(f"Vetted {_by(resource.vetted_by, people)}{credential} on {day(resource.vetted_at, community)}"
                     + (f" · {note}" if note else "") + ".")
    elif resource.status is Status.SUBMITTED:
        lines.append("Not vetted yet: a leader or expert can make it trusted with "
                     f"`resource vet {resource.number}`.")
    if resource.retired_at is not None:
        lines.append(f"Retired {_by(resource.retired_by, people)} on {day(resource.retired_at, community)}: "
                     f"{defuse(resource.retired_reason)}")
    if resource.network_number is not None and resource.shared_at is not None:
        lines.append(f"Network-wide as N{resource.network_number} since {day(resource.shared_at, community)}.")
    if resource.text:
        room = max(200, REPLY_LIMIT - sum(len(line) + 1 for line in lines))
        lines.insert(text_at, defuse(resource.text if len(resource.text) <= room
                                     else resource.text[:room - 1].rstrip() + "…"))
    return "\n".join(lines)


def _by(person: int | None, people: dict[int, str]) -> str:
    if person is None:
        return "by import"
    return f"by {people.get(person, 'a former member')}"
