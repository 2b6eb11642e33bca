"""SQLite transactions end exactly when they should: the engine skips the rollback of a unit
of work that never began one (a read-only one), never the rollback of one that did."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy import text

from storage.engine import make_engine, make_sessionmaker
from storage.uow import SqlUnitOfWork
from tests.fakes import FakeClock


async def test_an_uncommitted_writer_leaves_nothing_and_frees_the_lock_at_once(tmp_path: Path) -> None:
    path = tmp_path / "t.db"
    engine = make_engine(f"sqlite+aiosqlite:///{path}")
    try:
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE t (v INTEGER)"))
        sessions = make_sessionmaker(engine)
        for _ in range(3):
            async with SqlUnitOfWork(sessions, FakeClock(), readonly=True) as reader:
                await reader.session.execute(text("SELECT count(*) FROM t"))
            async with SqlUnitOfWork(sessions, FakeClock()) as writer:
                await writer.session.execute(text("INSERT INTO t VALUES (1)"))
                # Left without commit: rolled back on the way out.
        other = sqlite3.connect(path, timeout=0)  # no waiting: a held write lock fails at once
        try:
            other.execute("BEGIN IMMEDIATE")
            assert other.execute("SELECT count(*) FROM t").fetchone() == (0,)
            other.rollback()
        finally:
            other.close()
        async with SqlUnitOfWork(sessions, FakeClock()) as writer:
            await writer.session.execute(text("INSERT INTO t VALUES (2)"))
            await writer.commit()
        async with SqlUnitOfWork(sessions, FakeClock(), readonly=True) as reader:
            assert (await reader.session.execute(text("SELECT v FROM t"))).all() == [(2,)]
    finally:
        await engine.dispose()
