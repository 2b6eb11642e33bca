"""`carpool run` and `carpool discord sync` as an operator uses them, as separate processes
talking to the loopback fake of Discord over real HTTP and WebSocket connections."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.discord.wire import GUILD_ID, FakeDiscord, user

pytestmark = pytest.mark.slow
WAIT = 60.0


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    discord_fake = FakeDiscord()
    await discord_fake.start()
    yield discord_fake
    await discord_fake.stop()


@pytest.fixture
def env(tmp_path: Path, fake: FakeDiscord) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CARPOOL_")}
    clean.update({
        "CARPOOL_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'carpool.db'}",
        "CARPOOL_DISCORD__TOKEN": fake.token,
        "CARPOOL_DISCORD__API_BASE": fake.api_base,
        "CARPOOL_DISCORD__GATEWAY": fake.gateway_url,
        "PYTHONPATH": str(Path(__file__).resolve().parents[2]),
    })
    return clean


async def carpool(*args: str, env: dict[str, str], cwd: Path) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(sys.executable, "-m", "bots.cli", *args, env=env, cwd=cwd,
                                                stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)


async def finished(process: asyncio.subprocess.Process) -> tuple[int, str, str]:
    out, err = await asyncio.wait_for(process.communicate(), WAIT)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_discord_sync_registers_the_commands_for_one_server(fake: FakeDiscord, env: dict[str, str],
                                                                 tmp_path: Path) -> None:
    code, out, err = await finished(await carpool("discord", "sync", "--guild", str(GUILD_ID), env=env,
                                                  cwd=tmp_path))
    assert code == 0, err
    assert f"slash commands synced to server {GUILD_ID}" in out
    [put] = [r for r in fake.requests if r.method == "PUT"]
    assert put.path.endswith(f"/guilds/{GUILD_ID}/commands")
    assert {"community", "rules", "join"} <= {c["name"] for c in put.body}
    assert fake.token not in err and fake.token not in out


async def test_carpool_run_with_a_token_runs_discord_and_answers(fake: FakeDiscord, env: dict[str, str],
                                                                 tmp_path: Path) -> None:
    process = await carpool("run", env=env, cwd=tmp_path)  # no --platform: the token picks Discord
    try:
        await asyncio.wait_for(fake.identify.wait(), WAIT)
        await fake.dispatch("INTERACTION_CREATE", fake.interaction(
            user(800_000_000_000_000_001, "lena"), admin=True, name="help", options=[]))
        answer = await asyncio.wait_for(fake.answers.get(), WAIT)
        assert answer["content"].startswith("Commands")
        assert "`/community setup`" in answer["content"]
    finally:
        process.send_signal(signal.SIGINT)
        code, _, err = await finished(process)
    assert code == 0, err
    assert fake.token not in err


async def test_a_refused_token_ends_start_up_with_one_clear_line(fake: FakeDiscord, env: dict[str, str],
                                                                 tmp_path: Path) -> None:
    env["CARPOOL_DISCORD__TOKEN"] = "not-the-token"
    code, _, err = await finished(await carpool("run", "--platform", "discord", env=env, cwd=tmp_path))
    assert code == 2
    assert "carpool: discord: the token was refused" in err
    assert "not-the-token" not in err and "Traceback" not in err


async def test_discord_without_a_token_is_a_clear_error(env: dict[str, str], tmp_path: Path) -> None:
    del env["CARPOOL_DISCORD__TOKEN"]
    code, _, err = await finished(await carpool("run", "--platform", "discord", env=env, cwd=tmp_path))
    assert code == 2 and "CARPOOL_DISCORD__TOKEN is not set" in err


async def test_discord_out_of_reach_is_a_clear_error(env: dict[str, str], tmp_path: Path) -> None:
    env["CARPOOL_DISCORD__API_BASE"] = "http://127.0.0.1:9/api/v10"  # nothing listens there
    code, _, err = await finished(await carpool("run", "--platform", "discord", env=env, cwd=tmp_path))
    assert code == 2 and "carpool: discord: cannot reach Discord" in err and "Traceback" not in err
