"""Text commands as Matrix and console users type them.

Words split like a shell would, but forgiving: quotes group words only when they open a
word, so `What's up?` needs no escaping. `key:value` options (known keys only, so URLs stay
intact) and `--flags` may stand anywhere; the last free-text parameter takes the rest of the
line as typed.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass

from core.commands.spec import REGISTRY, CommandSpec, Param
from core.errors import UsageError

_QUOTES = {'"': '"', "'": "'", "“": "”", "‘": "’", "«": "»"}
MAX_LINE = 20_000


@dataclass(frozen=True, slots=True)
class Token:
    value: str
    start: int
    end: int
    quoted: bool


def tokenize(line: str) -> list[Token]:
    tokens: list[Token] = []
    i, n = 0, len(line)
    while i < n:
        if line[i].isspace():
            i += 1
            continue
        start = i
        closing = _QUOTES.get(line[i])
        if closing is not None:
            end = line.find(closing, i + 1)
            if end != -1:
                tokens.append(Token(line[i + 1 : end], start, end + 1, True))
                i = end + 1
                continue
        value = None
        while i < n and not line[i].isspace():
            # `key:"several words"`: an option's value may be quoted (source:"NICE NG206 (2021)").
            if line[i] == ":" and i + 1 < n and line[i + 1] in _QUOTES and _KEY.match(line[start:i]):
                end = line.find(_QUOTES[line[i + 1]], i + 2)
                if end != -1:
                    value = line[start : i + 1] + line[i + 2 : end]
                    i = end + 1
                    break
            i += 1
        tokens.append(Token(value if value is not None else line[start:i], start, i, False))
    return tokens


_KEY = re.compile(r"^[A-Za-z][A-Za-z_-]{0,30}$")


class UnknownCommand(UsageError):
    pass


def find_spec(words: list[str]) -> tuple[CommandSpec, int]:
    """The longest registered path that starts `words`, and how many words it used."""
    lowered = [w.lower() for w in words[:3]]
    for size in (3, 2, 1):
        spec = REGISTRY.get(tuple(lowered[:size]))
        if spec is not None and len(lowered) >= size:
            return spec, size
    if lowered and any(path[0] == lowered[0] and len(path) > 1 for path in REGISTRY):
        subs = sorted(" ".join(p) for p in REGISTRY if p[0] == lowered[0])
        raise UnknownCommand(f"`{lowered[0]}` needs a subcommand: {', '.join(f'`{s}`' for s in subs)}.")
    names = sorted({" ".join(p) for p in REGISTRY} | {p[0] for p in REGISTRY})
    guess = difflib.get_close_matches(" ".join(lowered[:2]), names, n=1) or (
        difflib.get_close_matches(lowered[0], names, n=1) if lowered else []
    )
    hint = f" Did you mean `{guess[0]}`?" if guess else ""
    shown = lowered[0][:30] if lowered else ""
    raise UnknownCommand(f"I don't know the command `{shown}`.{hint} Type `help` for the list.")


def parse(line: str) -> object:
    """Parse a command line (without the `!cop` prefix) into a command object."""
    if len(line) > MAX_LINE:
        raise UsageError(f"That command is too long ({len(line):,} characters; the limit is {MAX_LINE:,}).")
    tokens = tokenize(line)
    if not tokens:
        raise UnknownCommand("Type `help` to see what I can do.")
    words: list[str] = []
    for token in tokens[:3]:
        if token.quoted:
            break
        words.append(token.value)
    spec, used = find_spec(words)
    return spec.build(split_values(spec, line, tokens[used:]))


def parse_scoped(line: str) -> tuple[object, int | None]:
    """Like `parse`, also taking an `in:<community id>` that names the community when the
    command is sent from a direct conversation (the buttons of a nudge carry one)."""
    match = _SCOPE.search(line)
    if match is None:
        return parse(line), None
    return parse(line[: match.start()] + line[match.end():]), int(match[1])


_SCOPE = re.compile(r"(?:^|\s)in:(\d{1,9})(?=\s|$)")


def split_values(spec: CommandSpec, line: str, tokens: list[Token]) -> dict[str, object]:
    values: dict[str, object] = {}
    options = {p.key: p for p in spec.params if p.kind == "option"}
    options.update({p.name: p for p in spec.params if p.kind == "option"})
    flags = {p.key: p for p in spec.params if p.kind == "flag"}
    has_rest = any(p.kind == "rest" for p in spec.params)
    free: list[Token] = []
    for token in tokens:
        if not token.quoted and token.value.startswith("--") and len(token.value) > 2:
            name = token.value[2:].lower()
            if name in flags:
                values[flags[name].name] = True
                continue
            if not has_rest:
                raise UsageError(f"Unknown option `{token.value[:30]}`. Usage: `{spec.usage}`")
        if not token.quoted and ":" in token.value:
            key, _, value = token.value.partition(":")
            option = options.get(key.lower())
            if option is not None:
                values[option.name] = value
                continue
        free.append(token)
    positional: list[Param] = [p for p in spec.params if p.kind in ("arg", "rest")]
    cursor = 0
    for index, param in enumerate(positional):
        if cursor >= len(free):
            break
        if param.kind == "rest":
            values[param.name] = _rest_text(line, free[cursor:], tokens)
            cursor = len(free)
            break
        following = positional[index + 1] if index + 1 < len(positional) else None
        if (not param.required and param.type == "int" and following is not None and following.kind == "rest"
                and not free[cursor].value.lstrip("#").isdigit()):
            continue  # the optional number was left out: `solved the tip worked` is all text
        values[param.name] = free[cursor].value
        cursor += 1
    if cursor < len(free):
        raise UsageError(f"I didn't expect “{free[cursor].value[:30]}” there. Usage: `{spec.usage}`")
    return values


def _rest_text(line: str, free: list[Token], all_tokens: list[Token]) -> str:
    if len(free) == 1:
        return free[0].value
    start, end = free[0].start, free[-1].end
    # Cut the option and flag tokens that stand inside the free text.
    keep = {id(t) for t in free}
    pieces: list[str] = []
    cursor = start
    for token in all_tokens:
        if token.start < start or token.end > end or id(token) in keep:
            continue
        pieces.append(line[cursor : token.start].rstrip())
        cursor = token.end
    pieces.append(line[cursor:end])
    return " ".join(p.strip() for p in pieces if p.strip())
