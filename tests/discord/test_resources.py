"""Resources on a simulated Discord: `/resource add` opens a form, leaders vet, and search
answers as you type (autocomplete from the full-text index) and as a command."""

from __future__ import annotations

import pytest
from simcord import Env

from tests.discord.scene import Scene, messages, private, said
from tests.world import World

ENTRY = {"title": "Energy envelope worksheet", "url": "https://example.org/envelope",
         "text": "A worksheet to plan activity within your energy envelope.", "source": "NICE NG206 (2021)"}


@pytest.fixture
async def scene(simcord_env: Env, world: World) -> Scene:
    scene = Scene.create(simcord_env, world)
    await scene.community()
    await scene.joined(scene.sam)
    return scene


async def add(scene: Scene, fields: dict[str, str], **options: object) -> str:
    shown = await scene.sam.slash(scene.channel, "resource add", **options)
    assert shown.modal is not None and not messages(shown)
    assert shown.modal["title"] == "Add a resource"
    return said(await scene.sam.submit_modal(shown, fields))


@pytest.mark.postgres_too
async def test_add_in_a_form_then_vet_then_search_finds_it(scene: Scene) -> None:
    added = await add(scene, ENTRY, kind="tool", tags="pacing,energy")
    assert "“Energy envelope worksheet” is resource #1" in added
    # Submitted is not trusted: members do not find it yet, the leader vetting it does.
    assert await scene.sam.autocomplete(scene.channel, "resource search", "query", "envel") == []
    to_vet = await scene.lena.autocomplete(scene.channel, "resource vet", "number", "envel")
    assert to_vet[0]["value"] == "#1" and "[submitted]" in to_vet[0]["name"]
    assert await scene.sam.autocomplete(scene.channel, "resource vet", "number", "envel") == []
    vetted = await scene.lena.slash(scene.channel, "resource vet", number=to_vet[0]["value"])
    assert "is now trusted" in said(vetted), said(vetted)
    # As you type: a prefix, and a stemmed word the title does not contain as typed.
    for typed in ("envel", "worksheets", "energy work"):
        found = await scene.sam.autocomplete(scene.channel, "resource search", "query", typed)
        assert [c["value"] for c in found] == ["#1"], typed
        assert "Energy envelope worksheet (tool)" in found[0]["name"]
    tags = await scene.sam.autocomplete(scene.channel, "resource search", "tag", "pa")
    assert [c["value"] for c in tags] == ["pacing"]
    result = await scene.sam.slash(scene.channel, "resource search", query="#1")
    assert private(result) and "Energy envelope worksheet" in said(result)
    assert "https://example.org/envelope" in said(result)
    shown = await scene.sam.slash(scene.channel, "resource show", number="1")
    assert private(shown) and "NICE NG206 (2021)" in said(shown) and "Lena" in said(shown)


async def test_a_bad_form_gets_a_short_private_answer_and_nothing_is_written(scene: Scene) -> None:
    before = await scene.world.counts()
    for fields, expected in [({**ENTRY, "url": "javascript:alert(1)"}, "http"),
                             ({**ENTRY, "title": "   "}, "Missing title"),
                             ({**ENTRY, "title": "t" * 900}, "at most"),
                             ({"title": "Only a title"}, "Give a link or some text")]:
        answer = await add(scene, fields)
        assert expected in answer and len(answer) < 400, answer
    assert await scene.world.counts() == before


async def test_the_same_link_twice_points_to_the_first(scene: Scene) -> None:
    await add(scene, ENTRY)
    again = await add(scene, {**ENTRY, "title": "Another name"})
    assert "already here as #1" in again


async def test_search_autocomplete_offers_at_most_25(scene: Scene) -> None:
    for number in range(30):
        await add(scene, {"title": f"Pacing guide {number}", "text": "How to pace."})
    found = await scene.lena.autocomplete(scene.channel, "resource vet", "number", "pacing")
    assert len(found) == 25
    for choice in found[:3]:
        await scene.lena.slash(scene.channel, "resource vet", number=choice["value"])
    trusted = await scene.sam.autocomplete(scene.channel, "resource search", "query", "")
    assert len(trusted) == 3 and all(c["value"].startswith("#") for c in trusted)
    result = await scene.sam.slash(scene.channel, "resource search", query="pacing guide")
    assert private(result) and said(result).count("Pacing guide") == 3
