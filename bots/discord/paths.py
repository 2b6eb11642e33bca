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

from core.commands.spec import REGISTRY

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


def slash_hints(text: str) -> str:
    """`join accept` in core text → `/join-accept`; other code spans stay as they are."""
    paths = discord_paths()

    def fix(match: re.Match[str]) -> str:
        words = match[1].split(" ")
        for size in (3, 2, 1):
            head = tuple(w.lower() for w in words[:size])
            if len(words) >= size and head in paths:
                rest = " ".join(words[size:])
                return f"`{slash_name(head)}{' ' + rest if rest else ''}`"
        return match[0]

    return _CODE.sub(fix, text)
