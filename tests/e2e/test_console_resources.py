"""The resource journey in the console, as a newcomer types it: add → vet → search finds it."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.test_console import carpool, env  # noqa: F401  (env is a fixture)

pytestmark = pytest.mark.slow

RESOURCE_SESSION = """\
/as lena --admin
!cop community setup "Pacing Circle"
/as ana
!cop join accept
/as lena
!cop role grant ana expert RN, pain clinic
/as sam
!cop join accept
{add}
!cop resource search envelope
!cop resource vet 1
/as ana
!cop resource vet 1
/as sam
!cop resource search envelope
!cop resource show 1
""".format(add='!cop resource add "Energy envelope worksheet" https://Example.org/envelope?utm_source=news '
                'kind:tool tags:pacing source:"Jason et al. (2013)" Plan a day within your energy envelope')


def test_a_member_adds_an_expert_vets_and_search_finds_it(env: dict[str, str], tmp_path: Path) -> None:  # noqa: F811
    result = carpool(["run", "--platform", "console"], RESOURCE_SESSION, env, tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "“Energy envelope worksheet” is resource #1." in out
    assert "No trusted resources match “envelope” in Pacing Circle or the network." in out
    assert "Only a leader or an expert of this community can do that." in out
    assert "#1 “Energy envelope worksheet” is now trusted, vetted by you (RN, pain clinic)." in out
    assert "#1 Energy envelope worksheet · tool · pacing\n   https://example.org/envelope" in out
    assert "Plan a day within your energy envelope" in out
    assert "Vetted by ana (RN, pain clinic) on" in out
    assert "Source: Jason et al. (2013)" in out
    assert "energy envelope" not in result.stderr.lower()  # resource text is never logged
