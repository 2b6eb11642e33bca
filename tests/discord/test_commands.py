"""The slash commands generated from the core's specs, as discord.py builds and would send
them: every registered command is there, with options Discord accepts."""

from __future__ import annotations

import re
from typing import Any

import pytest
from discord import app_commands

from bots.discord.bridge import Bridge
from bots.discord.client import make_client
from bots.discord.deliver import nonce_for
from bots.discord.forms import form_for
from bots.discord.paths import discord_paths, slash_hints
from bots.discord.render import MESSAGE_LIMIT, discord_text, split
from bots.discord.slash import command_hash
from core.commands.spec import REGISTRY, CommandSpec

NAME = re.compile(r"^[-_\w]{1,32}$")
SPECS = sorted(REGISTRY.values(), key=lambda s: s.path)
OPTION_TYPES = {"text": 3, "word": 3, "duration": 3, "int": 4, "member": 6}


@pytest.fixture(scope="module")
def payload() -> list[dict[str, Any]]:
    client = make_client(Bridge(None, None))  # type: ignore[arg-type]
    return [c.to_dict(client.tree) for c in client.tree.get_commands()]


def leaf(payload: list[dict[str, Any]], path: tuple[str, ...]) -> dict[str, Any]:
    node: dict[str, Any] = next(c for c in payload if c["name"] == path[0])
    for name in path[1:]:
        node = next(o for o in node["options"] if o["name"] == name and o["type"] in (1, 2))
    return node


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
def test_every_core_command_is_a_slash_command_with_typed_options(payload: list[dict[str, Any]],
                                                                  spec: CommandSpec) -> None:
    command = leaf(payload, discord_paths()[spec.path])
    assert command["description"] and len(command["description"]) <= 100
    options = {o["name"]: o for o in command.get("options", [])}
    form = form_for(spec)
    in_form = form.names if form is not None else frozenset()
    # Every parameter is an option or a field of the command's form, never both.
    assert set(options) == {p.name for p in spec.params} - in_form
    assert len(options) <= 25 and (form is None or len(form.fields) <= 5)
    required = [o["required"] for o in command.get("options", [])]
    assert required == sorted(required, reverse=True), "required options come first"
    for param in (p for p in spec.params if p.name not in in_form):
        option = options[param.name]
        assert NAME.match(option["name"]) and option["name"] == option["name"].lower()
        assert 0 < len(option["description"]) <= 100
        assert option["required"] == param.required
        if param.kind == "flag":
            assert option["type"] == 5
        elif param.choices:
            assert option["type"] == 3 and [c["value"] for c in option["choices"]] == list(param.choices)
        else:
            assert option["type"] == OPTION_TYPES[param.type]
        assert option.get("autocomplete", False) == bool(
            param.suggest and not param.choices and param.kind != "flag" and param.type != "member")


def test_discord_names_are_valid_and_nest_at_most_three_deep(payload: list[dict[str, Any]]) -> None:
    assert len(payload) <= 100
    for path in discord_paths().values():
        assert 1 <= len(path) <= 3 and all(NAME.match(word) for word in path)


def test_commands_that_need_a_community_are_server_only(payload: list[dict[str, Any]]) -> None:
    anywhere = {c["name"]: c["dm_permission"] for c in payload}
    assert anywhere["help"] and anywhere["link"]
    assert not anywhere["rules"] and not anywhere["join"] and not anywhere["role"]


def test_core_paths_that_are_also_groups_get_a_show_leaf() -> None:
    paths = discord_paths()
    assert paths[("rules",)] == ("rules", "show")
    assert paths[("rules", "add")] == ("rules", "add")
    assert paths[("join",)] == ("join",)
    assert paths[("join", "accept")] == ("join-accept",)


def test_command_hints_in_core_text_become_slash_commands() -> None:
    assert slash_hints("type `join accept` or `rules add <text>`") == "type `/join-accept` or `/rules add text:…`"
    assert (slash_hints("`rules` and `community config sla 4h`")
            == "`/rules show` and `/community config key:sla value:4h`")
    assert slash_hints("code `ABC-123` stays") == "code `ABC-123` stays"


def test_usage_lines_and_examples_name_the_discord_options() -> None:
    assert slash_hints("`questions snooze <number> <duration>`") == "`/questions snooze number:… duration:…`"
    assert slash_hints("`resource vet <number> [review-in:…]`") == "`/resource vet number:… [review_in:…]`"
    assert slash_hints("`questions [open|stale|mine|all]`") == "`/questions show [which:…]`"
    assert slash_hints("`solved 4 Lena's plan worked`") == "`/solved number:4 answer:Lena's plan worked`"
    # What the form asks for is not typed as options.
    assert slash_hints("`resource add <title> [url] [text…] [kind:…] [tags:…] [source:…]`") == (
        "`/resource add [kind:…] [tags:…]`")
    # A hint naming its community (for a DM) or that does not parse stays as written.
    assert slash_hints("`vote cast 1 recall in:3`") == "`/vote cast 1 recall in:3`"
    assert slash_hints("`rules edit two words`") == "`/rules edit two words`"


def test_the_command_hash_is_stable_and_follows_the_command_set() -> None:
    first = make_client(Bridge(None, None))  # type: ignore[arg-type]
    second = make_client(Bridge(None, None))  # type: ignore[arg-type]
    assert command_hash(first.tree) == command_hash(second.tree)

    async def ping(interaction: Any) -> None: ...

    second.tree.add_command(app_commands.Command(name="ping", description="ping", callback=ping))
    assert command_hash(first.tree) != command_hash(second.tree)


def test_mentions_render_for_discord_and_raw_ones_are_defused() -> None:
    text = discord_text("Hi <@discord:123|Lena> and <@matrix:@sam:example.org|Sam> @everyone <@456789012345678901>")
    assert text.startswith("Hi <@123> and @Sam ")
    assert "@everyone" not in text and "<@456789012345678901>" not in text


def test_long_text_is_split_at_line_ends_within_discord_limits() -> None:
    lines = [f"{n}. " + "word " * 60 for n in range(100)]
    parts = split("\n".join(lines))
    assert all(len(p) <= MESSAGE_LIMIT for p in parts)
    assert len(parts) == 10 and parts[-1].endswith("(the rest was too long for Discord)")
    assert split("x" * 4500) == ["x" * 2000, "x" * 2000, "x" * 500]


def test_nonces_are_short_stable_and_distinct() -> None:
    keys = [f"dm:{n}" for n in range(1000)]
    nonces = {nonce_for(k) for k in keys}
    assert len(nonces) == 1000 and all(len(n) <= 25 for n in nonces)
    assert nonce_for("dm:1") == nonce_for("dm:1") != nonce_for("dm:1", 1)
