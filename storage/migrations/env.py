"""Alembic environment: async engines, batch mode on SQLite, our naming convention.

Called two ways: from `storage.migrate` with an open connection in
`config.attributes["connection"]`, or from the `alembic` command line with a URL.
"""

from __future__ import annotations

import asyncio
import os

from alembic import context
from sqlalchemy.engine import Connection

import storage.tables  # noqa: F401  (registers every table on the metadata)
from storage.base import Base
from storage.engine import make_engine
from storage.resource_search import is_search_object

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        # Full-text search objects are made by dialect-specific DDL in the migrations.
        include_object=is_search_object,
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_with_url(url: str) -> None:
    engine = make_engine(url)
    async with engine.begin() as connection:
        await connection.run_sync(_run)
    await engine.dispose()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    url = config.get_main_option("sqlalchemy.url") or os.environ.get(
        "CARPOOL_DATABASE_URL", "sqlite+aiosqlite:///./carpool.db")
    asyncio.run(_run_with_url(url))
