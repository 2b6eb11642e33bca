"""The search index follows every write to a resource in the same transaction, on both engines."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from core.resources.model import Kind, Resource, Status
from core.resources.query import terms
from tests.fakes import START, FakeClock, FakePlatform
from tests.world import World


def draft(title: str, body: str = "", *, community: int = 1, status: Status = Status.TRUSTED) -> Resource:
    return Resource(0, community, 0, title, None, body, Kind.OTHER, ("pacing",), "", status, None, START)


async def found(world: World, words: str, *, unvetted: bool = False) -> list[str]:
    async with world.app.uow(readonly=True) as uow:
        return [h.resource.title for h in await uow.resources.search(1, terms(words), unvetted=unvetted)]


async def test_inserts_edits_and_retirements_reach_the_index(engine: AsyncEngine) -> None:
    world = World.create(engine, FakeClock(), [FakePlatform()])
    await world.community()
    async with world.app.uow() as uow:
        first = await uow.resources.add(draft("Alpha worksheet", "about breathing"))
        stored = await uow.resources.add_many([draft("Beta guide", "about sleep"), draft("Gamma", "alpha too")])
        await uow.commit()
    assert [r.number for r in stored] == [2, 3]
    assert await found(world, "alpha") == ["Alpha worksheet", "Gamma"]  # the title match first
    async with world.app.uow() as uow:
        await uow.resources.save(replace(first, title="Delta worksheet", text="about rest"))
        await uow.resources.save(replace(stored[0], status=Status.RETIRED))
        await uow.commit()
    assert await found(world, "alpha") == ["Gamma"]
    assert await found(world, "breathing") == []
    assert await found(world, "delta") == ["Delta worksheet"]
    assert await found(world, "beta") == []
    assert await found(world, "beta", unvetted=True) == ["Beta guide"]
    async with world.app.uow() as uow:
        await uow.resources.save(replace(first, title="Never stored"))
        # Rolled back: neither the row nor its index entry changes.
    assert await found(world, "never") == [] and await found(world, "delta") == ["Delta worksheet"]
    async with world.app.uow() as uow:
        assert (await uow.resources.titles(1, terms("del", prefix=True)))[0].title == "Delta worksheet"
    if engine.dialect.name == "sqlite":
        async with engine.begin() as connection:
            for table in ("resources_fts", "resources_title_fts"):
                await connection.execute(text(f"INSERT INTO {table}({table}, rank) VALUES ('integrity-check', 1)"))
            await connection.execute(text("DELETE FROM resources"))
            for table in ("resources_fts", "resources_title_fts"):
                await connection.execute(text(f"INSERT INTO {table}({table}, rank) VALUES ('integrity-check', 1)"))
