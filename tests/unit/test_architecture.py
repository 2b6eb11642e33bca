"""core/ stays pure: no platform, ORM, scheduler or outer-layer imports."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

CORE = Path(__file__).resolve().parents[2] / "core"
FORBIDDEN = ("discord", "nio", "sqlalchemy", "alembic", "apscheduler", "asyncpg", "aiosqlite",
             "bots", "storage", "config", "typer", "simcord")


def imported_modules(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    names = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.append(node.module)
    return names


@pytest.mark.parametrize("path", sorted(CORE.rglob("*.py")), ids=lambda p: str(p.relative_to(CORE)))
def test_core_imports_nothing_from_the_outside(path: Path) -> None:
    bad = [m for m in imported_modules(path) if m.split(".")[0] in FORBIDDEN]
    assert bad == [], f"{path.name} imports {bad}"


def test_the_check_would_catch_a_forbidden_import(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("from sqlalchemy import select\nimport discord.ext\n")
    assert imported_modules(sample) == ["sqlalchemy", "discord.ext"]
