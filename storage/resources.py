"""Resources: the table, the search index kept in step with it, and the repository.

How search works on each engine is in `storage.resource_search`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sqlalchemy import (
    Executable,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    bindparam,
    column,
    event,
    func,
    insert,
    or_,
    select,
    text,
    update,
)
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.sql.selectable import TextualSelect

from core.resources.model import Hit, Kind, Resource, Status
from core.resources.query import Terms
from storage import resource_search as fts
from storage.base import Base
from storage.community import CommunityRow
from storage.db import Db
from storage.membership import PERSON_MERGERS
from storage.numbered import NumberedRepo, next_number
from storage.types import UTCDateTime


class ResourceRow(Base):
    __tablename__ = "resources"
    __table_args__ = (
        UniqueConstraint("community_id", "number"),
        # One entry per page and community; NULLs (text-only resources) do not clash.
        UniqueConstraint("community_id", "url"),
        UniqueConstraint("network_number"),
        Index("ix_resources_review", "community_id", "status", "review_due"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("communities.id", ondelete="CASCADE"))
    number: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(2000))
    body: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(12))
    # ",pacing,sleep,": a tag filter is one LIKE '%,pacing,%' on rows the index already found.
    tags: Mapped[str] = mapped_column(String(400))
    citation: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(10))
    submitted_by: Mapped[int | None] = mapped_column(ForeignKey("persons.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    vetted_by: Mapped[int | None] = mapped_column(Integer)
    vetter_label: Mapped[str] = mapped_column(String(60))
    vetted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_due: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retired_by: Mapped[int | None] = mapped_column(Integer)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retired_reason: Mapped[str] = mapped_column(String(300))
    network_number: Mapped[int | None] = mapped_column(Integer)
    shared_by: Mapped[int | None] = mapped_column(Integer)
    shared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    proposed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


_T = ResourceRow.__table__
_C = CommunityRow.__table__

# The search objects exist wherever the table does: create_all (tests, bench) makes them
# through these hooks, migration 0004 through the same statements.
def _create_search(target: Any, connection: Connection, **_: Any) -> None:
    statements = {"sqlite": fts.SQLITE_DDL, "postgresql": fts.PG_DDL}.get(connection.dialect.name, ())
    for statement in statements:
        connection.exec_driver_sql(statement)


def _drop_search(target: Any, connection: Connection, **_: Any) -> None:
    statements = {"sqlite": fts.SQLITE_DROP, "postgresql": fts.PG_DROP}.get(connection.dialect.name, ())
    for statement in statements:
        connection.exec_driver_sql(statement)


event.listen(_T, "after_create", _create_search)
event.listen(_T, "before_drop", _drop_search)

_COLUMNS = ("id", "community_id", "number", "title", "url", "body", "kind", "tags", "citation", "status",
            "submitted_by", "submitted_at", "vetted_by", "vetter_label", "vetted_at", "review_due", "retired_by",
            "retired_at", "retired_reason", "network_number", "shared_by", "shared_at", "proposed_at", "updated_at")
_MUTABLE = ("title", "url", "body", "kind", "tags", "citation", "status", "vetted_by", "vetter_label", "vetted_at",
            "review_due", "retired_by", "retired_at", "retired_reason", "proposed_at", "updated_at")
_SAVE = update(ResourceRow).where(ResourceRow.id == bindparam("rid")).values({c: bindparam(c) for c in _MUTABLE})
_SELECT = select(*(_T.c[c] for c in _COLUMNS))
_COLUMN_SQL = ", ".join(f"r.{c}" for c in _COLUMNS)
# Result columns of the hand-written search statements, typed so datetimes come back aware.
_TYPED = tuple(_T.c[c] for c in _COLUMNS)
_HIT_COLUMNS = (*_TYPED, column("community_name", String), column("snippet", String))


def tags_text(tags: Sequence[str]) -> str:
    return "," + ",".join(tags) + "," if tags else ""


def resource_from_row(row: Any) -> Resource:
    return Resource(
        row.id, row.community_id, row.number, row.title, row.url, row.body, Kind(row.kind),
        tuple(t for t in row.tags.split(",") if t), row.citation, Status(row.status), row.submitted_by,
        row.submitted_at, row.vetted_by, row.vetter_label, row.vetted_at, row.review_due, row.retired_by,
        row.retired_at, row.retired_reason, row.network_number, row.shared_by, row.shared_at, row.proposed_at,
        row.updated_at)


def _values(resource: Resource) -> dict[str, Any]:
    return {
        "community_id": resource.community_id, "title": resource.title, "url": resource.url, "body": resource.text,
        "kind": resource.kind.value, "tags": tags_text(resource.tags), "citation": resource.citation,
        "status": resource.status.value, "submitted_by": resource.submitted_by,
        "submitted_at": resource.submitted_at, "vetted_by": resource.vetted_by,
        "vetter_label": resource.vetter_label, "vetted_at": resource.vetted_at, "review_due": resource.review_due,
        "retired_by": resource.retired_by, "retired_at": resource.retired_at,
        "retired_reason": resource.retired_reason, "network_number": resource.network_number,
        "shared_by": resource.shared_by, "shared_at": resource.shared_at, "proposed_at": resource.proposed_at,
        "updated_at": resource.updated_at,
    }


def _mutable(resource: Resource) -> dict[str, Any]:
    values = _values(resource)
    result = {c: values[c] for c in _MUTABLE}
    result["rid"] = resource.id
    return result


def like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class SqlResourceRepo(NumberedRepo[Resource]):
    def __init__(self, db: Db) -> None:
        super().__init__(db, ResourceRow, _SELECT, resource_from_row)

    # -- writing ------------------------------------------------------------------------------
    async def add(self, resource: Resource) -> Resource:
        values = _values(resource)
        number = next_number(ResourceRow.number, ResourceRow.community_id == resource.community_id)
        row = (await self.db.execute(insert(ResourceRow).values(number=number, **values)
                                     .returning(ResourceRow.id, ResourceRow.number))).one()
        if self.db.dialect == "sqlite":
            for statement in fts.SQLITE_INDEX_ONE:
                await self.db.execute(text(statement), {"id": row.id})
        return replace(resource, id=row.id, number=row.number)

    async def add_many(self, resources: Sequence[Resource]) -> Sequence[Resource]:
        """Insert many resources of one community at once (imports); numbers follow on in order."""
        if not resources:
            return []
        community_ids = {r.community_id for r in resources}
        if len(community_ids) != 1:
            raise ValueError("add_many takes the resources of one community")
        (community_id,) = community_ids
        last = (await self.db.execute(select(func.coalesce(func.max(ResourceRow.number), 0))
                                      .where(ResourceRow.community_id == community_id))).scalar_one()
        after = (await self.db.execute(select(func.coalesce(func.max(ResourceRow.id), 0)))).scalar_one()
        rows = [{**_values(r), "number": last + index} for index, r in enumerate(resources, start=1)]
        await self.db.execute(insert(ResourceRow), rows)
        if self.db.dialect == "sqlite":
            # The writer holds SQLite's write lock: every id above `after` is one of ours.
            for statement in fts.SQLITE_INDEX_AFTER:
                await self.db.execute(text(statement), {"after": after})
        ids = (await self.db.execute(
            select(ResourceRow.number, ResourceRow.id).where(ResourceRow.community_id == community_id,
                                                             ResourceRow.number > last))).all()
        by_number = {row.number: row.id for row in ids}
        return [replace(r, id=by_number[last + index], number=last + index)
                for index, r in enumerate(resources, start=1)]

    async def save(self, resource: Resource) -> None:
        await self.db.execute(_SAVE, _mutable(resource))

    async def save_many(self, resources: Sequence[Resource]) -> None:
        if resources:
            await self.db.execute(_SAVE, [_mutable(r) for r in resources])

    async def share(self, resource_id: int, by: int | None, at: datetime) -> int:
        next_number = (select(func.coalesce(func.max(ResourceRow.network_number), 0) + 1)
                       .scalar_subquery())
        statement = (update(ResourceRow).where(ResourceRow.id == resource_id)
                     .values(network_number=next_number, shared_by=by, shared_at=at, updated_at=at)
                     .returning(ResourceRow.network_number))
        return int((await self.db.execute(statement)).scalar_one())

    # -- reading ------------------------------------------------------------------------------
    async def by_network_number(self, number: int) -> Resource | None:
        row = (await self.db.execute(_SELECT.where(ResourceRow.network_number == number))).first()
        return None if row is None else resource_from_row(row)

    async def by_urls(self, community_id: int, urls: Sequence[str]) -> dict[str, Resource]:
        if not urls:
            return {}
        query = _SELECT.where(ResourceRow.community_id == community_id, ResourceRow.url.in_(set(urls)))
        return {r.url: resource_from_row(r) for r in (await self.db.execute(query)).all()}

    async def by_titles(self, community_id: int, titles: Sequence[str]) -> dict[str, Resource]:
        """Link-less resources by exact title (an import updates them instead of adding twice)."""
        if not titles:
            return {}
        query = _SELECT.where(ResourceRow.community_id == community_id, ResourceRow.url.is_(None),
                              ResourceRow.title.in_(set(titles)))
        return {r.title: resource_from_row(r) for r in (await self.db.execute(query)).all()}

    async def due(self, community_id: int, before: datetime, limit: int = 25) -> Sequence[Resource]:
        query = _SELECT.where(ResourceRow.community_id == community_id, ResourceRow.status == Status.TRUSTED.value,
                              ResourceRow.review_due <= before).order_by(ResourceRow.review_due).limit(limit)
        return [resource_from_row(r) for r in (await self.db.execute(query)).all()]

    async def submitted(self, community_id: int, limit: int = 25) -> Sequence[Resource]:
        query = _SELECT.where(ResourceRow.community_id == community_id,
                              ResourceRow.status == Status.SUBMITTED.value).order_by(ResourceRow.number).limit(limit)
        return [resource_from_row(r) for r in (await self.db.execute(query)).all()]

    async def counts(self, community_id: int, due_before: datetime) -> tuple[int, int]:
        """(trusted resources due for review by `due_before`, submitted resources waiting to be vetted)."""
        query = select(
            func.count().filter(ResourceRow.status == Status.TRUSTED.value, ResourceRow.review_due <= due_before),
            func.count().filter(ResourceRow.status == Status.SUBMITTED.value),
        ).where(ResourceRow.community_id == community_id)
        due, submitted = (int(value) for value in (await self.db.execute(query)).one())
        return due, submitted

    async def page(self, community_id: int | None, after_id: int, limit: int) -> Sequence[Resource]:
        """Resources in id order after `after_id` (exports walk the table in pages)."""
        query = _SELECT.where(ResourceRow.id > after_id)
        if community_id is not None:
            query = query.where(ResourceRow.community_id == community_id)
        rows = (await self.db.execute(query.order_by(ResourceRow.id).limit(limit))).all()
        return [resource_from_row(r) for r in rows]

    async def recent(self, community_id: int, *, unvetted: bool = False, limit: int = 25) -> Sequence[Resource]:
        """The community's newest visible resources, then the network's (autocomplete before typing)."""
        visible = _visible(community_id, unvetted)
        own = ResourceRow.community_id == community_id
        query = _SELECT.where(visible).order_by(own.desc(), ResourceRow.id.desc()).limit(limit)
        return [resource_from_row(r) for r in (await self.db.execute(query)).all()]

    async def tags(self, community_id: int, limit: int = 5000) -> dict[str, int]:
        """How often each tag is used on the community's newest `limit` resources and the network's."""
        query = (select(ResourceRow.tags).where(_visible(community_id, True), ResourceRow.tags != "")
                 .order_by(ResourceRow.id.desc()).limit(limit))
        counts: dict[str, int] = {}
        for (tags,) in (await self.db.execute(query)).all():
            for tag in tags.split(","):
                if tag:
                    counts[tag] = counts.get(tag, 0) + 1
        return counts

    # -- searching ----------------------------------------------------------------------------
    async def search(self, community_id: int, terms: Terms, *, unvetted: bool = False, tag: str | None = None,
                     kind: Kind | None = None, limit: int = 10) -> Sequence[Hit]:
        statement, params = self.search_statement(community_id, terms, unvetted=unvetted, tag=tag, kind=kind,
                                                  limit=limit)
        rows = (await self.db.execute(statement, params)).all()
        return [Hit(resource_from_row(r), r.snippet or "", r.community_name) for r in rows]

    def search_statement(self, community_id: int, terms: Terms, *, unvetted: bool = False, tag: str | None = None,
                         kind: Kind | None = None, limit: int = 10) -> tuple[Executable, dict[str, Any]]:
        """The statement `search` runs, with its parameters (the bench runs it on the raw driver too)."""
        params: dict[str, Any] = {"cid": community_id, "limit": limit}
        filters = ""
        if kind is not None:
            filters += " AND r.kind = :kind"
            params["kind"] = kind.value
        if tag is not None:
            filters += " AND r.tags LIKE :tag ESCAPE '\\'"
            params["tag"] = f"%,{like_escape(tag)},%"
        if self.db.dialect == "sqlite":
            params["match"] = fts.fts_match(terms, fts.sqlite_scopes(community_id, unvetted))
            return _sqlite_search(filters, bool(terms)), params
        query, binds = fts.pg_tsquery(terms) if terms else ("", {})
        params.update(binds)
        return _pg_search(query, filters, unvetted), params

    async def titles(self, community_id: int, terms: Terms, *, unvetted: bool = False,
                     limit: int = 25) -> Sequence[Resource]:
        """Autocomplete: visible resources whose title or tags match `terms` (the last word a prefix)."""
        statement, params = self.titles_statement(community_id, terms, unvetted=unvetted, limit=limit)
        rows = (await self.db.execute(statement, params)).all()
        return [resource_from_row(r) for r in rows]

    def titles_statement(self, community_id: int, terms: Terms, *, unvetted: bool = False,
                         limit: int = 25) -> tuple[Executable, dict[str, Any]]:
        params: dict[str, Any] = {"cid": community_id, "limit": limit}
        if self.db.dialect == "sqlite":
            own, network = fts.sqlite_scopes(community_id, unvetted)
            params["own"] = fts.fts_match(terms, (own,), columns=fts.TITLE_COLUMNS)
            params["network"] = fts.fts_match(terms, (network,), columns=fts.TITLE_COLUMNS,
                                              exclude=f"xa{community_id}")
            return _SQLITE_TITLES, params
        query, binds = fts.pg_tsquery(terms)
        params.update(binds)
        return _pg_titles(query, unvetted), params


def _visible(community_id: int, unvetted: bool) -> Any:
    network = (ResourceRow.network_number.is_not(None)) & (ResourceRow.status == Status.TRUSTED.value)
    own = ResourceRow.community_id == community_id
    if not unvetted:
        own = own & (ResourceRow.status == Status.TRUSTED.value)
    return or_(own, network)


# -- statements, built once per shape -----------------------------------------------------------
_SQLITE_CACHE: dict[tuple[str, bool], TextualSelect] = {}
_PG_CACHE: dict[tuple[str, str, bool], TextualSelect] = {}


def _sqlite_search(filters: str, ranked: bool) -> TextualSelect:
    key = (filters, ranked)
    if key not in _SQLITE_CACHE:
        order = f"{fts.BM25}, r.id" if ranked else "r.id DESC"
        _SQLITE_CACHE[key] = text(
            f"SELECT {_COLUMN_SQL}, c.name AS community_name, {fts.SNIPPET} AS snippet "
            f"FROM {fts.FTS_TABLE} JOIN resources r ON r.id = {fts.FTS_TABLE}.rowid "
            "JOIN communities c ON c.id = r.community_id "
            f"WHERE {fts.FTS_TABLE} MATCH :match{filters} "
            f"ORDER BY r.community_id = :cid DESC, {order} LIMIT :limit").columns(*_HIT_COLUMNS)
    return _SQLITE_CACHE[key]


# Autocomplete answers on every keystroke, so it does not rank: the community's newest matches,
# then the network's. Each half reads the titles' index newest first and stops at the limit,
# where ranking would score every title that has a word starting with "e".
_SQLITE_TITLES = text(
    f"SELECT {_COLUMN_SQL} FROM ("
    f"SELECT * FROM (SELECT rowid AS id, 0 AS grp FROM {fts.TITLE_TABLE} WHERE {fts.TITLE_TABLE} MATCH :own "
    "ORDER BY rowid DESC LIMIT :limit) UNION ALL "
    f"SELECT * FROM (SELECT rowid AS id, 1 AS grp FROM {fts.TITLE_TABLE} WHERE {fts.TITLE_TABLE} MATCH :network "
    "ORDER BY rowid DESC LIMIT :limit)"
    ") h JOIN resources r ON r.id = h.id ORDER BY h.grp, h.id DESC LIMIT :limit"
).columns(*_TYPED)


def _pg_visible(unvetted: bool) -> str:
    if unvetted:
        return "(r.community_id = :cid OR (r.network_number IS NOT NULL AND r.status = 'trusted'))"
    return "r.status = 'trusted' AND (r.community_id = :cid OR r.network_number IS NOT NULL)"


def _pg_search(query: str, filters: str, unvetted: bool) -> TextualSelect:
    key = (query, filters, unvetted)
    if key not in _PG_CACHE:
        if query:
            # Rank in the inner query, excerpt only the rows shown: ts_headline re-parses the text.
            _PG_CACHE[key] = text(
                f"WITH q AS (SELECT {query} AS q), hits AS ("
                "SELECT r.id, r.community_id = :cid AS own, "
                f"ts_rank({fts.PG_WEIGHTS}, r.{fts.PG_COLUMN}, q.q) AS score "
                f"FROM resources r, q WHERE r.{fts.PG_COLUMN} @@ q.q AND {_pg_visible(unvetted)}{filters} "
                "ORDER BY own DESC, score DESC, r.id LIMIT :limit) "
                f"SELECT {_COLUMN_SQL}, c.name AS community_name, "
                f"ts_headline('english', r.body, q.q, {fts.PG_HEADLINE}) AS snippet "
                "FROM hits h JOIN resources r ON r.id = h.id JOIN communities c ON c.id = r.community_id, q "
                "ORDER BY h.own DESC, h.score DESC, r.id").columns(*_HIT_COLUMNS)
        else:
            _PG_CACHE[key] = text(
                f"SELECT {_COLUMN_SQL}, c.name AS community_name, left(r.body, 160) AS snippet "
                "FROM resources r JOIN communities c ON c.id = r.community_id "
                f"WHERE {_pg_visible(unvetted)}{filters} "
                "ORDER BY r.community_id = :cid DESC, r.id DESC LIMIT :limit").columns(*_HIT_COLUMNS)
    return _PG_CACHE[key]


def _pg_titles(query: str, unvetted: bool) -> TextualSelect:
    key = (query, "titles", unvetted)
    if key not in _PG_CACHE:
        _PG_CACHE[key] = text(
            f"WITH q AS (SELECT {query} AS q) "
            f"SELECT {_COLUMN_SQL} FROM resources r, q "
            f"WHERE r.{fts.PG_TITLE_COLUMN} @@ q.q AND {_pg_visible(unvetted)} "
            "ORDER BY r.community_id = :cid DESC, r.id DESC LIMIT :limit").columns(*_TYPED)
    return _PG_CACHE[key]


async def _merge(db: Db, keep: int, drop: int) -> None:
    for person in (ResourceRow.submitted_by, ResourceRow.vetted_by, ResourceRow.retired_by, ResourceRow.shared_by):
        await db.execute(update(ResourceRow).where(person == drop).values({person.key: keep}))


PERSON_MERGERS.append(_merge)
