"""Test databases: a SQLite file per test, and one fresh PostgreSQL database per test run.

The same storage and service tests run on both (the `engine` fixture is parametrised).
PostgreSQL at 127.0.0.1:5432 is required in CI (`CI=true`); locally, if it is not there,
its tests are skipped with a message saying so.
"""

from __future__ import annotations

import asyncio
import os
import uuid

import asyncpg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

import storage.tables  # noqa: F401
from storage.base import Base
from storage.engine import make_engine

PG_HOST = os.environ.get("CARPOOL_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("CARPOOL_TEST_PG_PORT", "5432"))
PG_USER = os.environ.get("CARPOOL_TEST_PG_USER", "postgres")
PG_ADMIN_DB = os.environ.get("CARPOOL_TEST_PG_ADMIN_DB", "postgres")


def pg_url(database: str) -> str:
    return f"postgresql+asyncpg://{PG_USER}@{PG_HOST}:{PG_PORT}/{database}"


async def _admin(statement: str) -> None:
    connection = await asyncpg.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, database=PG_ADMIN_DB,
                                       timeout=5)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def create_pg_database_async() -> str:
    name = f"carpool_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    await _admin(f'CREATE DATABASE "{name}"')
    return name


async def drop_pg_database_async(name: str) -> None:
    await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def create_pg_database() -> str:
    return asyncio.run(create_pg_database_async())


def drop_pg_database(name: str) -> None:
    asyncio.run(drop_pg_database_async(name))


async def pg_available_async() -> str | None:
    """None if PostgreSQL answers, else the reason."""
    try:
        await _admin("SELECT 1")
    except Exception as error:
        return f"{type(error).__name__}: {error}"
    return None


def pg_available() -> str | None:
    return asyncio.run(pg_available_async())


async def create_schema(engine: AsyncEngine) -> None:
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
        await connection.execute(text("INSERT INTO network (id, rules_version) VALUES (1, 1)"))


async def reset_pg(engine: AsyncEngine) -> None:
    tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
    async with engine.begin() as connection:
        await connection.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        await connection.execute(text("INSERT INTO network (id, rules_version) VALUES (1, 1)"))


def sqlite_engine(path: str) -> AsyncEngine:
    return make_engine(f"sqlite+aiosqlite:///{path}")
