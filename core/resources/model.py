"""Resources: the practice of a community — articles, guidelines, tools, stories — vetted and dated.

A resource is `submitted` when a member adds it, `trusted` once a leader or expert vets it
(who, when, with the expert's credential label as it was then), and `retired` when it should
no longer be used. Trusted health information goes stale: a trusted resource may have a
`review_due` date, after which it is shown as overdue until someone vets it again.

Each resource belongs to the community it was added in and is known there by a short number
(#12). Network staff can make a trusted resource network-wide; it then also has a network
number (N3) under which every community finds it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from core.errors import InvalidInput


class Kind(StrEnum):
    ARTICLE = "article"
    GUIDELINE = "guideline"
    TOOL = "tool"
    STORY = "story"
    EXPERIENCE = "experience"
    SOLUTION = "solution"
    RECORDING = "recording"
    OTHER = "other"


KINDS = tuple(k.value for k in Kind)
# Kinds that carry medical claims and get a review date by default when vetted.
REVIEWED_KINDS = frozenset({Kind.ARTICLE, Kind.GUIDELINE})


class Status(StrEnum):
    SUBMITTED = "submitted"
    TRUSTED = "trusted"
    RETIRED = "retired"


TITLE_LIMIT = 200
TEXT_LIMIT = 4000  # a Discord modal paragraph holds 4,000 characters
CITATION_LIMIT = 300
REASON_LIMIT = 300
MAX_TAGS = 10
TAG_LIMIT = 30


@dataclass(frozen=True, slots=True)
class Resource:
    id: int
    community_id: int
    number: int
    title: str
    url: str | None
    text: str
    kind: Kind
    tags: tuple[str, ...]
    citation: str
    status: Status
    # None for resources imported from a file by an operator.
    submitted_by: int | None
    submitted_at: datetime
    vetted_by: int | None = None
    # The vetter's credential as it was when they vetted ("RN, pain clinic", "leader").
    vetter_label: str = ""
    vetted_at: datetime | None = None
    review_due: datetime | None = None
    retired_by: int | None = None
    retired_at: datetime | None = None
    retired_reason: str = ""
    network_number: int | None = None
    shared_by: int | None = None
    shared_at: datetime | None = None
    # When a leader proposed it to the network hub (so a proposal is not repeated).
    proposed_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def label(self) -> str:
        return f"#{self.number}"

    @property
    def network(self) -> bool:
        return self.network_number is not None

    def label_in(self, community_id: int) -> str:
        """How people in `community_id` refer to it: its own number there, else its network number."""
        if self.community_id == community_id or self.network_number is None:
            return f"#{self.number}"
        return f"N{self.network_number}"

    def overdue(self, now: datetime) -> bool:
        return self.status is Status.TRUSTED and self.review_due is not None and self.review_due <= now


@dataclass(frozen=True, slots=True)
class Hit:
    """A search result: the resource, a highlighted excerpt, and where it comes from."""

    resource: Resource
    snippet: str
    community_name: str


@dataclass(frozen=True, slots=True)
class ResourceRef:
    """What a user typed to name a resource: `12`/`#12` (this community) or `N3` (the network)."""

    number: int
    network: bool = False

    def __str__(self) -> str:
        return f"N{self.number}" if self.network else f"#{self.number}"


_REF = re.compile(r"^\s*(#|n|N)?\s*(\d{1,9})\s*$")


def parse_ref(text: str) -> ResourceRef:
    match = _REF.match(text)
    if match is None:
        shown = text.strip()[:20] + ("…" if len(text.strip()) > 20 else "")
        raise InvalidInput(f"“{shown}” is not a resource number. Use the number shown in search results, "
                           "like 12 or N3.")
    return ResourceRef(int(match[2]), network=match[1] in ("n", "N"))


_TAG_SPLIT = re.compile(r"[,;\s]+")
_TAG_OK = re.compile(r"^[^\W_][\w\-+.]*$")


def parse_tags(text: str | None) -> tuple[str, ...]:
    """`pacing, sleep` → ("pacing", "sleep"): lower-case, de-duplicated, in the order given."""
    if not text:
        return ()
    tags: list[str] = []
    for raw in _TAG_SPLIT.split(text.strip().lstrip("#")):
        tag = raw.strip().lstrip("#").lower()
        if not tag:
            continue
        if len(tag) > TAG_LIMIT or not _TAG_OK.match(tag):
            shown = tag[:20] + ("…" if len(tag) > 20 else "")
            raise InvalidInput(f"“{shown}” is not a tag: tags are single words (letters, digits, - and +), "
                               f"at most {TAG_LIMIT} characters.")
        if tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise InvalidInput(f"A resource can have at most {MAX_TAGS} tags.")
    return tuple(tags)


def parse_kind(text: str | None) -> Kind:
    value = (text or "other").strip().lower()
    if value not in KINDS:
        raise InvalidInput(f"kind must be one of: {', '.join(KINDS)}.")
    return Kind(value)


def subject(resource_id: int) -> str:
    return f"resource:{resource_id}"


def resource_id(subject: str) -> int:
    return int(subject.removeprefix("resource:"))
