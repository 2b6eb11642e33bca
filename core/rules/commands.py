"""`rules`, `rules add|edit|remove` (leaders; `--network` for network staff).

Every change bumps the rules version, so members are asked to accept the new rules."""

from __future__ import annotations

from dataclasses import dataclass

from core.commands.context import Context
from core.commands.spec import Access, arg, command, flag, rest
from core.effects import Reply
from core.errors import NotFound, PermissionDenied
from core.rules.model import Rule
from core.rules.render import render_rules
from core.text import clean

RULE_LIMIT = 1000
MAX_RULES = 50


@dataclass(frozen=True, kw_only=True)
class ShowRules:
    pass


@command("rules", ShowRules, access=Access.PUBLIC, summary="The community's rules", readonly=True)
async def show(cmd: ShowRules, ctx: Context) -> Reply:
    return Reply(await render_rules(ctx))


@dataclass(frozen=True, kw_only=True)
class AddRule:
    text: str = rest("The rule")
    network: bool = flag("A network rule, for every community (network staff)")


@command("rules add", AddRule, access=Access.PUBLIC, summary="Add a rule (leaders)",
         examples=("rules add Be kind and cite sources",))
async def add(cmd: AddRule, ctx: Context) -> Reply:
    scope = _scope(ctx, cmd.network)
    text = clean(cmd.text, field="rule", limit=RULE_LIMIT)
    if len(await ctx.uow.rules.list(scope)) >= MAX_RULES:
        raise PermissionDenied(f"There are already {MAX_RULES} rules; edit or remove one first.")
    rule = await ctx.uow.rules.add(scope, text)
    version = await _bump(ctx, scope)
    return Reply(f"Rule {_label(rule)} added. The rules are now version {version}.")


@dataclass(frozen=True, kw_only=True)
class EditRule:
    number: int = arg("The rule's number", type="int", suggest="rules")
    text: str = rest("The new wording")
    network: bool = flag("Edit a network rule (network staff)")


@command("rules edit", EditRule, access=Access.PUBLIC, summary="Reword a rule (leaders)")
async def edit(cmd: EditRule, ctx: Context) -> Reply:
    scope = _scope(ctx, cmd.network)
    rule = await _find(ctx, scope, cmd.number)
    text = clean(cmd.text, field="rule", limit=RULE_LIMIT)
    await ctx.uow.rules.edit(rule.id, text)
    version = await _bump(ctx, scope)
    return Reply(f"Rule {_label(rule)} changed. The rules are now version {version}.")


@dataclass(frozen=True, kw_only=True)
class RemoveRule:
    number: int = arg("The rule's number", type="int", suggest="rules")
    network: bool = flag("Remove a network rule (network staff)")


@command("rules remove", RemoveRule, access=Access.PUBLIC, summary="Remove a rule (leaders)")
async def remove(cmd: RemoveRule, ctx: Context) -> Reply:
    scope = _scope(ctx, cmd.network)
    rule = await _find(ctx, scope, cmd.number)
    await ctx.uow.rules.remove(rule)
    version = await _bump(ctx, scope)
    return Reply(f"Rule {_label(rule)} removed; later rules moved up. The rules are now version {version}.")


def _scope(ctx: Context, network: bool) -> int | None:
    """The rule list a change applies to, after checking the actor may change it."""
    if network:
        if not ctx.is_staff:
            raise PermissionDenied("Only network staff can change network rules.")
        return None
    if not (ctx.is_leader or ctx.is_staff):
        raise PermissionDenied("Only a leader of this community can change its rules.")
    return ctx.community.id


async def _find(ctx: Context, scope: int | None, number: int) -> Rule:
    rules = await ctx.uow.rules.list(scope)
    for rule in rules:
        if rule.position == number:
            return rule
    raise NotFound(f"There is no rule {number}; there are {len(rules)}.")


async def _bump(ctx: Context, scope: int | None) -> int:
    if scope is None:
        return await ctx.uow.rules.bump_network_version()
    version = ctx.community.rules_version + 1
    await ctx.uow.communities.update(scope, rules_version=version)
    return version


def _label(rule: Rule) -> str:
    return f"N{rule.position}" if rule.community_id is None else str(rule.position)
