from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from core.durations import parse_duration
from core.effects import Reply
from core.errors import InvalidInput, UsageError

if TYPE_CHECKING:
    from core.commands.context import Context


class Access(StrEnum):
    ANYWHERE = "anywhere"  # no community needed (help, link)
    PUBLIC = "public"  # anyone in a community home
    MEMBER = "member"  # a member who accepted the rules
    EXPERT = "expert"  # an expert or a leader
    LEADER = "leader"
    ADMIN = "admin"  # an admin of the chat space, as the platform says
    STAFF = "staff"  # network staff


ParamKind = Literal["arg", "rest", "option", "flag"]
ParamType = Literal["text", "int", "duration", "member", "word"]


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    kind: ParamKind
    help: str
    type: ParamType = "text"
    required: bool = True
    choices: tuple[str, ...] = ()
    # Name of a suggestion source for autocomplete (see core.commands.suggest).
    suggest: str | None = None

    @property
    def key(self) -> str:
        """How the option is typed in text commands: `review-in:6mo`, `--all`."""
        return self.name.replace("_", "-")

    def usage(self) -> str:
        if self.kind == "flag":
            return f"[--{self.key}]"
        if self.kind == "option":
            shown = "|".join(self.choices) if self.choices else "…"
            return f"[{self.key}:{shown}]"
        label = "|".join(self.choices) if self.choices else self.key
        label = f"{label}…" if self.kind == "rest" else label
        return f"<{label}>" if self.required else f"[{label}]"

    def convert(self, raw: str) -> object:
        if self.choices and raw.lower() not in self.choices:
            raise InvalidInput(f"{self.key} must be one of: {', '.join(self.choices)}.")
        if self.choices:
            return raw.lower()
        if self.type == "int":
            value = raw.strip().lstrip("#")
            if not value.isdigit() or len(value) > 9:
                raise InvalidInput(f"{self.key} must be a number, like 3.")
            return int(value)
        if self.type == "duration":
            return parse_duration(raw)
        return raw


_MISSING: Any = dataclasses.MISSING


def _param(kind: ParamKind, help: str, type: ParamType, required: bool, default: object,
           choices: tuple[str, ...], suggest: str | None) -> Any:
    meta = {"param": (kind, help, type, required, choices, suggest)}
    if required:
        return field(metadata=meta)
    return field(default=default, metadata=meta)


def arg(help: str, *, type: ParamType = "text", required: bool = True, default: object = None,
        choices: tuple[str, ...] = (), suggest: str | None = None) -> Any:
    """A positional argument."""
    return _param("arg", help, type, required, default, choices, suggest)


def rest(help: str, *, required: bool = True, default: object = "", suggest: str | None = None) -> Any:
    """Free text that takes the rest of the line (no quotes needed)."""
    return _param("rest", help, "text", required, default, (), suggest)


def option(help: str, *, type: ParamType = "text", default: object = None,
           choices: tuple[str, ...] = (), suggest: str | None = None) -> Any:
    """A `key:value` option, anywhere on the line."""
    return _param("option", help, type, False, default, choices, suggest)


def flag(help: str) -> Any:
    """A `--flag`."""
    return _param("flag", help, "text", False, False, (), None)


Handler = Callable[[Any, "Context"], Awaitable[Reply]]


@dataclass(frozen=True)
class CommandSpec:
    path: tuple[str, ...]
    cls: type
    handler: Handler
    summary: str
    access: Access
    params: tuple[Param, ...]
    examples: tuple[str, ...] = ()
    # Commands that never write run without taking the database's write lock.
    readonly: bool = False
    # Its answer is personal (codes, rules to accept, help): platforms that must choose
    # visibility before the answer exists (a deferred Discord reply) start it private.
    private: bool = False

    @property
    def name(self) -> str:
        return " ".join(self.path)

    @property
    def usage(self) -> str:
        return " ".join([self.name, *(p.usage() for p in self.params)])

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name or p.key == name), None)

    def build(self, values: Mapping[str, object]) -> object:
        """Make the command object from already-split values (text parser, Discord options).

        Strings are converted by the parameter's type; missing required values and bad
        values raise UsageError with the usage line.
        """
        kwargs: dict[str, object] = {}
        for p in self.params:
            raw = values.get(p.name)
            if raw is None or raw == "":
                if p.required:
                    raise UsageError(f"Missing {p.key}. Usage: `{self.usage}`")
                continue
            try:
                kwargs[p.name] = p.convert(raw) if isinstance(raw, str) else raw
            except InvalidInput as error:
                raise UsageError(f"{error.message} Usage: `{self.usage}`") from None
        return self.cls(**kwargs)


REGISTRY: dict[tuple[str, ...], CommandSpec] = {}
BY_CLASS: dict[type, CommandSpec] = {}

C = TypeVar("C")


TypedHandler = Callable[[C, "Context"], Awaitable[Reply]]


def command(path: str, cls: type[C], *, summary: str, access: Access = Access.MEMBER,
            examples: tuple[str, ...] = (), readonly: bool = False, private: bool = False
            ) -> Callable[[TypedHandler[C]], TypedHandler[C]]:
    """Register `handler` as the verb `path` taking a `cls` command."""

    def register(handler: TypedHandler[C]) -> TypedHandler[C]:
        params = []
        for f in dataclasses.fields(cls):  # type: ignore[arg-type]
            kind, help, type_, required, choices, suggest = f.metadata["param"]
            params.append(Param(f.name, kind, help, type_, required, choices, suggest))
        spec = CommandSpec(tuple(path.split()), cls, handler, summary, access, tuple(params), examples, readonly,
                           private)
        if spec.path in REGISTRY:
            raise RuntimeError(f"command {path!r} registered twice")
        REGISTRY[spec.path] = spec
        BY_CLASS[cls] = spec
        return handler

    return register


def spec_for(cmd: object) -> CommandSpec:
    return BY_CLASS[type(cmd)]
