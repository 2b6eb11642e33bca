"""Slash commands generated from the core's command specs (core.commands.spec.REGISTRY).

Each spec becomes one Discord command at the path `bots.discord.paths` gives it; its
parameters become typed options with the parameter's help as description: `choices` →
fixed choices, `suggest` → autocomplete, a member → a user picker, a flag → a boolean,
a number → an integer. A command only builds the core command object and hands it to the
bridge; the core does all checking, including who may run it (Discord's default
permissions are only a hint server admins can change).
"""

from __future__ import annotations

import hashlib
import inspect
import json
from collections.abc import Callable, Sequence
from typing import Any

import discord
from discord import app_commands

import core.catalog  # noqa: F401  (registers every command)
from bots.discord.bridge import Bridge
from bots.discord.forms import CommandForm, form_for
from bots.discord.paths import discord_paths
from core.commands.spec import REGISTRY, Access, CommandSpec, Param

DESCRIPTION_LIMIT = 100
AppCommand = app_commands.Command[Any, ..., Any] | app_commands.Group


def _annotation(param: Param) -> Any:
    if param.kind == "flag":
        return bool
    if param.type == "member":
        return discord.User
    if param.type == "int" and not param.choices:
        return int
    return str


def _describe(text: str) -> str:
    text = " ".join(text.split()) or "…"
    return text if len(text) <= DESCRIPTION_LIMIT else text[: DESCRIPTION_LIMIT - 1] + "…"


def _value(raw: object) -> object:
    if isinstance(raw, discord.User | discord.Member):
        return str(raw.id)
    return raw


def _autocomplete(bridge: Bridge, param: Param) -> Callable[..., Any]:
    async def complete(interaction: discord.Interaction[Any], current: Any) -> list[app_commands.Choice[Any]]:
        return await bridge.choices(interaction, param, current)

    complete.__qualname__ = complete.__name__ = f"complete_{param.name}"
    return complete


def make_command(spec: CommandSpec, name: str, bridge: Bridge) -> app_commands.Command[Any, ..., Any]:
    """One slash command for `spec`, its options built from the spec's parameters."""

    form = form_for(spec)
    in_form = form.names if form is not None else frozenset()
    params = [p for p in spec.params if p.name not in in_form]

    async def callback(interaction: discord.Interaction[Any], **options: Any) -> None:
        values = {key: _value(raw) for key, raw in options.items() if raw is not None}
        if form is not None:
            # A modal must be the first answer: nothing is looked up before the form is filled in.
            await interaction.response.send_modal(CommandForm(bridge, spec, form, values))
            return
        await bridge.slash(interaction, spec, values)

    # discord.py reads options from the callback's signature: give it one per parameter
    # (those a form asks for are not options).
    ordered = sorted(params, key=lambda p: not p.required)
    signature = [inspect.Parameter("interaction", inspect.Parameter.POSITIONAL_OR_KEYWORD,
                                   annotation=discord.Interaction)]
    signature += [inspect.Parameter(p.name, inspect.Parameter.KEYWORD_ONLY, annotation=_annotation(p),
                                    default=inspect.Parameter.empty if p.required else None) for p in ordered]
    callback.__signature__ = inspect.Signature(signature)  # type: ignore[attr-defined]
    callback.__qualname__ = callback.__name__ = "slash_" + "_".join(spec.path)
    # The attributes discord.py's decorators (describe, choices, autocomplete) would set.
    choices = {p.name: [app_commands.Choice(name=c, value=c) for c in p.choices] for p in params if p.choices}
    completions = {p.name: _autocomplete(bridge, p) for p in params
                   if p.suggest and not p.choices and p.kind != "flag" and p.type != "member"}
    callback.__dict__.update({
        "__discord_app_commands_param_description__": {p.name: _describe(p.help) for p in params},
        "__discord_app_commands_param_choices__": choices,
        "__discord_app_commands_param_autocomplete__": completions,
    })
    return app_commands.Command(name=name, description=_describe(spec.summary), callback=callback,
                                extras={"spec": spec.name})


def _root_settings(specs: Sequence[CommandSpec]) -> tuple[bool, discord.Permissions | None]:
    """guild_only unless a command works anywhere (help, link); the Manage Server hint only
    when every command under the root is for server admins."""
    guild_only = all(s.access is not Access.ANYWHERE for s in specs)
    admin_only = all(s.access is Access.ADMIN for s in specs)
    return guild_only, discord.Permissions(manage_guild=True) if admin_only else None


def build_commands(bridge: Bridge) -> list[AppCommand]:
    """Every registered core command as Discord slash commands, grouped by their first word."""
    paths = discord_paths()
    by_root: dict[str, list[tuple[tuple[str, ...], CommandSpec]]] = {}
    for core_path, path in sorted(paths.items(), key=lambda item: item[1]):
        by_root.setdefault(path[0], []).append((path, REGISTRY[core_path]))
    result: list[AppCommand] = []
    for root, entries in by_root.items():
        guild_only, permissions = _root_settings([spec for _, spec in entries])
        if len(entries) == 1 and len(entries[0][0]) == 1:
            command = make_command(entries[0][1], root, bridge)
            command.guild_only = guild_only
            command.default_permissions = permissions
            result.append(command)
            continue
        names = ", ".join(" ".join(path[1:]) for path, _ in entries)
        group = app_commands.Group(name=root, description=_describe(f"{root.capitalize()}: {names}"),
                                   guild_only=guild_only, default_permissions=permissions)
        subgroups: dict[str, app_commands.Group] = {}
        for path, spec in entries:
            parent = group
            if len(path) == 3:
                if path[1] not in subgroups:
                    subgroups[path[1]] = app_commands.Group(name=path[1], description=_describe(
                        f"{root} {path[1]} commands"))
                    group.add_command(subgroups[path[1]])
                parent = subgroups[path[1]]
            parent.add_command(make_command(spec, path[-1], bridge))
        result.append(group)
    return result


def command_hash(tree: app_commands.CommandTree[Any], guild: discord.abc.Snowflake | None = None) -> str:
    """A digest of exactly what a sync would send, to skip syncing an unchanged command set."""
    payload = sorted((c.to_dict(tree) for c in tree.get_commands(guild=guild)), key=lambda c: str(c["name"]))
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()
