"""Every registered command, automatically: malformed arguments, a user without the right role,
and oversized or hostile text all get a short, friendly answer with nothing half-written,
and the bot keeps answering. New commands are covered the moment they are registered."""

from __future__ import annotations

import pytest

import core.catalog  # noqa: F401
from core.commands.bus import SORRY
from core.commands.spec import REGISTRY, Access, CommandSpec
from tests.world import World

SPECS = sorted(REGISTRY.values(), key=lambda s: s.path)
SAMPLE = {"text": "sample", "int": "1", "duration": "1h", "member": "sam", "word": "sample"}
HOSTILE = "Robert'); DROP TABLE communities;-- \x00\x1b[2J \ud800 <img src=x onerror=alert(1)>"

# Commands open to everyone by their access level that check the role inside, for some uses.
ROLE_INSIDE = {
    "rules add": Access.LEADER, "rules edit": Access.LEADER, "rules remove": Access.LEADER,
    "community link": Access.LEADER,
    "vote elect": Access.LEADER,  # any member, but only while the community has no leader
}
# Commands whose every argument is optional: what a malformed use of them looks like.
MALFORMED = {
    "help": "help frobnicate",
    "community config": "community config colour blue",
    "link": "link NOT-A-CODE",
    "community link": "community link NOT-A-CODE",
    "resource search": "resource search kind:poem",
}


def example(spec: CommandSpec, text: str | None = None) -> str:
    """A well-formed line for `spec`; `text` replaces the first free-text argument."""
    parts = [spec.name]
    for param in spec.params:
        if param.kind in ("flag", "option"):
            continue
        if param.type == "text" and not param.choices and text is not None:
            parts.append(f'"{text}"' if param.kind == "arg" else text)
            text = None
        elif param.required:
            parts.append(param.choices[0] if param.choices else SAMPLE[param.type])
    return " ".join(parts)


def malformed(spec: CommandSpec) -> str:
    if spec.name in MALFORMED:
        return MALFORMED[spec.name]
    if any(p.required for p in spec.params):
        return spec.name  # required arguments missing
    return f"{spec.name} unexpected extra words"


async def setup(world: World) -> None:
    await world.community(members=["sam"])
    await world.ok("lena", "rules add Be kind")


async def assert_still_answers(world: World) -> None:
    assert "Pacing Circle" in (await world.ok("sam", "community info")).text


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
async def test_malformed_arguments_get_usage_and_change_nothing(world: World, spec: CommandSpec) -> None:
    await setup(world)
    before = await world.counts()
    reply = await world.say("lena", malformed(spec))
    assert reply.error and reply.private, reply.text
    assert reply.text != SORRY and len(reply.text) < 400
    assert await world.counts() == before
    await assert_still_answers(world)


def needed_role(spec: CommandSpec) -> Access:
    return ROLE_INSIDE.get(spec.name, spec.access)


@pytest.mark.parametrize("spec", [s for s in SPECS if needed_role(s) not in (Access.ANYWHERE, Access.PUBLIC)],
                         ids=lambda s: s.name)
async def test_a_user_without_the_right_role_is_refused_kindly(world: World, spec: CommandSpec) -> None:
    await setup(world)
    before = await world.counts()
    # sam is a member but no leader or admin; zed has not joined.
    who = "zed" if needed_role(spec) is Access.MEMBER else "sam"
    reply = await world.say(who, example(spec), admin=False)
    assert reply.error and reply.private, reply.text
    assert any(word in reply.text for word in ("Only", "join")), reply.text
    after = await world.counts()
    assert {k: v for k, v in after.items() if k not in ("persons", "accounts")} == \
        {k: v for k, v in before.items() if k not in ("persons", "accounts")}
    await assert_still_answers(world)


TEXT_SPECS = [s for s in SPECS if any(p.type == "text" and not p.choices and p.kind in ("arg", "rest")
                                      for p in s.params)]


@pytest.mark.parametrize("spec", TEXT_SPECS, ids=lambda s: s.name)
async def test_oversized_text_is_refused_and_nothing_is_written(world: World, spec: CommandSpec) -> None:
    await setup(world)
    before = await world.counts()
    for size in (100_000, 5_000):
        reply = await world.say("lena", example(spec, "x" * size), admin=True)
        assert reply.text != SORRY
        if size == 100_000:
            assert reply.error and len(reply.text) < 400
            assert await world.counts() == before
    await assert_still_answers(world)


@pytest.mark.parametrize("spec", TEXT_SPECS, ids=lambda s: s.name)
async def test_hostile_text_never_breaks_the_bot(world: World, spec: CommandSpec) -> None:
    await setup(world)
    reply = await world.say("lena", example(spec, HOSTILE), admin=True)
    assert reply.text != SORRY, spec.name
    assert "\ud800" not in reply.text and "\x00" not in reply.text
    await assert_still_answers(world)
