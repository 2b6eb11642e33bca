from __future__ import annotations

from core.commands.context import Context


async def render_rules(ctx: Context) -> str:
    community = ctx.community
    own, network = await ctx.uow.rules.list_with_network(community.id)
    lines = [f"Rules of {community.name} (version {community.rules_version}):"]
    lines += [f"{r.position}. {r.text}" for r in own] or ["(no community rules yet)"]
    if network:
        lines.append("Network rules, for every community:")
        lines += [f"N{r.position}. {r.text}" for r in network]
    return "\n".join(lines)
