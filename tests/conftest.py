from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests import databases
from tests.fakes import FakeClock, FakePlatform
from tests.world import World

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database for this test run, with the schema; dropped at the end."""
    problem = databases.pg_available()
    if problem is not None:
        if IN_CI:
            pytest.fail(f"PostgreSQL at {databases.PG_HOST}:{databases.PG_PORT} is required in CI: {problem}")
        pytest.skip(f"PostgreSQL is not reachable, its tests were SKIPPED: {problem}")
    name = databases.create_pg_database()

    async def schema() -> None:
        engine = databases.make_engine(databases.pg_url(name))
        await databases.create_schema(engine)
        await engine.dispose()

    asyncio.run(schema())
    yield databases.pg_url(name)
    databases.drop_pg_database(name)


@pytest.fixture(params=["sqlite", "postgres"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
    return str(request.getfixturevalue("postgres_database"))


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    engine = databases.make_engine(db_url)
    if engine.dialect.name == "sqlite":
        await databases.create_schema(engine)
    else:
        await databases.reset_pg(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def platform() -> FakePlatform:
    return FakePlatform()


@pytest.fixture
def world(engine: AsyncEngine, clock: FakeClock, platform: FakePlatform) -> World:
    return World.create(engine, clock, [platform])


def pytest_report_header(config: pytest.Config) -> str:
    problem = databases.pg_available()
    where = f"{databases.PG_HOST}:{databases.PG_PORT}"
    if problem is None:
        return f"PostgreSQL: {where} reachable; storage tests run on SQLite and PostgreSQL"
    return f"PostgreSQL: {where} NOT reachable ({problem}); its tests will be skipped" + (
        " — and fail, since CI=true" if IN_CI else "")
