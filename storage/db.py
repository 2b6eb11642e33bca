from __future__ import annotations

from collections.abc import Awaitable, Sequence
from typing import Any

from sqlalchemy import Executable, Result, Table, bindparam
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from core.errors import ConcurrentUpdate


def is_unique_violation(error: IntegrityError) -> bool:
    orig = error.orig
    return getattr(orig, "sqlstate", None) == "23505" or "UNIQUE constraint failed" in str(orig)


class Upsert:
    """A prepared INSERT … ON CONFLICT (keys) DO UPDATE, one statement on both engines.

    Built once per dialect with bind parameters: building statements per call cost more
    than running them on SQLite."""

    def __init__(self, table: Table, keys: Sequence[str], columns: Sequence[str]) -> None:
        self.table, self.keys, self.columns = table, list(keys), list(columns)
        self._built: dict[str, Executable] = {}

    def _statement(self, dialect: str) -> Executable:
        if dialect not in self._built:
            dialect_insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
            statement = dialect_insert(self.table).values({c: bindparam(c) for c in self.keys + self.columns})
            self._built[dialect] = statement.on_conflict_do_update(
                index_elements=self.keys, set_={c: statement.excluded[c] for c in self.columns})
        return self._built[dialect]

    def __call__(self, db: Db, values: dict[str, Any] | list[dict[str, Any]]) -> Awaitable[Result[Any]]:
        """One row, or many in one executemany."""
        return db.execute(self._statement(db.dialect), values)


class Db:
    """The session as repositories see it: statements only, and a lost race on a unique key
    becomes ConcurrentUpdate so the command bus can retry the whole command."""

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def execute(self, statement: Executable, params: Any = None) -> Result[Any]:
        # Core execution on the session's connection: repositories build plain statements
        # and map rows themselves, so the ORM's per-statement machinery is not needed.
        try:
            connection = await self.session.connection()
            return await connection.execute(statement, params)
        except IntegrityError as error:
            if is_unique_violation(error):
                raise ConcurrentUpdate(str(error.orig)[:200]) from error
            raise

    @property
    def dialect(self) -> str:
        return self.session.get_bind().dialect.name
