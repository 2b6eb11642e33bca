"""A recall from petition to result, typed into `carpool run --platform console` through a pipe."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.e2e.test_console import carpool, env  # noqa: F401  (the fixture)

pytestmark = pytest.mark.slow

# Real time runs here: the community lets new members vote at once, and a petition needs one
# co-signer. Once everyone on the roll has voted, the ballot closes without waiting.
RECALL = """\
/as lena --admin
!cop community setup "Pacing Circle"
!cop community config vote_member_days 0
!cop community config petition_min 1
/as sam
!cop join accept
/as ana
!cop join accept
/as bo
!cop join accept
/as sam
!cop vote recall lena Has not answered for a month
/as ana
!cop vote cosign 1
!cop vote ballot 1
!cop vote cast 1 recall
/as bo
!cop vote cast 1 recall
!cop vote cast 1 keep
/as sam
!cop vote status
!cop vote cast 1 recall
/as lena
!cop vote cast 1 keep
!cop community info
"""


def test_a_recall_from_petition_to_result(env: dict[str, str], tmp_path: Path) -> None:  # noqa: F811
    result = carpool(["run", "--platform", "console"], RECALL, env, tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Your recall petition #1 is open. It needs 1 co-signer besides you" in out
    assert "[#main] Recall petition #1: a member asks for a vote on whether @lena should continue" in out
    assert "→ Co-sign: type `!cop vote cosign 1 in:1`" in out
    assert "[DM to lena] A member of Pacing Circle started recall petition #1" in out
    assert "[#main] Secret ballot — recall #1: should @lena continue as leader?" in out
    assert "→ Get my ballot: type `!cop vote ballot 1 in:1`" in out
    assert "→ Recall lena: type `!cop vote cast 1 recall in:1`" in out
    assert "You have already voted in recall #1" in out
    assert "turnout so far 2 of 4 (50%)" in out
    receipts = dict(zip(("ana", "bo", "sam", "lena"), re.findall(r"Your receipt code: `([A-Z0-9-]{11})`", out),
                        strict=True))
    assert "Result of recall #1 — should @lena continue as leader?\nRecall: 3 · Keep: 1." in out
    assert "@lena is recalled: 75% voted for recall (threshold 60%). lena is no longer a leader" in out
    for who, choice in (("ana", "recall"), ("bo", "recall"), ("sam", "recall"), ("lena", "keep")):
        assert f"`{receipts[who]}` {choice}" in out
    assert "[roles] lena is no longer leader of Pacing Circle" in out
    assert "[#main] Election #2: nominations are open for 1 leader seat" in out
    assert "Leaders: none (members can elect one)" in out
    assert "Has not answered" not in result.stderr  # message text is never logged
    assert not any(code in result.stderr for code in receipts.values())

    again = carpool(["run", "--platform", "console"], "/as ana\n!cop vote status\n", env, tmp_path)
    assert again.returncode == 0, again.stderr
    assert "Recall #1 (" in again.stdout and "lena recalled (3 recall, 1 keep, 100% turnout)" in again.stdout
    assert "[roles]" not in again.stdout  # nothing delivered twice
