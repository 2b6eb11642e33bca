"""Engines for both backends, with the SQLite settings a chat bot needs under load."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, Connection, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool

from storage import sqlite_driver

SUPPORTED_DRIVERS = ("sqlite+aiosqlite", "postgresql+asyncpg")

# Execution option telling the SQLite `begin` hook how to start a transaction.
BEGIN_MODE = "carpool_begin"


class DatabaseUrlError(ValueError):
    pass


def parse_url(text: str) -> URL:
    try:
        url = make_url(text)
    except ArgumentError:
        raise DatabaseUrlError("it is not a database URL (e.g. sqlite+aiosqlite:///./carpool.db)") from None
    if url.drivername not in SUPPORTED_DRIVERS:
        raise DatabaseUrlError(
            f"driver {url.drivername!r} is not supported; use one of {', '.join(SUPPORTED_DRIVERS)}"
        )
    return url


def make_engine(url: str | URL, **kwargs: Any) -> AsyncEngine:
    url = parse_url(url) if isinstance(url, str) else url
    if url.get_backend_name() == "sqlite":
        if url.database in (None, "", ":memory:"):
            kwargs.setdefault("poolclass", StaticPool)
        kwargs.setdefault("connect_args", {"timeout": 30})
        engine = create_async_engine(url, **kwargs)
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 10)
    kwargs.setdefault("pool_pre_ping", True)
    return create_async_engine(url, **kwargs)


def _configure_sqlite(engine: AsyncEngine) -> None:
    sqlite_driver.install()

    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, decide when transactions begin (see on_begin).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "busy_timeout=30000"):
            cursor.execute(f"PRAGMA {pragma}")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(conn: Connection) -> None:
        # Writers take the write lock up front: a deferred BEGIN that reads and then writes
        # fails with "database is locked" when another writer committed in between,
        # and busy_timeout cannot help it. Read-only units of work run in autocommit mode.
        mode = conn.get_execution_options().get(BEGIN_MODE, "IMMEDIATE")
        if mode != "NONE":
            conn.exec_driver_sql(f"BEGIN {mode}")


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
