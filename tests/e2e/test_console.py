"""The console platform as a newcomer uses it: `carpool run` in a terminal, driven through a pipe."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def carpool(args: list[str], stdin: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bots.cli", *args], input=stdin, env=env, cwd=cwd,
                          capture_output=True, text=True, timeout=120)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CARPOOL_")}
    clean["CARPOOL_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'carpool.db'}"
    clean["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    return clean


SESSION_ONE = """\
/as lena --admin
!cop community setup "Long COVID Circle" "living with long COVID"
!cop rules add Be kind and cite sources
/as sam
!cop join
!cop join accept
!cop community info
/quit
"""


def test_two_identities_set_up_a_community_and_it_survives_a_restart(env: dict[str, str],
                                                                       tmp_path: Path) -> None:
    first = carpool(["run", "--platform", "console"], SESSION_ONE, env, tmp_path)
    assert first.returncode == 0, first.stderr
    out = first.stdout
    assert "Long COVID Circle is set up here, and you are its first leader." in out
    assert "[roles] lena is now leader of Long COVID Circle" in out  # delivered through the outbox
    assert "1. Be kind and cite sources" in out
    assert "Accept the rules and join: type `!cop join accept`" in out
    assert "Welcome to Long COVID Circle!" in out
    assert "Leaders: lena\nMembers: 2" in out
    assert "Be kind and cite sources" not in first.stderr  # message text is never logged

    second = carpool(["run", "--platform", "console"], "/as sam\n!cop community info\n!cop rules\n", env,
                     tmp_path)
    assert second.returncode == 0, second.stderr
    assert "Leaders: lena\nMembers: 2" in second.stdout
    assert "1. Be kind and cite sources" in second.stdout
    assert "[roles]" not in second.stdout  # nothing delivered twice


def test_no_credentials_means_the_console(env: dict[str, str], tmp_path: Path) -> None:
    result = carpool(["run"], "!cop help\n", env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "community setup" in result.stdout


@pytest.mark.parametrize(("url", "message"), [
    ("not a url", "CARPOOL_DATABASE_URL"),
    ("mysql://root@localhost/x", "driver 'mysql' is not supported"),
    ("postgresql+asyncpg://nobody@127.0.0.1:1/none", "cannot reach the database"),
])
def test_bad_database_settings_end_start_up_with_one_clear_line(env: dict[str, str], tmp_path: Path,
                                                                url: str, message: str) -> None:
    env["CARPOOL_DATABASE_URL"] = url
    result = carpool(["run", "--platform", "console"], "", env, tmp_path)
    assert result.returncode == 2
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("carpool: ") and message in lines[0]
    assert "Traceback" not in result.stderr


def test_db_upgrade_command(env: dict[str, str], tmp_path: Path) -> None:
    result = carpool(["db", "upgrade"], "", env, tmp_path)
    assert result.returncode == 0, result.stderr
    assert "database is up to date" in result.stdout
    assert (tmp_path / "carpool.db").exists()


QUESTION_SESSION = """\
/as lena --admin
!cop community setup "Pacing Circle"
/as sam
!cop join accept
!cop ask How do you pace yourself on work days?
/as lena
/thread 1
I plan rest before I am tired.
/thread
!cop questions all
/as sam
!cop solved 1
!cop leader stats
"""


def test_a_question_is_asked_answered_in_its_thread_and_solved(env: dict[str, str], tmp_path: Path) -> None:
    result = carpool(["run", "--platform", "console"], QUESTION_SESSION, env, tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Question #1 from @sam:\nHow do you pace yourself on work days?" in out
    assert "(its thread: /thread 1)" in out
    assert "In the thread of question #1" in out
    assert "#1 · answered" in out
    assert "Question #1 is solved." in out
    assert "[thread main:q1] marked solved" in out
    assert "1 asked, first response median 0 s" in out
    assert "I plan rest" not in result.stderr


def test_sigterm_stops_the_bot_cleanly_and_keeps_what_was_done(env: dict[str, str], tmp_path: Path) -> None:
    process = subprocess.Popen([sys.executable, "-m", "bots.cli", "run", "--platform", "console"],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env=env, cwd=tmp_path)
    assert process.stdin is not None and process.stdout is not None
    process.stdin.write("/as lena --admin\n!cop community setup Circle\n")
    process.stdin.flush()
    # Wait for the answer (the process stays up: stdin is still open), then stop it.
    for line in process.stdout:
        if "first leader" in line:
            break
    else:
        raise AssertionError(f"no answer: {process.stderr.read() if process.stderr else ''}")
    process.terminate()
    assert process.wait(timeout=60) == 0
    again = carpool(["run", "--platform", "console"], "!cop community info\n", env, tmp_path)
    assert "Circle" in again.stdout and "Leaders: lena" in again.stdout
