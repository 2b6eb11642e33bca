"""Votes on a simulated Discord: a recall petition co-signed from the announcement's button,
secret ballots shown only to the voter (buttons, or a select menu for elections), the result
posted and the leader role taken away on Discord."""

from __future__ import annotations

import re

import pytest
from simcord import Env
from simcord.actors import MemberActor

from tests.discord.scene import Scene, buttons, messages, private, said
from tests.world import World

RECEIPT = re.compile(r"Your receipt code: `([A-Z0-9-]{11})`")


@pytest.fixture
async def scene(simcord_env: Env, world: World) -> Scene:
    scene = Scene.create(simcord_env, world)
    await scene.community()
    for key, value in (("vote_member_days", "0"), ("petition_min", "1")):
        result = await scene.lena.slash(scene.channel, "community config", key=key, value=value)
        assert "is now" in said(result), said(result)
    await scene.joined(scene.sam)
    return scene


def roles_of(scene: Scene, member: MemberActor) -> list[int]:
    return list(scene.env.backend.get_guild(scene.guild.id).members[member.id].role_ids)


def last_post(scene: Scene, starting: str) -> object:
    found = [m for m in scene.channel.history() if m.content.startswith(starting)]
    assert found, [m.content[:60] for m in scene.channel.history()]
    return found[-1]


async def vote_with_button(member: MemberActor, announcement: object, choice: str) -> str:
    """Get the ballot from the announcement's button, then press a choice on it."""
    ballot = await member.click(announcement, label="Get my ballot")
    assert private(ballot), said(ballot)
    cast = await member.click(messages(ballot)[-1], label=choice)
    assert private(cast), said(cast)
    return said(cast)


@pytest.mark.postgres_too
async def test_a_recall_from_petition_to_result_and_the_role_goes(scene: Scene) -> None:
    leaders = scene.guild.create_role("Leaders")
    scene.env.backend.get_guild(scene.guild.id).members[scene.lena.id].role_ids.append(leaders.id)
    configured = await scene.lena.slash(scene.channel, "community config", key="leader_role", value=leaders.mention)
    assert "leader_role` is now" in said(configured)
    ana = scene.guild.add_member(scene.env.create_user("ana", global_name="Ana"))
    await scene.joined(ana)

    started = await scene.sam.slash(scene.channel, "vote recall", leader=scene.lena, reason="No answers for a month")
    assert private(started) and "Your recall petition #1 is open" in said(started)
    await scene.deliver()
    petition = last_post(scene, "**Recall petition #1")
    cosigned = await ana.click(petition, label="Co-sign")
    assert private(cosigned) and "Co-signed" in said(cosigned), said(cosigned)
    await scene.deliver()
    announcement = last_post(scene, "**Secret ballot — recall #1")
    assert [b["label"] for b in buttons(announcement)] == ["Get my ballot"]

    receipts = {}
    for member, choice in ((ana, "Recall Lena"), (scene.sam, "Recall Lena"), (scene.lena, "Keep Lena")):
        answer = await vote_with_button(member, announcement, choice)
        assert "Your secret ballot in recall #1 is cast" in answer, answer
        match = RECEIPT.search(answer)
        assert match is not None
        receipts[member.name] = match[1]
    # The ballots were seen by nobody else: the channel holds no trace of them.
    assert not any(code in m.content for m in scene.channel.history() for code in receipts.values())
    twice = await ana.click(announcement, label="Get my ballot")
    assert private(twice) and "You have voted in recall #1" in said(twice)

    await scene.sweep()  # everyone on the roll voted: the ballot closes early
    result = last_post(scene, "**Result of recall #1")
    assert "Recall: 2 · Keep: 1" in result.content, result.content
    assert all(f"`{code}`" in result.content for code in receipts.values())  # everyone can check theirs
    assert leaders.id not in roles_of(scene, scene.lena)
    info = await scene.sam.slash(scene.channel, "community info")
    assert "Leaders: none" in said(info)


async def test_a_ballot_by_slash_command_is_private_so_it_is_accepted(scene: Scene) -> None:
    await scene.sam.slash(scene.channel, "vote recall", leader=scene.lena, reason="Quiet for weeks")
    cosigned = await scene.lena.slash(scene.channel, "vote cosign", number=1)
    assert private(cosigned) and "You can't co-sign a petition about yourself" in said(cosigned)
    ana = scene.guild.add_member(scene.env.create_user("ana", global_name="Ana"))
    await scene.joined(ana)
    await ana.slash(scene.channel, "vote cosign", number=1)
    status = await scene.sam.slash(scene.channel, "vote status")
    # Your own voting status is personal: it shows only where it is private.
    assert private(status) and "You have not voted yet" in said(status), said(status)
    cast = await scene.sam.slash(scene.channel, "vote cast", number=1, choice="recall")
    assert private(cast) and "Your secret ballot in recall #1 is cast: recall" in said(cast), said(cast)
    status = await scene.sam.slash(scene.channel, "vote status")
    assert "You have voted." in said(status), said(status)
    # The channel shows nothing of it: the answers were ephemeral from the start.
    assert not any("secret ballot" in m.content.lower() and "cast" in m.content for m in scene.channel.history())
    choices = await scene.sam.autocomplete(scene.channel, "vote cast", "number", "")
    assert [c["value"] for c in choices] == [1] and "Recall #1" in choices[0]["name"]


async def election(scene: Scene, method: str) -> tuple[list[MemberActor], object]:
    """An election for two seats with three candidates who nominated themselves; the ballot open."""
    if method == "ranked":
        await scene.lena.slash(scene.channel, "community config", key="vote_method", value="ranked")
    people = [scene.sam]
    for name in ("ana", "bo"):
        member = scene.guild.add_member(scene.env.create_user(name, global_name=name.capitalize()))
        await scene.joined(member)
        people.append(member)
    opened = await scene.lena.slash(scene.channel, "vote elect", seats=2 if method == "approval" else 1)
    assert "Nominations for election #1 are open" in said(opened), said(opened)
    await scene.deliver()
    nominations = last_post(scene, "**Election #1: nominations are open")
    for member in people:
        stood = await member.click(nominations, label="Nominate myself")
        assert "stands in election #1" in said(stood), said(stood)
    await scene.advance(days=4)
    await scene.sweep()
    return people, last_post(scene, "**Secret ballot — election #1")


async def test_an_approval_ballot_is_a_select_of_several_then_a_cast_button(scene: Scene) -> None:
    people, announcement = await election(scene, "approval")
    ballot = await scene.lena.click(announcement, label="Get my ballot")
    shown = messages(ballot)[-1]
    [select] = [c for c in buttons(shown) if c["type"] == 3]
    assert [o["label"] for o in select["options"]] == ["Sam", "Ana", "Bo"] and select["max_values"] == 3
    assert not [c for c in buttons(shown) if c.get("label", "").startswith("Approve only")]
    values = {o["label"]: o["value"] for o in select["options"]}
    picked = await scene.lena.select(shown, [values["Sam"], values["Bo"]])
    updated = picked.response if picked.response is not None else messages(picked)[-1]
    assert "You picked **Sam, Bo**" in updated.content
    cast = await scene.lena.click(updated, label="Cast it")
    assert private(cast) and "Your secret ballot in election #1 is cast: Sam, Bo." in said(cast), said(cast)
    again = await scene.lena.click(announcement, label="Get my ballot")
    assert "You have voted in election #1" in said(again)
    assert len(people) == 3


async def test_a_ranked_ballot_is_picked_one_choice_at_a_time(scene: Scene) -> None:
    _, announcement = await election(scene, "ranked")
    ballot = await scene.sam.click(announcement, label="Get my ballot")
    shown = messages(ballot)[-1]
    [select] = [c for c in buttons(shown) if c["type"] == 3]
    assert select["max_values"] == 1
    values = {o["label"]: o["value"] for o in select["options"]}
    first = await scene.sam.select(shown, [values["Bo"]])
    step = first.response if first.response is not None else messages(first)[-1]
    assert "Your ranking so far: **1. Bo**" in step.content
    second = await scene.sam.select(step, [values["Sam"]])
    step = second.response if second.response is not None else messages(second)[-1]
    assert "**1. Bo, 2. Sam**" in step.content
    cast = await scene.sam.click(step, label="Cast it")
    assert private(cast) and "Your secret ballot in election #1 is cast: Bo > Sam." in said(cast), said(cast)
