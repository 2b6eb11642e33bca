"""The migrations build exactly the schema the models describe, on both engines."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import text
from sqlalchemy.engine import Connection

import storage.tables  # noqa: F401
from storage.base import Base
from storage.engine import make_engine
from storage.migrate import upgrade
from storage.resource_search import is_search_object
from tests import databases


def diff(connection: Connection) -> list[object]:
    context = MigrationContext.configure(connection, opts={"compare_type": True, "include_object": is_search_object})
    return list(compare_metadata(context, Base.metadata))


async def check_migrations(url: str) -> None:
    engine = make_engine(url)
    try:
        await upgrade(engine)
        async with engine.connect() as connection:
            assert await connection.run_sync(diff) == []
            version = (await connection.execute(text("SELECT rules_version FROM network"))).scalar()
            assert version == 1
        await upgrade(engine)  # a second run is a no-op
    finally:
        await engine.dispose()


async def test_upgrade_on_an_empty_sqlite_database_matches_the_models(tmp_path) -> None:  # type: ignore[no-untyped-def]
    await check_migrations(f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}")


async def test_upgrade_on_an_empty_postgres_database_matches_the_models(postgres_database: str) -> None:
    name = await databases.create_pg_database_async()
    try:
        await check_migrations(databases.pg_url(name))
    finally:
        await databases.drop_pg_database_async(name)
