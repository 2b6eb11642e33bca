"""Every registered command, invoked as a slash command on the simulated Discord: it answers
(never the generic apology, never silence), and hostile or oversized text in its free-text
options is answered kindly. Commands added to the core are covered the moment they exist."""

from __future__ import annotations

import pytest
from simcord import Env
from simcord.results import InteractionResult

from bots.discord.forms import PARAGRAPH_LIMIT, SHORT_LIMIT, form_for
from bots.discord.paths import discord_paths
from core.commands.bus import SORRY
from core.commands.spec import REGISTRY, CommandSpec
from tests.discord.scene import Scene, messages, said
from tests.world import World

SPECS = sorted(REGISTRY.values(), key=lambda s: s.path)
SAMPLE: dict[str, object] = {"text": "sample", "int": 1, "duration": "1h", "word": "sample"}
HOSTILE = "Robert'); DROP TABLE communities;-- \x1b[2J @everyone <img src=x onerror=alert(1)> " + "é" * 40
DISCORD_STRING_LIMIT = 6000


@pytest.fixture
async def scene(simcord_env: Env, world: World) -> Scene:
    scene = Scene.create(simcord_env, world)
    await scene.community()
    await scene.joined(scene.sam)
    await scene.lena.slash(scene.channel, "rules add", text="Be kind")
    return scene


def options(spec: CommandSpec, scene: Scene, text: str | None = None) -> dict[str, object]:
    values: dict[str, object] = {}
    for param in spec.params:
        if param.kind in ("flag", "option"):
            continue
        if param.type == "member":
            values[param.name] = scene.sam
        elif param.choices:
            values[param.name] = param.choices[0]
        elif param.type == "text" and text is not None:
            values[param.name] = text
            text = None
        elif param.required:
            values[param.name] = SAMPLE[param.type]
    return values


def invocation(spec: CommandSpec) -> str:
    return " ".join(discord_paths()[spec.path])


async def run(scene: Scene, spec: CommandSpec, values: dict[str, object]) -> InteractionResult:
    """The command as a Discord user runs it: options, and the form's fields when it opens one."""
    form = form_for(spec)
    in_form = form.names if form is not None else frozenset()
    result = await scene.lena.slash(scene.channel, invocation(spec),
                                    **{k: v for k, v in values.items() if k not in in_form})
    if form is None:
        return result
    assert result.modal is not None and not messages(result), "a form opens first"
    # A form's field takes no more than its max_length: Discord's client stops the typing there.
    limits = {f.name: PARAGRAPH_LIMIT if f.paragraph else SHORT_LIMIT for f in form.fields}
    fields = {k: str(v)[:limits[k]] for k, v in values.items() if k in in_form}
    return await scene.lena.submit_modal(result, fields)


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.name)
async def test_every_command_answers(scene: Scene, spec: CommandSpec) -> None:
    result = await run(scene, spec, options(spec, scene))
    assert result.acknowledged and messages(result), spec.name
    assert SORRY not in said(result)
    assert all(0 < len(m.content) <= 2000 for m in messages(result))


TEXT_SPECS = [s for s in SPECS if any(p.type == "text" and not p.choices and p.kind in ("arg", "rest")
                                      for p in s.params)]


@pytest.mark.parametrize("spec", TEXT_SPECS, ids=lambda s: s.name)
async def test_hostile_and_oversized_text_is_answered_kindly(scene: Scene, spec: CommandSpec) -> None:
    for text in (HOSTILE, "x" * DISCORD_STRING_LIMIT):
        result = await run(scene, spec, options(spec, scene, text))
        assert messages(result) and SORRY not in said(result), spec.name
        for message in messages(result):
            stored = scene.env.backend.get_message(message.channel_id, message.id)
            assert not stored.mention_everyone
    assert "**Pacing Circle**" in said(await scene.sam.slash(scene.channel, "community info"))
