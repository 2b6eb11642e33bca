"""`community setup|info|config|link`."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import timedelta

from core.commands.context import Context
from core.commands.spec import Access, arg, command, flag, rest
from core.community.model import Community
from core.community.settings import REGISTRY as SETTINGS
from core.effects import HomePost, Reply
from core.errors import Conflict, InvalidInput, PermissionDenied, UserError
from core.linking.codes import new_code, take_code
from core.membership.model import Membership
from core.membership.roles import sync_platform_role
from core.ports import CodeClaim
from core.roles import Role
from core.text import clean

NAME_LIMIT = 80
DOMAIN_LIMIT = 300
CHARTER_LIMIT = 2000
LINK_CODE_TTL = timedelta(minutes=10)

# Features add lines to `community info` (questions add responsiveness figures, …).
InfoSection = Callable[[Context], Awaitable[str | None]]
INFO_SECTIONS: list[InfoSection] = []
# Features that start something with a new community (votes arm its responsiveness check).
SETUP_HOOKS: list[Callable[[Context, Community], Awaitable[None]]] = []


@dataclass(frozen=True, kw_only=True)
class SetupCommunity:
    name: str = arg("The community's name")
    domain: str = rest("What the community shares: an interest or condition", required=False)
    space: bool = flag("Make the whole Matrix space the home, not just this room")


@command("community setup", SetupCommunity, access=Access.ADMIN,
         summary="Start a community here; you become its first leader",
         examples=('community setup "Pacing Circle" living with ME/CFS',))
async def setup(cmd: SetupCommunity, ctx: Context) -> Reply:
    where = ctx.where
    if where is None or where.direct:
        raise UserError("Run this in the channel or room that should be the community's home.")
    if cmd.space and where.space_id is None:
        raise UserError("This room is not part of a space; leave out --space.")
    if ctx.home is not None:
        raise Conflict(f"This room is already the home of {ctx.community.name}.")
    name = clean(cmd.name, field="name", limit=NAME_LIMIT)
    domain = clean(cmd.domain or "", field="domain", limit=DOMAIN_LIMIT, required=False)
    if await ctx.uow.communities.by_name(name) is not None:
        raise Conflict(f"There is already a community called {name}. Choose another name.")
    community = await ctx.uow.communities.add(name, domain, ctx.now)
    await ctx.uow.homes.add(community.id, where, cmd.space, ctx.now)
    network_version = ctx.network_rules_version
    await ctx.uow.members.save(Membership(
        community.id, await ctx.person_id(), True, ctx.now, community.rules_version, network_version,
        frozenset({Role.MEMBER, Role.LEADER}),
    ))
    await sync_platform_role(ctx, community, await ctx.person_id(), Role.LEADER, granted=True)
    for hook in SETUP_HOOKS:
        await hook(ctx, community)
    return Reply(
        f"**{name}** is set up here, and you are its first leader.\n"
        "Next: add rules with `rules add <text>`, set the response time with "
        "`community config sla 24h`; members join with `join`."
    )


@dataclass(frozen=True, kw_only=True)
class CommunityInfo:
    pass


@command("community info", CommunityInfo, access=Access.PUBLIC, summary="About this community",
         readonly=True)
async def info(cmd: CommunityInfo, ctx: Context) -> Reply:
    community = ctx.community
    leaders = await ctx.uow.members.list(community.id, Role.LEADER)
    rules, network_rules = await ctx.uow.rules.list_with_network(community.id)
    members = await ctx.uow.members.count(community.id)
    homes = await ctx.uow.homes.for_community(community.id)
    lines = [f"**{community.name}**" + (f" — {community.domain}" if community.domain else "")]
    if community.charter:
        lines.append(f"Charter: {community.charter}")
    names = ", ".join(m.name for m in leaders) or "none (members can elect one)"
    lines.append(f"Leaders: {names}")
    lines.append(f"Members: {members}")
    lines.append(
        f"Rules: {len(rules)} community, {len(network_rules)} network (version {community.rules_version})"
    )
    lines.append("Homes: " + ", ".join(sorted({h.platform for h in homes})))
    for section in INFO_SECTIONS:
        extra = await section(ctx)
        if extra:
            lines.append(extra)
    return Reply("\n".join(lines))


@dataclass(frozen=True, kw_only=True)
class ConfigureCommunity:
    key: str = arg("Setting to change", required=False, suggest="config_keys")
    value: str = rest("New value", required=False, suggest="config_values")


PROFILE_KEYS = {"name": NAME_LIMIT, "domain": DOMAIN_LIMIT, "charter": CHARTER_LIMIT}


@command("community config", ConfigureCommunity, access=Access.PUBLIC,
         summary="Show settings, or change one (leaders)",
         examples=("community config sla 4h", "community config timezone Europe/Berlin"))
async def config(cmd: ConfigureCommunity, ctx: Context) -> Reply:
    community = ctx.community
    if not cmd.key:
        lines = [f"Settings of **{community.name}** (change with `community config <key> <value>`):"]
        for listed in SETTINGS.values():
            lines.append(f"- `{listed.key}` = {community.settings.text(listed.key)} — {listed.description}")
        return Reply("\n".join(lines), private=True)
    if not (ctx.is_leader or ctx.is_staff):
        raise PermissionDenied("Only a leader of this community can change its settings.")
    key = cmd.key.lower().replace("-", "_")
    if key in CONFIG_GUARDS:
        await CONFIG_GUARDS[key](ctx)
    if key in PROFILE_KEYS:
        value = clean(cmd.value, field=key, limit=PROFILE_KEYS[key], required=key == "name")
        if key == "name" and value != community.name and await ctx.uow.communities.by_name(value):
            raise Conflict(f"There is already a community called {value}.")
        if key == "name":
            await ctx.uow.communities.update(community.id, name=value)
        elif key == "domain":
            await ctx.uow.communities.update(community.id, domain=value)
        else:
            await ctx.uow.communities.update(community.id, charter=value)
        return Reply(f"{key} is now: {value or '(empty)'}")
    spec = SETTINGS.get(key)
    if spec is None:
        raise InvalidInput(f"There is no setting `{key[:30]}`. Settings: {', '.join(SETTINGS)}, "
                           f"{', '.join(PROFILE_KEYS)}.")
    if not cmd.value:
        return Reply(f"`{key}` = {community.settings.text(key)} — {spec.description}", private=True)
    canonical = spec.canonical(cmd.value)
    settings = community.settings.with_value(key, canonical)
    await ctx.uow.communities.update(community.id, settings=settings)
    for changed in CONFIG_CHANGED.get(key, ()):
        await changed(ctx, replace(community, settings=settings))
    return Reply(f"`{key}` is now {canonical}.")


# Features may refuse setting changes (a leader under recall may not change vote settings).
CONFIG_GUARDS: dict[str, Callable[[Context], Awaitable[None]]] = {}
# Features that follow a setting once it changed (the response clocks follow a new SLA), in
# the same transaction; they get the community with its new settings.
CONFIG_CHANGED: dict[str, list[Callable[[Context, Community], Awaitable[None]]]] = {}


@dataclass(frozen=True, kw_only=True)
class LinkHome:
    code: str = arg("The code from `community link` in the other home", required=False)


@command("community link", LinkHome, access=Access.ANYWHERE,
         summary="Bind a home on another platform to this community with a one-time code")
async def link_home(cmd: LinkHome, ctx: Context) -> Reply:
    if not cmd.code:
        if ctx.community_or_none is None:
            raise UserError("Run `community link` in the community's home to get a code.")
        if not (ctx.is_leader or ctx.is_staff):
            raise PermissionDenied("Only a leader of this community can link another home.")
        code = await new_code(ctx, CodeClaim("home", str(ctx.community.id)), LINK_CODE_TTL)
        return Reply(
            f"In the room or channel that should join **{ctx.community.name}**, an admin there types "
            f"`community link {code}` within 10 minutes. The code works once.",
            private=True, secret=True,
        )
    where = ctx.where
    if where is None or where.direct:
        raise UserError("Use the code in the room or channel that should become a home.")
    if not (ctx.actor.is_space_admin or ctx.is_staff):
        raise PermissionDenied("Only an admin of this server or space can bind it to a community.")
    if ctx.home is not None:
        raise Conflict(f"This room is already the home of {ctx.community.name}.")
    claim = await take_code(ctx, cmd.code, "home")
    community = await ctx.uow.communities.get(int(claim.subject))
    if community is None:
        raise UserError("That community no longer exists.")
    others = await ctx.uow.homes.for_community(community.id)
    home = await ctx.uow.homes.add(community.id, where, False, ctx.now)
    # Leaders who already have an account on this platform get their role in the new home too.
    for leader in await ctx.uow.members.list(community.id, Role.LEADER):
        await sync_platform_role(ctx, community, leader.membership.person_id, Role.LEADER, granted=True,
                                 only_home=home.ref)
    for home in others:
        await ctx.emit(HomePost(home.ref, f"**{community.name}** now also lives on {where.platform}."))
    return Reply(f"This room is now a home of **{community.name}**. Members here can `join`.")
