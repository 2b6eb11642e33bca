"""Fixtures of the Matrix tests: one Synapse per test session (stopped at the end, also when
tests fail), a fresh bot account, database and store per test, and members on demand."""

from __future__ import annotations

import atexit
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.fakes import FakeClock
from tests.matrix.bot import Bot
from tests.matrix.people import Member
from tests.matrix.synapse import Synapse


@pytest.fixture(scope="session")
def synapse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Synapse]:
    server = Synapse(tmp_path_factory.mktemp("synapse"))
    # Also when pytest itself is interrupted: never leave a homeserver behind.
    atexit.register(server.stop)
    server.start()
    try:
        yield server
    finally:
        server.stop()


MakeBot = Callable[..., Awaitable[Bot]]


@pytest.fixture
async def make_bot(synapse: Synapse, tmp_path: Path, clock: FakeClock) -> AsyncIterator[MakeBot]:
    """Start a bot (own account, database and store); `dispatch=False` leaves the outbox to the test."""
    made: list[Bot] = []

    async def make(**options: Any) -> Bot:
        runner = Bot(synapse, synapse.register("bot"), tmp_path / f"bot{len(made)}", clock, **options)
        made.append(runner)
        return await runner.start()

    yield make
    for runner in made:
        await runner.stop()


@pytest.fixture
async def bot(make_bot: MakeBot) -> Bot:
    return await make_bot()


People = Callable[..., Awaitable[Member]]


@pytest.fixture
async def people(synapse: Synapse, tmp_path: Path) -> AsyncIterator[People]:
    made: list[Member] = []

    async def make(name: str = "member") -> Member:
        member = Member(synapse, synapse.register(name), tmp_path / "people" / f"{name}{len(made)}")
        made.append(member)
        return await member.start()

    yield make
    for member in made:
        await member.close()
