"""Importing and exporting resources (`carpool resources import|export`).

A row is a mapping with the fields of `FIELDS` (CSV columns or JSON keys; a few aliases are
accepted). Every row goes through the same checks as `resource add`: lengths, http(s) links
only, known kinds, tags. A row whose link (or, without a link, whose exact title) is already
in the community updates that resource; a row that repeats an earlier row is rejected.
Rows are taken in batches, each batch one transaction: a re-run after an interruption
updates what the first run stored instead of adding it twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from core.community.model import Community
from core.errors import InvalidInput, UserError
from core.ports import UnitOfWork
from core.resources.model import (
    CITATION_LIMIT,
    REASON_LIMIT,
    TEXT_LIMIT,
    TITLE_LIMIT,
    Kind,
    Resource,
    Status,
    parse_kind,
    parse_tags,
)
from core.resources.review import arm_review, arm_reviews, review_date
from core.resources.urls import normalise_url
from core.text import clean

FIELDS = ("title", "url", "text", "kind", "tags", "citation", "status", "review_due", "vetted_at", "vetter_label",
          "retired_reason")
EXPORT_FIELDS = ("community", "number", "network_number", *FIELDS, "submitted_at", "retired_at")
ALIASES = {"source": "citation", "body": "text", "description": "text", "link": "url", "reason": "retired_reason",
           "name": "title"}
IMPORTED = "imported"


@dataclass
class ImportSummary:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    # (where in the file, why): "line 7", "item 3".
    rejected: list[tuple[str, str]] = field(default_factory=list)

    def merge(self, other: ImportSummary) -> None:
        self.added += other.added
        self.updated += other.updated
        self.unchanged += other.unchanged
        self.rejected += other.rejected


@dataclass(frozen=True, slots=True)
class Row:
    """One row of the file, checked: what a resource would hold."""

    title: str
    url: str | None
    text: str
    kind: Kind
    tags: tuple[str, ...]
    citation: str
    status: Status | None
    review_due: datetime | None
    vetted_at: datetime | None
    vetter_label: str
    retired_reason: str

    @property
    def key(self) -> str:
        return self.url if self.url is not None else "title:" + self.title


def _text(raw: Mapping[str, object], name: str) -> str:
    value = raw.get(name)
    if value is None:
        for alias, target in ALIASES.items():
            if target == name and raw.get(alias) is not None:
                value = raw.get(alias)
                break
    if value is None:
        return ""
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    if isinstance(value, (dict, bool)):
        raise InvalidInput(f"{name} must be text.")
    return str(value)


def _moment(text: str, name: str) -> datetime | None:
    value = text.strip()
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise InvalidInput(f"{name} must be a date like 2027-03-01 (got “{value[:30]}”).") from None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def check_row(raw: Mapping[str, object]) -> Row:
    """Check one row as `resource add` would; InvalidInput says what is wrong."""
    fields = {k.strip().lower(): v for k, v in raw.items() if isinstance(k, str)}
    title = clean(_text(fields, "title"), field="title", limit=TITLE_LIMIT)
    url_text = _text(fields, "url").strip()
    url = normalise_url(url_text) if url_text else None
    body = clean(_text(fields, "text"), field="text", limit=TEXT_LIMIT, multiline=True, required=False)
    if url is None and not body:
        raise InvalidInput("needs a link or some text.")
    status_text = _text(fields, "status").strip().lower()
    if status_text and status_text not in tuple(s.value for s in Status):
        raise InvalidInput("status must be submitted, trusted or retired.")
    return Row(
        title=title, url=url, text=body, kind=parse_kind(_text(fields, "kind") or None),
        tags=parse_tags(_text(fields, "tags")),
        citation=clean(_text(fields, "citation"), field="citation", limit=CITATION_LIMIT, required=False),
        status=Status(status_text) if status_text else None,
        review_due=_moment(_text(fields, "review_due"), "review_due"),
        vetted_at=_moment(_text(fields, "vetted_at"), "vetted_at"),
        vetter_label=clean(_text(fields, "vetter_label"), field="vetter_label", limit=60, required=False),
        retired_reason=clean(_text(fields, "retired_reason"), field="retired_reason", limit=REASON_LIMIT,
                             required=False),
    )


def _apply(resource: Resource, row: Row, community: Community, now: datetime) -> Resource:
    """`resource` as the row describes it; the status changes only when the row gives one."""
    updated = replace(resource, title=row.title, url=row.url, text=row.text, kind=row.kind, tags=row.tags,
                      citation=row.citation)
    status = row.status or resource.status
    if status is Status.TRUSTED:
        changed = resource.status is not Status.TRUSTED
        vetted_at = row.vetted_at or (now if changed or resource.vetted_at is None else resource.vetted_at)
        due = row.review_due
        if due is None:
            due = resource.review_due if not changed else review_date(row.kind, community, vetted_at, None)
        updated = replace(updated, status=status, vetted_at=vetted_at, review_due=due,
                          vetted_by=None if changed else resource.vetted_by,
                          vetter_label=row.vetter_label or (IMPORTED if changed else resource.vetter_label),
                          retired_at=None, retired_by=None, retired_reason="")
    elif status is Status.RETIRED:
        updated = replace(updated, status=status, retired_at=resource.retired_at or now,
                          retired_reason=row.retired_reason or resource.retired_reason or "Retired in an import.")
    else:
        updated = replace(updated, status=status)
    return updated


async def import_batch(uow: UnitOfWork, community: Community, rows: Sequence[tuple[str, Mapping[str, object]]],
                       now: datetime, seen: dict[str, str]) -> ImportSummary:
    """Check and store one batch of rows; `seen` (row key → where) spans the whole file."""
    summary = ImportSummary()
    checked: list[tuple[str, Row]] = []
    for where, raw in rows:
        try:
            row = check_row(raw)
        except UserError as error:
            summary.rejected.append((where, error.message))
            continue
        if row.key in seen:
            what = "link" if row.url is not None else "title (and no link)"
            summary.rejected.append((where, f"same {what} as {seen[row.key]}."))
            continue
        seen[row.key] = where
        checked.append((where, row))
    by_url = await uow.resources.by_urls(community.id, [r.url for _, r in checked if r.url is not None])
    by_title = await uow.resources.by_titles(community.id, [r.title for _, r in checked if r.url is None])
    new: list[Resource] = []
    changed: list[Resource] = []
    for _, row in checked:
        existing = by_url.get(row.url) if row.url is not None else by_title.get(row.title)
        if existing is None:
            draft = Resource(0, community.id, 0, row.title, row.url, row.text, row.kind, row.tags, row.citation,
                             Status.SUBMITTED, None, now, updated_at=now)
            new.append(_apply(draft, replace(row, status=row.status or Status.SUBMITTED), community, now))
            continue
        updated = _apply(existing, row, community, now)
        if updated == existing:
            summary.unchanged += 1
        else:
            changed.append(replace(updated, updated_at=now))
    stored = await uow.resources.add_many(new)
    await uow.resources.save_many(changed)
    await arm_reviews(uow, stored)
    for resource in changed:
        await arm_review(uow, resource)
    summary.added += len(stored)
    summary.updated += len(changed)
    return summary


def export_row(resource: Resource, community_name: str) -> dict[str, str]:
    """A resource as a row of `EXPORT_FIELDS`; `check_row` reads it back."""

    def moment(value: datetime | None) -> str:
        return value.isoformat() if value is not None else ""

    return {
        "community": community_name, "number": str(resource.number),
        "network_number": str(resource.network_number or ""), "title": resource.title, "url": resource.url or "",
        "text": resource.text, "kind": resource.kind.value, "tags": ",".join(resource.tags),
        "citation": resource.citation, "status": resource.status.value, "review_due": moment(resource.review_due),
        "vetted_at": moment(resource.vetted_at), "vetter_label": resource.vetter_label,
        "retired_reason": resource.retired_reason, "submitted_at": moment(resource.submitted_at),
        "retired_at": moment(resource.retired_at),
    }
