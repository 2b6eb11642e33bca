"""`help [command]`, generated from the command registry so it never goes out of date."""

from __future__ import annotations

from dataclasses import dataclass

from core.commands.context import Context
from core.commands.parser import find_spec, tokenize
from core.commands.spec import REGISTRY, Access, command, rest
from core.effects import Reply


@dataclass(frozen=True, kw_only=True)
class Help:
    topic: str = rest("A command to explain", required=False, suggest="commands")


@command("help", Help, access=Access.ANYWHERE, summary="What I can do, or how to use one command",
         readonly=True, private=True)
async def help_(cmd: Help, ctx: Context) -> Reply:
    if cmd.topic:
        words = [t.value for t in tokenize(cmd.topic)][:3]
        spec, _ = find_spec(words)
        lines = [f"`{spec.usage}` — {spec.summary}"]
        for p in spec.params:
            lines.append(f"- {p.usage()}: {p.help}")
        lines += [f"Example: `{e}`" for e in spec.examples]
        return Reply("\n".join(lines), private=True)
    lines = ["Commands (type `help <command>` for details):"]
    for spec in sorted(REGISTRY.values(), key=lambda s: s.path):
        lines.append(f"- `{spec.name}` — {spec.summary}")
    return Reply("\n".join(lines), private=True)
