"""`resource add|vet|retire|search|show|due|share`: the community's practice, vetted and dated."""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import timedelta

from core.commands.context import Context
from core.commands.spec import Access, arg, command, flag, option, rest
from core.community.model import Community
from core.durations import humanize
from core.effects import Action, HomePost, Reply
from core.errors import Conflict, InvalidInput, NotFound, PermissionDenied, UsageError, UserError
from core.resources.model import (
    CITATION_LIMIT,
    KINDS,
    REASON_LIMIT,
    TEXT_LIMIT,
    TITLE_LIMIT,
    Kind,
    Resource,
    Status,
    parse_ref,
    parse_tags,
)
from core.resources.query import terms
from core.resources.render import day, defuse, entry, fit, link, names, result_lines, review_note
from core.resources.review import arm_review, review_date
from core.resources.settings import MAX_REVIEW, MIN_REVIEW
from core.resources.urls import looks_like_url, normalise_url
from core.roles import Role
from core.text import clean, preview

RESULTS = 6
QUERY_LIMIT = 300
DUE_HORIZON = timedelta(days=30)
_EXACT_REF = re.compile(r"^\s*(#\d{1,9}|[nN]\d{1,9})\s*$")


@dataclass(frozen=True, kw_only=True)
class AddResource:
    title: str = arg("A short title")
    url: str | None = arg("A link (http or https)", required=False)
    text: str = rest("What it is and why it helps, or the text itself", required=False)
    kind: str | None = option("What kind of resource it is", choices=KINDS)
    tags: str | None = option("Tags, comma-separated, e.g. tags:pacing,sleep", suggest="resource_tags")
    source: str | None = option('Where it comes from, e.g. source:"NICE NG206 (2021)"')


@command("resource add", AddResource, summary="Add a resource; a leader or expert vets it before it is trusted",
         examples=('resource add "Energy envelope worksheet" https://example.org/e kind:tool tags:pacing',
                   'resource add "What helped me at work" I plan rest before I am tired kind:experience'))
async def add(cmd: AddResource, ctx: Context) -> Reply:
    community = ctx.community
    title = clean(cmd.title, field="title", limit=TITLE_LIMIT)
    url, body = cmd.url, cmd.text or ""
    if url is not None and not looks_like_url(url):
        # No link given: the second word already starts the text.
        url, body = None, f"{url} {body}".strip()
    if url is not None:
        url = normalise_url(url)
    body = clean(body, field="text", limit=TEXT_LIMIT, multiline=True, required=False)
    if url is None and not body:
        raise InvalidInput("Give a link or some text, e.g. `resource add \"Title\" https://example.org/page`.")
    tags = parse_tags(cmd.tags)
    citation = clean(cmd.source or "", field="source", limit=CITATION_LIMIT, required=False)
    if url is not None:
        existing = (await ctx.uow.resources.by_urls(community.id, [url])).get(url)
        if existing is not None:
            state = "" if existing.status is Status.TRUSTED else f" ({existing.status.value})"
            return Reply(f"That link is already here as {existing.label}{state}: "
                         f"“{defuse(preview(existing.title, 100))}”. See `resource show {existing.number}`.",
                         private=True)
    resource = await ctx.uow.resources.add(Resource(
        0, community.id, 0, title, url, body, Kind(cmd.kind or Kind.OTHER.value), tags, citation,
        Status.SUBMITTED, await ctx.person_id(), ctx.now, updated_at=ctx.now))
    return Reply(f"Thanks! “{defuse(preview(title, 100))}” is resource {resource.label}. It shows in search once a "
                 f"leader or expert has vetted it (`resource vet {resource.number}`).")


@dataclass(frozen=True, kw_only=True)
class VetResource:
    number: str = arg("The resource's number, e.g. 12", type="word", suggest="resources_all")
    review_in: str | None = option("When to review it again, e.g. 6mo or 1y (default: the community's "
                                         "review_after for guidelines and articles)", type="duration",
                                         suggest="durations")


@command("resource vet", VetResource, access=Access.EXPERT,
         summary="Make a resource trusted, or renew its review (leaders and experts)",
         examples=("resource vet 12", "resource vet 12 review-in:6mo"))
async def vet(cmd: VetResource, ctx: Context) -> Reply:
    review_in: timedelta | None = cmd.review_in  # type: ignore[assignment]
    if review_in is not None and not MIN_REVIEW <= review_in <= MAX_REVIEW:
        raise InvalidInput("Choose a review time between 1 day and 5 years, e.g. review-in:6mo.")
    resource = await _find(ctx, cmd.number, own=True)
    if resource.status is Status.RETIRED:
        raise Conflict(f"{resource.label} is retired; add it again if it should come back.")
    community = await _home_of(ctx, resource)
    again = resource.status is Status.TRUSTED
    credential = _credential(ctx)
    vetted = replace(resource, status=Status.TRUSTED, vetted_by=await ctx.person_id(), vetter_label=credential,
                     vetted_at=ctx.now, review_due=review_date(resource.kind, community, ctx.now, review_in),
                     updated_at=ctx.now)
    await ctx.uow.resources.save(vetted)
    await arm_review(ctx.uow, vetted)
    review = f" Review due {day(vetted.review_due, community)}." if vetted.review_due else ""
    verb = "is reviewed again and stays trusted" if again else "is now trusted"
    return Reply(f"{resource.label} “{defuse(preview(resource.title, 100))}” {verb}, vetted by you "
                 f"({credential}).{review}")


@dataclass(frozen=True, kw_only=True)
class RetireResource:
    number: str = arg("The resource's number, e.g. 12", type="word", suggest="resources_all")
    reason: str = rest("Why it should no longer be used")


@command("resource retire", RetireResource, access=Access.LEADER,
         summary="Take a resource out of use, with a reason (leaders)",
         examples=("resource retire 12 Replaced by the 2026 guideline",))
async def retire(cmd: RetireResource, ctx: Context) -> Reply:
    reason = clean(cmd.reason, field="reason", limit=REASON_LIMIT)
    resource = await _find(ctx, cmd.number, own=True)
    if resource.status is Status.RETIRED:
        raise Conflict(f"{resource.label} is already retired.")
    retired = replace(resource, status=Status.RETIRED, retired_by=await ctx.person_id(), retired_at=ctx.now,
                      retired_reason=reason, updated_at=ctx.now)
    await ctx.uow.resources.save(retired)
    await arm_review(ctx.uow, retired)
    return Reply(f"{resource.label} “{defuse(preview(resource.title, 100))}” is retired and no longer shows in "
                 f"search: {defuse(reason)}")


@dataclass(frozen=True, kw_only=True)
class SearchResources:
    query: str = rest("Words to look for (a trailing * matches the start of a word)", required=False,
                      suggest="resource_search")
    tag: str | None = option("Only resources with this tag", suggest="resource_tags")
    kind: str | None = option("Only this kind", choices=KINDS)
    all: bool = flag("Include resources not vetted yet and retired ones (leaders and experts)")


@command("resource search", SearchResources, access=Access.PUBLIC, readonly=True,
         summary="Search the trusted resources of this community, then the network's",
         examples=("resource search envelope", "resource search pacing kind:tool", "resource search tag:sleep"),
         private=True)
async def search(cmd: SearchResources, ctx: Context) -> Reply:
    community = ctx.community
    raw = cmd.query or ""
    if len(raw) > QUERY_LIMIT:
        raise InvalidInput(f"Search for at most {QUERY_LIMIT} characters of words.")
    if _EXACT_REF.match(raw):
        # What autocomplete fills in when someone picks a resource: show that one.
        return await _show(ctx, raw)
    if cmd.all and not _can_vet(ctx):
        raise PermissionDenied("Only leaders and experts can see resources that are not vetted (--all).")
    tags = parse_tags(cmd.tag)
    if len(tags) > 1:
        raise InvalidInput("Filter by one tag at a time, e.g. tag:pacing.")
    words = terms(raw)
    if not words and not raw.strip() and not tags and not cmd.kind:
        raise UsageError("What should I look for? e.g. `resource search envelope` or `resource search tag:pacing`.")
    if not words and raw.strip():
        raise InvalidInput("I found no words to search for in that. Try plain words, e.g. `resource search pacing`.")
    kind = Kind(cmd.kind) if cmd.kind else None
    tag = tags[0] if tags else None
    hits = await ctx.uow.resources.search(community.id, words, unvetted=cmd.all, tag=tag, kind=kind, limit=RESULTS)
    some = False
    if not hits and len(words.words) > 1:
        hits = await ctx.uow.resources.search(community.id, replace(words, any=True), unvetted=cmd.all, tag=tag,
                                              kind=kind, limit=RESULTS)
        some = True
    wanted = " ".join(f"“{w}”" for w in words.words)
    filters = " ".join(f"{name}:{value}" for name, value in (("tag", tag), ("kind", kind)) if value)
    if not hits:
        which = "resources" if cmd.all else "trusted resources"
        what = " ".join(part for part in (wanted, filters) if part)
        return Reply(f"No {which} match {what} in {community.name} or the network.", private=True)
    if some:
        header = f"Nothing has all of {wanted}; resources with some of them:"
    elif wanted:
        header = f"Resources for {wanted}" + (f" ({filters})" if filters else "") + ":"
    else:
        header = f"Newest resources with {filters}:"
    blocks: list[list[str]] = []
    network_started = False
    for hit in hits:
        block = result_lines(hit, community, ctx.now)
        if hit.resource.community_id != community.id and not network_started:
            block.insert(0, "From the network:")
            network_started = True
        blocks.append(block)
    lines = [header, *fit(blocks, "Details and provenance: `resource show <number>`.")]
    return Reply("\n".join(lines), private=True)


@dataclass(frozen=True, kw_only=True)
class ShowResource:
    number: str = arg("The resource's number, e.g. 12 or N3", type="word", suggest="resources")


@command("resource show", ShowResource, access=Access.PUBLIC, readonly=True,
         summary="A resource with its provenance: who submitted and vetted it, when, its review date", private=True)
async def show(cmd: ShowResource, ctx: Context) -> Reply:
    return await _show(ctx, cmd.number)


async def _show(ctx: Context, number: str) -> Reply:
    resource = await _find(ctx, number)
    community = ctx.community
    own = resource.community_id == community.id
    privileged = ctx.is_staff or (own and _can_vet(ctx))
    mine = ctx.account_or_none is not None and resource.submitted_by == ctx.account_or_none.person_id
    if resource.status is Status.SUBMITTED and not (privileged or mine):
        raise NotFound(f"{resource.label} is waiting to be vetted; it shows once a leader or expert trusts it.")
    if resource.status is Status.RETIRED and not privileged:
        assert resource.retired_at is not None
        return Reply(f"{resource.label_in(community.id)} was retired on {day(resource.retired_at, community)}: "
                     f"{defuse(resource.retired_reason)}", private=True)
    people = await names(ctx.uow, [resource.submitted_by, resource.vetted_by, resource.retired_by])
    origin = None if own else (await _home_of(ctx, resource)).name
    return Reply(entry(resource, community, people, ctx.now, origin), private=True)


@dataclass(frozen=True, kw_only=True)
class DueResources:
    pass


@command("resource due", DueResources, access=Access.EXPERT, readonly=True,
         summary="What needs review soon, and what waits to be vetted (leaders and experts)", private=True)
async def due(cmd: DueResources, ctx: Context) -> Reply:
    community = ctx.community
    soon = await ctx.uow.resources.due(community.id, ctx.now + DUE_HORIZON, 25)
    waiting = await ctx.uow.resources.submitted(community.id, 15)
    if not soon and not waiting:
        return Reply(f"Nothing in {community.name} is due for review in the next 30 days, and nothing waits to be "
                     "vetted.", private=True)
    due_count, waiting_count = await ctx.uow.resources.counts(community.id, ctx.now + DUE_HORIZON)
    blocks: list[list[str]] = []
    if soon:
        blocks.append([f"Due for review in the next 30 days ({due_count}):"])
        blocks += [[f"- #{r.number} “{defuse(preview(r.title, 80))}” ({r.kind.value}) — "
                    f"{review_note(r, community, ctx.now)}"] for r in soon]
    if waiting:
        blocks.append([f"Waiting to be vetted ({waiting_count}):"])
        blocks += [[f"- #{r.number} “{defuse(preview(r.title, 80))}” ({r.kind.value}), "
                    f"submitted {humanize(ctx.now - r.submitted_at)} ago"] for r in waiting]
    footer = "Vet with `resource vet <number> [review-in:1y]`, or `resource retire <number> <reason>`."
    return Reply("\n".join(fit(blocks, footer)), private=True)


@dataclass(frozen=True, kw_only=True)
class ShareResource:
    number: str = arg("The resource's number, e.g. 12", type="word", suggest="resources")


@command("resource share", ShareResource, access=Access.LEADER,
         summary="Make a trusted resource network-wide (staff), or propose it to network staff (leaders)")
async def share(cmd: ShareResource, ctx: Context) -> Reply:
    resource = await _find(ctx, cmd.number, own=True)
    label = f"{resource.label} “{defuse(preview(resource.title, 100))}”"
    if resource.status is not Status.TRUSTED:
        raise Conflict(f"Only trusted resources can be shared with the network: vet {resource.label} first.")
    if resource.network_number is not None:
        raise Conflict(f"{resource.label} is already network-wide as N{resource.network_number}.")
    community = await _home_of(ctx, resource)
    if ctx.is_staff:
        number = await ctx.uow.resources.share(resource.id, await ctx.person_id(), ctx.now)
        return Reply(f"{label} is now network-wide as N{number}: every community finds it in search.")
    if not ctx.network.hubs:
        raise UserError("This network has no staff hub set up, so there is nobody to propose it to.")
    if resource.proposed_at is not None:
        raise Conflict(f"{resource.label} was already proposed to network staff on "
                       f"{day(resource.proposed_at, community)}.")
    shown_link = link(resource, community.id)
    text = (f"**{community.name}** proposes a resource for the whole network: **{defuse(resource.title)}** "
            f"({resource.kind.value}{', vetted ' + day(resource.vetted_at, community) if resource.vetted_at else ''})"
            + (f"\n{shown_link}" if shown_link else "")
            + f"\nStaff: `resource show {resource.number} in:{community.id}` to read it, "
              f"`resource share {resource.number} in:{community.id}` to share it.")
    action = Action("Share network-wide", f"resource share {resource.number} in:{community.id}", style="success")
    for hub in ctx.network.hubs:
        await ctx.emit(HomePost(hub, text, actions=(action,)), key=f"resource-proposal:{resource.id}:{hub.room_id}")
    await ctx.uow.resources.save(replace(resource, proposed_at=ctx.now))
    return Reply(f"Proposed {label} to network staff; they decide whether every community should find it.")


# -- helpers ------------------------------------------------------------------------------------

def _can_vet(ctx: Context) -> bool:
    return ctx.is_staff or ctx.has_role(Role.LEADER) or ctx.has_role(Role.EXPERT)


def _credential(ctx: Context) -> str:
    """How the vetter is shown next to their vetting: the expert's credential label, else their role."""
    member = ctx.membership
    if member is not None and member.has(Role.EXPERT):
        return member.expert_label or "expert"
    if member is not None and member.has(Role.LEADER):
        return "leader"
    return "network staff"


async def _find(ctx: Context, number: str, *, own: bool = False) -> Resource:
    """The resource someone named: `12`/`#12` in this community, `N3` in the network.

    With `own`, only this community's resources (network staff may act on any network one).
    """
    ref = parse_ref(number)
    community = ctx.community
    if not ref.network:
        resource = await ctx.uow.resources.by_number(community.id, ref.number)
        if resource is None:
            raise NotFound(f"There is no resource #{ref.number} in {community.name}.")
        return resource
    resource = await ctx.uow.resources.by_network_number(ref.number)
    if resource is None or (resource.status is not Status.TRUSTED and resource.community_id != community.id
                            and not ctx.is_staff):
        raise NotFound(f"There is no network resource N{ref.number}.")
    if own and resource.community_id != community.id and not ctx.is_staff:
        origin = await _home_of(ctx, resource)
        raise PermissionDenied(f"N{ref.number} belongs to {origin.name}; its leaders look after it.")
    return resource


async def _home_of(ctx: Context, resource: Resource) -> Community:
    if ctx.community_or_none is not None and resource.community_id == ctx.community.id:
        return ctx.community
    found = await ctx.uow.communities.get(resource.community_id)
    if found is None:
        raise NotFound("That resource's community no longer exists.")
    return found
