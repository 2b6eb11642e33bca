"""Discord tests: the real client (discord.py's parsing, command tree, views) on SimCord's
simulated Discord, with the real command bus and storage behind it and a fake clock."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bots.discord.bridge import Bridge
from bots.discord.client import CarpoolClient, make_client
from bots.discord.platform import DiscordPlatform
from bots.discord.sync import CommandSync
from tests.fakes import FakeClock
from tests.world import World


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "postgres_too: a Discord test that also runs on PostgreSQL")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # The adapter is the subject here and storage runs on both engines in tests/storage and
    # tests/service: Discord tests use SQLite, and those marked `postgres_too` PostgreSQL too.
    if "db_url" in metafunc.fixturenames:
        both = metafunc.definition.get_closest_marker("postgres_too") is not None
        metafunc.parametrize("db_url", ["sqlite", "postgres"] if both else ["sqlite"], indirect=True)


@pytest.fixture
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'test.db'}"
    return str(request.getfixturevalue("postgres_database"))


@pytest.fixture
def world(engine: AsyncEngine, clock: FakeClock) -> World:
    return World.create(engine, clock, [])


def new_client(world: World) -> CarpoolClient:
    client = make_client(Bridge(world.app.bus, world.app.uow, ingest=world.app.ingest.submit),
                         startup_sync=CommandSync(world.app.uow, world.clock).at_start)
    assert isinstance(client, CarpoolClient)
    world.app.attach([DiscordPlatform(client)])
    return client


@pytest.fixture
def simcord_bot(world: World) -> CarpoolClient:
    return new_client(world)
