"""Where each core command lives among Discord's slash commands.

Core paths are words (`rules`, `rules add`, `join accept`); Discord nests at most three
levels and a group cannot also be a command. The mapping is mechanical: a path that is a
command and also the start of others gets a `show` leaf (`/rules show`), except where a
name reads better (OVERRIDES). The same mapping turns command hints in core text
(`join accept`) into what a Discord user types (`/join-accept`).
"""

from __future__ import annotations

import re
from functools import cache

from core.commands.parser import split_values, tokenize
from core.commands.spec import REGISTRY, CommandSpec
from core.errors import UsageError

DEFAULT_LEAF = "show"
# `/join` stays one word to type; accepting is mostly the button on its answer.
OVERRIDES: dict[tuple[str, ...], tuple[str, ...]] = {("join", "accept"): ("join-accept",)}
MAX_DEPTH = 3


@cache
def discord_paths() -> dict[tuple[str, ...], tuple[str, ...]]:
    """Core path → Discord path (command, group command, or subgroup command), for every command."""
    wanted = {path: OVERRIDES.get(path, path) for path in REGISTRY}
    result: dict[tuple[str, ...], tuple[str, ...]] = {}
    for path, mapped in wanted.items():
        if any(len(other) > len(mapped) and other[: len(mapped)] == mapped for other in wanted.values()):
            mapped = (*mapped, DEFAULT_LEAF)
        if len(mapped) > MAX_DEPTH:
            raise ValueError(f"command {' '.join(path)!r} nests deeper than Discord allows")
        result[path] = mapped
    if len(set(result.values())) != len(result):
        raise ValueError("two commands map to the same Discord slash command")
    return result


def slash_name(path: tuple[str, ...]) -> str:
    return "/" + " ".join(discord_paths()[path])


_CODE = re.compile(r"`([^`\n]+)`")
_SCOPED = re.compile(r"(?:^|\s)in:\d")


def slash_hints(text: str) -> str:
    """Command hints in core text as a Discord user types them: `join accept` → `/join-accept`,
    usage `rules edit <number> <text>` → `/rules edit number:… text:…`, an example
    `community config sla 4h` → `/community config key:sla value:4h`. Other code spans stay."""
    paths = discord_paths()

    def fix(match: re.Match[str]) -> str:
        words = match[1].split(" ")
        for size in (3, 2, 1):
            head = tuple(w.lower() for w in words[:size])
            if len(words) >= size and head in paths:
                rest = " ".join(words[size:])
                options = _options(REGISTRY[head], rest)
                shown = options if options is not None else rest
                return f"`{slash_name(head)}{' ' + shown if shown else ''}`"
        return match[0]

    return _CODE.sub(fix, text)


def _options(spec: CommandSpec, rest: str) -> str | None:
    """`rest` (a usage line's parameters, or an example's values) as Discord options; None
    when it is neither (left as written)."""
    if not rest or _SCOPED.search(rest):
        return None  # a community named for a DM (`in:3`) has no slash option: keep the text
    from bots.discord.forms import form_for

    form = form_for(spec)
    in_form = form.names if form is not None else frozenset()
    params = [p for p in spec.params if p.name not in in_form]
    words = rest.split()
    if all(word[:1] in "<[" for word in words):
        # What the form asks for is not typed: those placeholders go.
        shown = [_placeholder(spec, word, in_form) for word in words]
        return " ".join(word for word in shown if word)
    try:
        values = split_values(spec, rest, tokenize(rest))
        spec.build(values)  # only what would be accepted as typed
    except UsageError:
        return None
    if not values or any(name in in_form for name in values):
        return None
    return " ".join(f"{p.name}:{values[p.name]}" for p in params if p.name in values)


def _placeholder(spec: CommandSpec, word: str, in_form: frozenset[str]) -> str:
    """One usage placeholder (`<number>`, `[tag:…]`, `[--all]`, `<open|stale>`) as the option it stands for."""
    inner = word.strip("<>[]").rstrip("…").removeprefix("--")
    name = inner.split(":", 1)[0]
    param = spec.param(name) or next((p for p in spec.params if p.choices and "|".join(p.choices) == inner), None)
    if param is None:
        return word
    if param.name in in_form:
        return ""
    return f"{param.name}:…" if word.startswith("<") else f"[{param.name}:…]"
