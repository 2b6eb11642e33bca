"""`carpool resources import|export`: bad rows are rejected with reasons, good ones stored and
indexed, an export imports back to the same entries; on both engines, and from the shell."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bots.resources_io import TransferError, export_rows, export_to, import_file, read_rows
from tests.fakes import FakeClock, FakePlatform
from tests.world import OTHER_ROOM, World

GOOD_AND_BAD = """\
title,url,text,kind,tags,source,status,review_due
Energy envelope worksheet,https://Example.org/envelope?utm_source=x,Plan within your envelope,tool,"pacing,sleep",\
Jason 2013,trusted,
Pacing guideline,https://example.org/guideline,,guideline,pacing,NICE NG206,trusted,2026-06-01
A story without a link,,I rest before I am tired,story,,,,
Trap,javascript:alert(1),,tool,,,,
,https://example.org/untitled,,other,,,,
Odd kind,https://example.org/odd,,poem,,,,
Same page again,https://example.org/envelope#top,,tool,,,,
Bad date,https://example.org/date,,article,,,trusted,next spring
Too many tags,https://example.org/tags,,tool,"a,b,c,d,e,f,g,h,i,j,k",,,
Nothing at all,,,other,,,,
Submitted one,https://example.org/submitted,Waiting for a leader,article,,,,
"""


async def setup(world: World) -> None:
    await world.community(members=["sam"])


def write(tmp_path: Path, name: str, content: str) -> Path:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    return path


async def test_an_import_stores_good_rows_and_says_why_bad_ones_were_rejected(world: World, tmp_path: Path,
                                                                               platform: FakePlatform,
                                                                               clock: FakeClock) -> None:
    await setup(world)
    rows = read_rows(write(tmp_path, "resources.csv", GOOD_AND_BAD))
    summary = await import_file(world.app, "pacing circle", rows)
    assert (summary.added, summary.updated, summary.unchanged) == (4, 0, 0)
    assert dict(summary.rejected) == {
        "line 5": "Only http and https links can be added; “javascript:” links are not allowed.",
        "line 6": "The title can't be empty.",
        "line 7": "kind must be one of: article, guideline, tool, story, experience, solution, recording, other.",
        "line 8": "same link as line 2.",
        "line 9": "review_due must be a date like 2027-03-01 (got “next spring”).",
        "line 10": "A resource can have at most 10 tags.",
        "line 11": "needs a link or some text.",
    }
    found = await world.ok("sam", "resource search envelope")
    assert "#1 Energy envelope worksheet · tool · pacing, sleep" in found.text
    assert "https://example.org/envelope" in found.text
    assert "Submitted one" not in (await world.ok("sam", "resource search waiting")).text
    shown = await world.ok("sam", "resource show 2")
    assert "Submitted by import" in shown.text and "Vetted by import (imported)" in shown.text
    assert "review due 2026-06-01" in shown.text
    # Trusted rows got their review timers: the guideline's date comes, the leader hears of it.
    await world.deliver()
    clock.advance(days=92)
    await world.sweep()
    [digest] = [e for e in platform.effects if getattr(e, "to", None) is not None]
    assert "Pacing guideline" in digest.text and "Energy envelope" not in digest.text


async def test_importing_again_updates_instead_of_adding_twice(world: World, tmp_path: Path) -> None:
    await setup(world)
    first = write(tmp_path, "a.json", json.dumps([
        {"title": "Energy envelope", "url": "https://example.org/e", "kind": "tool", "tags": ["pacing"]},
        {"title": "Story", "text": "I rest early", "kind": "story"},
    ]))
    assert (await import_file(world.app, "Pacing Circle", read_rows(first))).added == 2
    again = write(tmp_path, "b.json", json.dumps({"resources": [
        {"title": "Energy envelope worksheet", "url": "https://example.org/e?utm_medium=mail", "kind": "tool",
         "tags": ["pacing", "energy"], "status": "trusted"},
        {"title": "Story", "text": "I rest early", "kind": "story"},
        "not an object",
    ]}))
    summary = await import_file(world.app, "Pacing Circle", read_rows(again))
    assert (summary.added, summary.updated, summary.unchanged) == (0, 1, 1)
    assert summary.rejected == [("item 3", "The title can't be empty.")]
    found = await world.ok("sam", "resource search worksheet")
    assert "#1 Energy envelope worksheet · tool · pacing, energy" in found.text


async def test_an_export_imports_back_to_the_same_entries(world: World, tmp_path: Path) -> None:
    await setup(world)
    await world.ok("sam", 'resource add "Energy envelope" https://example.org/e kind:tool tags:pacing,sleep '
                          'source:"Jason et al. (2013)" Plan within, your envelope; "quoted" text\nwith a newline')
    await world.ok("lena", "resource vet 1 review-in:6mo")
    await world.ok("sam", 'resource add "Story" I rest early, always kind:story')
    await world.ok("sam", 'resource add "Old leaflet" https://example.org/old kind:article')
    await world.ok("lena", "resource retire 3 Out of date")
    await world.ok("bob", 'community setup "Long COVID Circle"', where=OTHER_ROOM, admin=True)
    for file_format in ("csv", "json"):
        out = io.StringIO()
        assert await export_to(world.app, "Pacing Circle", file_format, out) == 3
        path = write(tmp_path, f"export.{file_format}", out.getvalue())
        summary = await import_file(world.app, "Long COVID Circle", read_rows(path))
        assert (summary.added, summary.rejected) == (3 if file_format == "csv" else 0, [])
        if file_format == "json":
            assert summary.unchanged == 3  # the second import finds everything there already

    def content(rows: list[dict[str, str]]) -> list[tuple[str, ...]]:
        keep = ("title", "url", "text", "kind", "tags", "citation", "status", "review_due", "vetted_at",
                "retired_reason")
        return [tuple(row[k] for k in keep) for row in rows]

    original = await export_rows(world.app, "Pacing Circle")
    copied = await export_rows(world.app, "Long COVID Circle")
    assert content(copied) == content(original)
    assert [r["status"] for r in copied] == ["trusted", "submitted", "retired"]
    assert len(await export_rows(world.app, None)) == 6
    everything = io.StringIO()
    await export_to(world.app, None, "csv", everything)
    assert [row["community"] for row in csv.DictReader(io.StringIO(everything.getvalue()))] == \
        ["Pacing Circle"] * 3 + ["Long COVID Circle"] * 3


async def test_files_that_cannot_be_read_at_all_fail_with_one_line(world: World, tmp_path: Path) -> None:
    await setup(world)
    cases = {
        "missing.csv": (None, "there is no file"),
        "a.txt": ("title\nx\n", "give a .csv or .json file"),
        "bad.json": ("{not json", "the JSON file is malformed"),
        "obj.json": ('{"items": []}', "must hold a list of resources"),
        "noheader.csv": ("url,text\nhttps://example.org,x\n", "needs a header row with at least a `title` column"),
        "latin1.csv": (None, "is not UTF-8 text"),
    }
    for name, (content, message) in cases.items():
        path = tmp_path / name
        if content is not None:
            path.write_text(content, encoding="utf-8")
        elif name == "latin1.csv":
            path.write_bytes("title\nCaf\xe9\n".encode("latin-1"))
        with pytest.raises(TransferError, match=message):
            read_rows(path)
    with pytest.raises(TransferError, match="there is no community called 'Nowhere'"):
        await import_file(world.app, "Nowhere", [])


def carpool(args: list[str], env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bots.cli", *args], env=env, cwd=cwd, capture_output=True,
                          text=True, timeout=120)


@pytest.mark.slow
def test_the_command_line_imports_with_a_summary_and_exports(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CARPOOL_")}
    env["CARPOOL_DATABASE_URL"] = f"sqlite+aiosqlite:///{tmp_path / 'carpool.db'}"
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    setup_session = '/as lena --admin\n!cop community setup "Pacing Circle"\n'
    started = subprocess.run([sys.executable, "-m", "bots.cli", "run", "--platform", "console"], input=setup_session,
                             env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert started.returncode == 0, started.stderr
    path = write(tmp_path, "resources.csv", GOOD_AND_BAD)

    imported = carpool(["resources", "import", str(path), "--community", "Pacing Circle"], env, tmp_path)
    assert imported.returncode == 0, imported.stderr
    assert "11 row(s): 4 added, 0 updated, 0 unchanged, 7 rejected." in imported.stdout
    assert "rejected line 5: Only http and https links can be added" in imported.stdout
    assert "importing" in imported.stderr and "11/11" in imported.stderr  # the progress bar
    assert "Plan within your envelope" not in imported.stderr  # no resource text in logs

    exported = carpool(["resources", "export", "--format", "json"], env, tmp_path)
    assert exported.returncode == 0, exported.stderr
    titles = [r["title"] for r in json.loads(exported.stdout)["resources"]]
    assert titles == ["Energy envelope worksheet", "Pacing guideline", "A story without a link", "Submitted one"]

    missing = carpool(["resources", "import", str(path), "--community", "Nowhere"], env, tmp_path)
    assert missing.returncode == 2 and missing.stderr.strip() == "carpool: there is no community called 'Nowhere'"
    no_file = carpool(["resources", "import", str(tmp_path / "none.csv"), "-c", "Pacing Circle"], env, tmp_path)
    assert no_file.returncode == 2 and "there is no file" in no_file.stderr and "Traceback" not in no_file.stderr
