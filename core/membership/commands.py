"""`join`, `join accept`, `leave`, `members`, `role grant|revoke`."""

from __future__ import annotations

from dataclasses import dataclass, replace

from core.commands.context import Context
from core.commands.spec import Access, arg, command, rest
from core.community.commands import CONFIG_CHANGED
from core.community.model import Community
from core.community.settings import DISCORD_LEADER_ROLE, MATRIX_LEADER_POWER
from core.effects import Action, Reply
from core.errors import Conflict, InvalidInput, UserError
from core.membership.model import Membership
from core.membership.roles import sync_platform_role
from core.roles import GRANTABLE, Role
from core.rules.render import render_rules
from core.text import clean


@dataclass(frozen=True, kw_only=True)
class Join:
    pass


@command("join", Join, access=Access.PUBLIC, summary="Read the rules and join this community",
         readonly=True, private=True)
async def join(cmd: Join, ctx: Context) -> Reply:
    community = ctx.community
    network_version = ctx.network_rules_version
    member = ctx.membership
    if member is not None and member.active and _accepted_current(member, community.rules_version,
                                                                  network_version):
        return Reply(f"You are already a member of {community.name}.", private=True)
    rules = await render_rules(ctx)
    verb = "The rules have changed since you accepted them" if member and member.active else "Welcome"
    return Reply(
        f"{verb} — **{community.name}**" + (f", {community.domain}" if community.domain else "")
        + f".\n{rules}\nTo accept the rules and join, type `join accept`.",
        private=True,
        actions=(Action("Accept the rules and join", "join accept", style="success"),),
    )


@dataclass(frozen=True, kw_only=True)
class JoinAccept:
    pass


@command("join accept", JoinAccept, access=Access.PUBLIC, summary="Accept the current rules and join",
         private=True)
async def join_accept(cmd: JoinAccept, ctx: Context) -> Reply:
    community = ctx.community
    network_version = ctx.network_rules_version
    member = ctx.membership
    if member is not None and member.active and _accepted_current(member, community.rules_version,
                                                                  network_version):
        return Reply(f"You are already a member of {community.name}.", private=True)
    if member is None or not member.active:
        member = Membership(community.id, await ctx.person_id(), True, ctx.now, community.rules_version,
                            network_version, frozenset({Role.MEMBER}))
    else:
        member = replace(member, accepted_rules_version=community.rules_version,
                         accepted_network_rules_version=network_version)
    await ctx.uow.members.save(member)
    return Reply(f"Welcome to **{community.name}**! You accepted rules version "
                 f"{community.rules_version}. Ask a question with `ask <question>`.", private=True)


def _accepted_current(member: Membership, version: int, network_version: int) -> bool:
    return (member.accepted_rules_version >= version
            and member.accepted_network_rules_version >= network_version)


@dataclass(frozen=True, kw_only=True)
class Leave:
    pass


@command("leave", Leave, access=Access.MEMBER, summary="Leave this community", private=True)
async def leave(cmd: Leave, ctx: Context) -> Reply:
    member = ctx.membership
    assert member is not None
    await ctx.uow.members.save(replace(member, active=False, roles=frozenset()))
    if member.is_leader:
        await sync_platform_role(ctx, ctx.community, member.person_id, Role.LEADER, granted=False)
    return Reply(f"You left {ctx.community.name}. You can come back any time with `join`.", private=True)


@dataclass(frozen=True, kw_only=True)
class ListMembers:
    pass


@command("members", ListMembers, access=Access.PUBLIC, summary="Who is in this community, with roles",
         readonly=True, private=True)
async def members(cmd: ListMembers, ctx: Context) -> Reply:
    everyone = await ctx.uow.members.list(ctx.community.id)
    if not everyone:
        return Reply("No members yet. Be the first: `join`.")
    lines = [f"**{ctx.community.name}** has {len(everyone)} member(s):"]
    for member in everyone[:50]:
        roles = sorted(r.value for r in member.membership.roles if r is not Role.MEMBER)
        label = f" ({member.membership.expert_label})" if member.membership.expert_label else ""
        lines.append(f"- {member.name}" + (f" — {', '.join(roles)}{label}" if roles else ""))
    if len(everyone) > 50:
        lines.append(f"… and {len(everyone) - 50} more.")
    return Reply("\n".join(lines), private=True)


ROLE_CHOICES = tuple(r.value for r in GRANTABLE)


@dataclass(frozen=True, kw_only=True)
class GrantRole:
    member: str = arg("The member (mention or name)", type="member", suggest="members")
    role: str = arg("The role", choices=ROLE_CHOICES)
    label: str = rest("For experts: a short credential, e.g. “RN, pain clinic”", required=False)


@command("role grant", GrantRole, access=Access.LEADER,
         summary="Make a member a leader, moderator, expert or guest",
         examples=("role grant @lena:example.org expert RN, pain clinic",))
async def grant(cmd: GrantRole, ctx: Context) -> Reply:
    target = await ctx.find_member(cmd.member)
    role = Role(cmd.role)
    label = clean(cmd.label or "", field="label", limit=60, required=False)
    membership = target.membership
    if role in membership.roles and (role is not Role.EXPERT or not label):
        raise Conflict(f"{target.name} is already {role.value}.")
    updated = replace(membership, roles=membership.roles | {role},
                      expert_label=label if role is Role.EXPERT and label else membership.expert_label)
    await ctx.uow.members.save(updated)
    if role not in membership.roles:
        await sync_platform_role(ctx, ctx.community, membership.person_id, role, granted=True)
    return Reply(f"{target.name} is now {role.value}" + (f" ({label})" if label else "") + ".")


@dataclass(frozen=True, kw_only=True)
class RevokeRole:
    member: str = arg("The member (mention or name)", type="member", suggest="members")
    role: str = arg("The role", choices=ROLE_CHOICES)


@command("role revoke", RevokeRole, access=Access.LEADER, summary="Take a role back from a member")
async def revoke(cmd: RevokeRole, ctx: Context) -> Reply:
    target = await ctx.find_member(cmd.member)
    role = Role(cmd.role)
    membership = target.membership
    if role not in membership.roles:
        raise InvalidInput(f"{target.name} is not {role.value}.")
    if role is Role.LEADER:
        leaders = await ctx.uow.members.list(ctx.community.id, Role.LEADER)
        if len(leaders) <= 1:
            raise UserError("A community needs at least one leader. Make someone else leader first.")
    await ctx.uow.members.save(replace(membership, roles=membership.roles - {role},
                                       expert_label="" if role is Role.EXPERT else membership.expert_label))
    await sync_platform_role(ctx, ctx.community, membership.person_id, role, granted=False)
    return Reply(f"{target.name} is no longer {role.value}.")


async def role_setting_changed(ctx: Context, community: Community) -> None:
    """A new Discord leader role or Matrix power level: give it to the current leaders now, not
    only to leaders made from here on."""
    for leader in await ctx.uow.members.list(community.id, Role.LEADER):
        await sync_platform_role(ctx, community, leader.membership.person_id, Role.LEADER, granted=True)


for _key in (DISCORD_LEADER_ROLE.key, MATRIX_LEADER_POWER.key):
    CONFIG_CHANGED.setdefault(_key, []).append(role_setting_changed)
