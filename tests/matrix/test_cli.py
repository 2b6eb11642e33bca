"""`carpool run` with Matrix credentials, as an operator starts it: a real process that logs in
with a password once, keeps its device across restarts, and never logs secrets."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import pytest

from tests.matrix.conftest import People
from tests.matrix.people import Member
from tests.matrix.process import ROOT, Process, bot_environment
from tests.matrix.synapse import Registered, Synapse

pytestmark = pytest.mark.slow


@pytest.fixture
def account(synapse: Synapse) -> Registered:
    return synapse.register("bot", password="correct horse battery staple")


@pytest.fixture
def env(synapse: Synapse, account: Registered, tmp_path: Path) -> dict[str, str]:
    return bot_environment(synapse, account, tmp_path)


async def answered(member: Member, room: str, bot: str, text: str) -> str:
    reply = await member.command(room, text, bot)
    return str(reply["body"])


async def test_carpool_run_logs_in_once_and_answers_across_restarts(
        synapse: Synapse, account: Registered, env: dict[str, str], people: People, tmp_path: Path) -> None:
    lena = await people("lena")
    first = Process(["run"], env, tmp_path / "run1.log")  # credentials set: Matrix, no --platform needed
    try:
        room = await lena.create_room(invite=(account.user_id,), users={account.user_id: 100})
        await lena.wait_for(lambda e: e.get("type") == "m.room.member" and e.get("state_key") == account.user_id
                            and e["content"].get("membership") == "join", "the bot to join", within=60)
        assert "community setup" in await answered(lena, room, account.user_id, "!cop help")
        assert "is set up here" in await answered(lena, room, account.user_id, '!cop community setup "Circle"')
    finally:
        assert first.stop() == 0, (tmp_path / "run1.log").read_text()[-2000:]
    devices = synapse.devices(account.user_id)
    assert len(devices) == 2  # the one registration made, and the bot's own login
    session = Path(env["CARPOOL_MATRIX__STORE_PATH"]) / "session.json"
    assert stat.S_IMODE(session.stat().st_mode) == 0o600

    second = Process(["run", "--platform", "matrix"], env, tmp_path / "run2.log")
    try:
        assert "Leaders: lena" in await answered(lena, room, account.user_id, "!cop community info")
    finally:
        assert second.stop() == 0
    assert synapse.devices(account.user_id) == devices  # no second login
    logs = (tmp_path / "run1.log").read_text() + (tmp_path / "run2.log").read_text()
    assert account.password not in logs and "syt_" not in logs
    assert "community setup" not in logs  # message text is never logged


@pytest.mark.parametrize(("variable", "value", "message"), [
    ("CARPOOL_MATRIX__PASSWORD", "wrong password", "carpool: Matrix login as @bot-"),
    ("CARPOOL_MATRIX__HOMESERVER", "http://127.0.0.1:1", "carpool: cannot reach the Matrix homeserver"),
])
def test_a_login_that_cannot_work_ends_start_up_with_one_clear_line(env: dict[str, str], tmp_path: Path,
                                                                     variable: str, value: str,
                                                                     message: str) -> None:
    env[variable] = value
    result = subprocess.run([sys.executable, "-m", "bots.cli", "run", "--platform", "matrix"], env=env, cwd=ROOT,
                            capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert result.returncode == 2, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith(message), result.stderr
    assert "wrong password" not in result.stderr
