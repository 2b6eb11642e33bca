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
        _open(dbapi_connection, False)

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(conn: Connection) -> None:
        # Writers take the write lock up front: a deferred BEGIN that reads and then writes
        # fails with "database is locked" when another writer committed in between,
        # and busy_timeout cannot help it. Read-only units of work run in autocommit mode.
        mode = conn.get_execution_options().get(BEGIN_MODE, "IMMEDIATE")
        if mode != "NONE":
            _open(conn.connection.dbapi_connection, True)
            conn.exec_driver_sql(f"BEGIN {mode}")

    # A rollback or commit with no BEGIN behind it (a read-only unit of work, the pool's reset
    # after a commit) has nothing to end: skip it rather than pay a thread hand-off for it.
    dialect = engine.sync_engine.dialect
    rollback, commit = dialect.do_rollback, dialect.do_commit

    def do_rollback(dbapi_connection: Any) -> None:
        if _is_open(dbapi_connection):
            rollback(dbapi_connection)
            _open(dbapi_connection, False)

    def do_commit(dbapi_connection: Any) -> None:
        if _is_open(dbapi_connection):
            commit(dbapi_connection)
            _open(dbapi_connection, False)

    dialect.do_rollback = do_rollback  # type: ignore[method-assign]
    dialect.do_commit = do_commit  # type: ignore[method-assign]


_OPEN = "_carpool_transaction_open"


def _holder(connection: Any) -> Any:
    # The pool hands dialects a proxy (a "fairy") or SQLAlchemy's adapter, whose attributes
    # are slots; the flag lives on the aiosqlite connection beneath them.
    raw = getattr(connection, "dbapi_connection", connection)
    return getattr(raw, "_connection", raw)


def _open(connection: Any, value: bool) -> None:
    setattr(_holder(connection), _OPEN, value)


def _is_open(connection: Any) -> bool:
    # Unknown (a connection this hook has not seen): assume a transaction may be open.
    return bool(getattr(_holder(connection), _OPEN, True))


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False)
