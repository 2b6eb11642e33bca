"""`carpool resources import|export`: files in and out, for the checks in core.resources.transfer.

Import reads CSV (a header row names the columns) or JSON (a list of objects, or an object
with a "resources" list), shows a progress bar on stderr while the rows are stored in
batches, and prints a summary: rows added, updated, unchanged and rejected with reasons.
Export writes CSV or JSON to a file or standard output.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from bots.bootstrap import App, bootstrap
from bots.runtime import open_database
from config.settings import Settings
from core.community.model import Community
from core.resources.transfer import EXPORT_FIELDS, ImportSummary, export_row, import_batch

BATCH = 500
SHOWN_REJECTIONS = 30
MAX_FILE_BYTES = 200 * 1024 * 1024


class TransferError(Exception):
    """The file or the request cannot be used at all; the message is one line for the operator."""


@dataclass(frozen=True, slots=True)
class RawRow:
    where: str
    values: Mapping[str, object]


def read_rows(path: Path, file_format: str | None = None) -> list[RawRow]:
    """Rows of a CSV or JSON file; the format comes from the name unless given."""
    if not path.is_file():
        raise TransferError(f"there is no file {path}")
    if path.stat().st_size > MAX_FILE_BYTES:
        raise TransferError(f"{path} is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB")
    chosen = (file_format or path.suffix.lstrip(".")).lower()
    if chosen not in ("csv", "json"):
        raise TransferError("give a .csv or .json file (or --format csv|json)")
    try:
        content = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise TransferError(f"{path} is not UTF-8 text") from None
    return _read_csv(content) if chosen == "csv" else _read_json(content)


def _read_csv(content: str) -> list[RawRow]:
    reader = csv.DictReader(io.StringIO(content, newline=""))
    try:
        if not reader.fieldnames or not any((name or "").strip().lower() in ("title", "name")
                                            for name in reader.fieldnames):
            raise TransferError("the CSV file needs a header row with at least a `title` column")
        rows = []
        for record in reader:
            values = {k: v for k, v in record.items() if isinstance(k, str)}
            rows.append(RawRow(f"line {reader.line_num}", values))
        return rows
    except csv.Error as error:
        raise TransferError(f"the CSV file is malformed near line {reader.line_num}: {error}") from None


def _read_json(content: str) -> list[RawRow]:
    try:
        data = json.loads(content)
    except json.JSONDecodeError as error:
        raise TransferError(f"the JSON file is malformed: {error.msg} (line {error.lineno})") from None
    if isinstance(data, dict):
        data = data.get("resources")
    if not isinstance(data, list):
        raise TransferError("the JSON file must hold a list of resources (or {\"resources\": [...]})")
    rows = []
    for index, item in enumerate(data, start=1):
        rows.append(RawRow(f"item {index}", item if isinstance(item, dict) else {"title": None}))
    return rows


async def find_community(app: App, name: str) -> Community:
    async with app.uow(readonly=True) as uow:
        community = await uow.communities.by_name(name.strip())
    if community is None:
        raise TransferError(f"there is no community called {name.strip()[:80]!r}")
    return community


async def import_file(app: App, community_name: str, rows: list[RawRow],
                      advance: Callable[[int], None] | None = None) -> ImportSummary:
    community = await find_community(app, community_name)
    summary = ImportSummary()
    seen: dict[str, str] = {}
    for start in range(0, len(rows), BATCH):
        batch = rows[start:start + BATCH]
        async with app.uow() as uow:
            done = await import_batch(uow, community, [(r.where, r.values) for r in batch], app.clock.now(), seen)
            await uow.commit()
        app.committed(uow)
        summary.merge(done)
        if advance is not None:
            advance(len(batch))
    return summary


def describe(summary: ImportSummary, total: int) -> str:
    lines = [f"{total} row(s): {summary.added} added, {summary.updated} updated, {summary.unchanged} unchanged, "
             f"{len(summary.rejected)} rejected."]
    for where, reason in summary.rejected[:SHOWN_REJECTIONS]:
        lines.append(f"  rejected {where}: {reason}")
    if len(summary.rejected) > SHOWN_REJECTIONS:
        lines.append(f"  … and {len(summary.rejected) - SHOWN_REJECTIONS} more rejected row(s).")
    return "\n".join(lines)


async def export_rows(app: App, community_name: str | None) -> list[dict[str, str]]:
    """Every resource (of one community, or all), in id order, as export rows."""
    community = await find_community(app, community_name) if community_name else None
    async with app.uow(readonly=True) as uow:
        names = {c.id: c.name for c in await uow.communities.all()}
        rows: list[dict[str, str]] = []
        after = 0
        while True:
            page = await uow.resources.page(community.id if community else None, after, 1000)
            if not page:
                break
            rows += [export_row(r, names.get(r.community_id, "")) for r in page]
            after = page[-1].id
    return rows


async def export_to(app: App, community_name: str | None, file_format: str, out: TextIO) -> int:
    rows = await export_rows(app, community_name)
    if file_format == "json":
        json.dump({"resources": rows}, out, ensure_ascii=False, indent=1)
        out.write("\n")
    else:
        writer = csv.DictWriter(out, fieldnames=list(EXPORT_FIELDS), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return len(rows)


# -- what the command line runs ---------------------------------------------------------------

async def run_import(settings: Settings, community_name: str, path: Path, file_format: str | None) -> ImportSummary:
    rows = read_rows(path, file_format)  # a bad file fails before the database is touched
    engine = await open_database(settings)
    try:
        app = bootstrap(settings, engine=engine)
        await find_community(app, community_name)
        console = Console(stderr=True)
        with Progress(TextColumn("importing"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                      console=console) as progress:
            task = progress.add_task("import", total=len(rows))
            summary = await import_file(app, community_name, rows, lambda n: progress.advance(task, n))
        sys.stdout.write(describe(summary, len(rows)) + "\n")
        return summary
    finally:
        await engine.dispose()


async def run_export(settings: Settings, community_name: str | None, file_format: str, output: Path | None) -> int:
    engine = await open_database(settings)
    try:
        app = bootstrap(settings, engine=engine)
        if output is None:
            return await export_to(app, community_name, file_format, sys.stdout)
        with output.open("w", encoding="utf-8", newline="") as out:
            return await export_to(app, community_name, file_format, out)
    finally:
        await engine.dispose()
