"""Migration 0004: communities that existed before votes get their daily responsiveness check."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, text

from storage.community import CommunityRow
from storage.engine import make_engine
from storage.migrate import upgrade
from tests import databases
from tests.fakes import FakeClock, FakePlatform
from tests.world import World


async def check_backfill(url: str) -> None:
    engine = make_engine(url)
    try:
        await upgrade(engine, "0002")
        async with engine.begin() as connection:
            await connection.execute(insert(CommunityRow).values(
                name="Old Circle", name_key="old circle", domain="", charter="", created_at=datetime.now(UTC),
                rules_version=1, settings={}))
        await upgrade(engine)
        async with engine.connect() as connection:
            rows = (await connection.execute(text("SELECT kind, subject, state FROM timers"))).all()
        assert [tuple(r) for r in rows] == [("vote.check", "community:1", "pending")]
        # The backfilled row is a real timer: it fires, and the check re-arms itself for tomorrow.
        clock = FakeClock(datetime.now(UTC) + timedelta(minutes=1))
        world = World.create(engine, clock, [FakePlatform()])
        assert await world.sweep() == 1
        async with engine.connect() as connection:
            state = (await connection.execute(text("SELECT state FROM timers WHERE kind = 'vote.check'"))).scalar()
        assert state == "pending"
    finally:
        await engine.dispose()


async def test_existing_communities_get_the_check_on_sqlite(tmp_path) -> None:  # type: ignore[no-untyped-def]
    await check_backfill(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")


async def test_existing_communities_get_the_check_on_postgres(postgres_database: str) -> None:
    name = await databases.create_pg_database_async()
    try:
        await check_backfill(databases.pg_url(name))
    finally:
        await databases.drop_pg_database_async(name)
