from __future__ import annotations

from core.refs import Where
from tests.world import World

MATRIX_ROOM = Where("matrix", room_id="!home:example.org")


async def code_from(text: str) -> str:
    return text.split("`link ")[1].split("`")[0]


async def test_linking_two_accounts_makes_them_one_person(world: World) -> None:
    await world.community(members=["sam"])
    reply = await world.ok("sam", "link")
    code = await code_from(reply.text)
    linked = await world.ok("@sam:example.org", f"link {code}", where=None, platform="matrix")
    assert "console and matrix accounts are now one person" in linked.text
    assert len(await world.sql("SELECT id FROM persons")) == 2  # lena and sam
    assert "already used" in (await world.fails("@eve:example.org", f"link {code}", where=None,
                                                platform="matrix")).text


async def test_linking_merges_memberships(world: World) -> None:
    await world.community(members=["sam"])
    await world.ok("lena", "role grant sam moderator")
    reply = await world.ok("lena", "community link")
    home_code = reply.text.split("`community link ")[1].split("`")[0]
    await world.ok("@admin:example.org", f"community link {home_code}", where=MATRIX_ROOM,
                   platform="matrix", admin=True)
    await world.ok("@sam:example.org", "join accept", where=MATRIX_ROOM, platform="matrix")
    code = await code_from((await world.ok("sam", "link")).text)
    await world.ok("@sam:example.org", f"link {code}", where=None, platform="matrix")
    listing = await world.ok("lena", "members")
    assert listing.text.count("sam") == 1 and "sam — moderator" in listing.text
    # lena and sam: sam's two memberships became one, keeping the moderator role.
    assert "has 2 member(s)" in listing.text
