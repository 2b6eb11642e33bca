"""Rows that users see by a short number per community (question #4, resource #12, vote #2):
the lookups every such repository needs, once."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, ScalarSelect, Select, func, select

from storage.db import Db

T = TypeVar("T")


def next_number(column: Any, *where: ColumnElement[bool]) -> ScalarSelect[Any]:
    """The next number in a sequence kept per community, as a subquery of the INSERT itself;
    two writers racing for it collide on the unique key and the command is retried."""
    return select(func.coalesce(func.max(column), 0) + 1).where(*where).scalar_subquery()


class NumberedRepo(Generic[T]):
    def __init__(self, db: Db, model: Any, rows: Select[Any], to_domain: Callable[[Any], T]) -> None:
        self.db = db
        self._model = model
        self._rows = rows
        self._to_domain = to_domain

    async def get(self, item_id: int) -> T | None:
        row = (await self.db.execute(self._rows.where(self._model.id == item_id))).first()
        return None if row is None else self._to_domain(row)

    async def many(self, item_ids: Sequence[int]) -> dict[int, T]:
        if not item_ids:
            return {}
        rows = (await self.db.execute(self._rows.where(self._model.id.in_(set(item_ids))))).all()
        return {r.id: self._to_domain(r) for r in rows}

    async def by_number(self, community_id: int, number: int) -> T | None:
        query = self._rows.where(self._model.community_id == community_id, self._model.number == number)
        row = (await self.db.execute(query)).first()
        return None if row is None else self._to_domain(row)
