"""Full-text search over resources, one interface on two engines.

SQLite — FTS5 tables over an external content view (`resources_fts_content`), so the text
is stored once, in `resources`:
- `resources_fts` (title, body, tags, citation, scope) for `resource search`;
- `resources_title_fts` (title, tags, scope) for autocomplete: prefix searches on titles
  alone would otherwise merge the term lists of every body word with that prefix.
`scope` holds tokens computed from the row that say who may see it (`xa<community>` for any
status, `xt<c>`/`xs<c>`/`xr<c>` by status, `xn0` when trusted and network-wide). Visibility is
then part of the full-text query (`scope : (xt7 OR xn0)`), so the engine intersects term
lists inside the index instead of ranking every match in the network and dropping most: a
common word costs a community's share of the matches, not the whole network's. bm25 weighs
the title 10×, tags 4×, citation 2× the body, and the scope not at all. Porter stemming (so
"migraines" finds "migraine"); prefix indexes for 2–3 letters, and 1–6 on the titles (whose
index is small), so autocomplete never merges the term lists of a whole prefix range.
Updates and deletes re-index through triggers that know the old values; inserts are indexed
by the repository right after inserting (`SQLITE_INDEX_AFTER`), in the same transaction — one
INSERT … SELECT for a whole batch, about twice as fast as a per-row trigger on a bulk import.

PostgreSQL — stored generated `tsvector` columns (`english` configuration): `search` (title
weight A, tags B, citation C, body D) and `title_search` (title A, tags B), each with a GIN
index; they change with the row in the same statement. Visibility is plain WHERE clauses the
planner combines with the GIN index (BitmapAnd). Ranking with `ts_rank` and the weights
{D 0.05, C 0.2, B 0.4, A 1.0}; `ts_headline` only for the rows shown.

Both build the query from `core.resources.query.Terms`: words made of letters and digits,
each quoted as a plain term (FTS5 `"word"`; PostgreSQL `plainto_tsquery` and, for a prefix,
`to_tsquery(quote_literal(word) || ':*')`), never the user's text as query syntax.

These objects are made by DDL, not by the models, so Alembic's comparison ignores them
(`is_search_object`); migration 0004 creates them on both engines.
"""

from __future__ import annotations

from typing import Any

from core.resources.query import Terms

FTS_TABLE = "resources_fts"
TITLE_TABLE = "resources_title_fts"
FTS_VIEW = "resources_fts_content"
PG_COLUMN = "search"
PG_TITLE_COLUMN = "title_search"
PG_INDEX = "ix_resources_search"
PG_TITLE_INDEX = "ix_resources_title_search"

# Column weights for bm25: title, body, tags, citation, scope; on the titles: title, tags, scope.
BM25 = "bm25(resources_fts, 10.0, 1.0, 4.0, 2.0, 0.0)"
TEXT_COLUMNS = "{title body tags citation}"
TITLE_COLUMNS = "{title tags}"
SNIPPET = "snippet(resources_fts, 1, '**', '**', '…', 16)"

PG_WEIGHTS = "'{0.05, 0.2, 0.4, 1.0}'"
PG_HEADLINE = "'StartSel=**, StopSel=**, MaxWords=18, MinWords=8, ShortWord=2, MaxFragments=1'"


def scope_sql(row: str = "") -> str:
    """The scope tokens of a row, as SQL over `row.`-prefixed columns (view and triggers alike)."""
    return (f"'xa' || {row}community_id || ' x' || substr({row}status, 1, 1) || {row}community_id || "
            f"CASE WHEN {row}network_number IS NOT NULL AND {row}status = 'trusted' THEN ' xn0' ELSE '' END")


_TOKENIZE = "tokenize='porter unicode61 remove_diacritics 2'"
_FTS_VALUES = "title, body, tags, citation, scope"
_TITLE_VALUES = "title, tags, scope"
_CHANGED = " OR ".join(f"old.{c} IS NOT new.{c}" for c in
                       ("title", "body", "tags", "citation", "status", "community_id", "network_number"))


def _delete_old() -> str:
    return (f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, {_FTS_VALUES}) VALUES ('delete', old.id, old.title, "
            f"old.body, old.tags, old.citation, {scope_sql('old.')}); "
            f"INSERT INTO {TITLE_TABLE}({TITLE_TABLE}, rowid, {_TITLE_VALUES}) VALUES ('delete', old.id, old.title, "
            f"old.tags, {scope_sql('old.')});")


def _insert_new() -> str:
    return (f"INSERT INTO {FTS_TABLE}(rowid, {_FTS_VALUES}) VALUES (new.id, new.title, new.body, new.tags, "
            f"new.citation, {scope_sql('new.')}); "
            f"INSERT INTO {TITLE_TABLE}(rowid, {_TITLE_VALUES}) VALUES (new.id, new.title, new.tags, "
            f"{scope_sql('new.')});")


SQLITE_DDL = (
    f"CREATE VIEW {FTS_VIEW} AS SELECT id, title, body, tags, citation, {scope_sql()} AS scope FROM resources",
    f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5({_FTS_VALUES}, content='{FTS_VIEW}', content_rowid='id', "
    f"{_TOKENIZE}, prefix='2 3')",
    f"CREATE VIRTUAL TABLE {TITLE_TABLE} USING fts5({_TITLE_VALUES}, content='{FTS_VIEW}', content_rowid='id', "
    f"{_TOKENIZE}, prefix='1 2 3 4 5 6')",
    f"CREATE TRIGGER resources_fts_update AFTER UPDATE ON resources WHEN {_CHANGED} BEGIN "
    f"{_delete_old()} {_insert_new()} END",
    f"CREATE TRIGGER resources_fts_delete AFTER DELETE ON resources BEGIN {_delete_old()} END",
)
SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS resources_fts_delete",
    "DROP TRIGGER IF EXISTS resources_fts_update",
    f"DROP TABLE IF EXISTS {TITLE_TABLE}",
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
    f"DROP VIEW IF EXISTS {FTS_VIEW}",
)
PG_DDL = (
    f"ALTER TABLE resources ADD COLUMN {PG_COLUMN} tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', tags), 'B') || "
    "setweight(to_tsvector('english', citation), 'C') || setweight(to_tsvector('english', body), 'D')) STORED",
    f"ALTER TABLE resources ADD COLUMN {PG_TITLE_COLUMN} tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', tags), 'B')) STORED",
    f"CREATE INDEX {PG_INDEX} ON resources USING gin ({PG_COLUMN})",
    f"CREATE INDEX {PG_TITLE_INDEX} ON resources USING gin ({PG_TITLE_COLUMN})",
)
PG_DROP = (
    f"DROP INDEX IF EXISTS {PG_TITLE_INDEX}",
    f"DROP INDEX IF EXISTS {PG_INDEX}",
    f"ALTER TABLE resources DROP COLUMN IF EXISTS {PG_TITLE_COLUMN}",
    f"ALTER TABLE resources DROP COLUMN IF EXISTS {PG_COLUMN}",
)

# New rows (ids above :after, or one id) into the indexes; run in the inserting transaction.
SQLITE_INDEX_AFTER = (
    f"INSERT INTO {FTS_TABLE}(rowid, {_FTS_VALUES}) SELECT id, {_FTS_VALUES} FROM {FTS_VIEW} WHERE id > :after",
    f"INSERT INTO {TITLE_TABLE}(rowid, {_TITLE_VALUES}) SELECT id, {_TITLE_VALUES} FROM {FTS_VIEW} WHERE id > :after",
)
SQLITE_INDEX_ONE = (
    f"INSERT INTO {FTS_TABLE}(rowid, {_FTS_VALUES}) SELECT id, {_FTS_VALUES} FROM {FTS_VIEW} WHERE id = :id",
    f"INSERT INTO {TITLE_TABLE}(rowid, {_TITLE_VALUES}) SELECT id, {_TITLE_VALUES} FROM {FTS_VIEW} WHERE id = :id",
)


def is_search_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Alembic `include_object`: False for the search objects DDL makes (see the module doc)."""
    if name is None:
        return True
    if type_ == "table" and name.startswith((FTS_TABLE, TITLE_TABLE)):
        return False
    table = getattr(getattr(obj, "table", None), "name", "")
    if type_ == "column" and name in (PG_COLUMN, PG_TITLE_COLUMN) and table == "resources":
        return False
    return not (type_ == "index" and name in (PG_INDEX, PG_TITLE_INDEX))


# -- query text -------------------------------------------------------------------------------

def fts_phrase(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def fts_match(terms: Terms, scopes: tuple[str, ...], *, columns: str = TEXT_COLUMNS,
              exclude: str | None = None) -> str:
    """An FTS5 MATCH expression: the words, each a quoted phrase, within `columns`, and the scope
    (rows with any of `scopes`, and not `exclude`)."""
    scope = "scope : (" + " OR ".join(scopes) + ")"
    if exclude is not None:
        scope = f"({scope} NOT scope : {exclude})"
    if not terms:
        return scope
    phrases = [fts_phrase(w) for w in terms.words]
    if terms.prefix:
        phrases[-1] += "*"
    joined = (" OR " if terms.any else " ").join(phrases)
    return f"{columns} : ({joined}) AND {scope}"


def sqlite_scopes(community_id: int, unvetted: bool) -> tuple[str, ...]:
    return (f"xa{community_id}" if unvetted else f"xt{community_id}", "xn0")


def pg_tsquery(terms: Terms) -> tuple[str, dict[str, str]]:
    """A tsquery SQL expression over bound words, and the binds.

    Whole words go through `plainto_tsquery`, which accepts any text. A prefix word is
    quoted with `quote_literal` before `to_tsquery` reads it, and looked up with both the
    `english` configuration (so `energy*` finds the stem `energi`) and `simple` (so a stop
    word like `he*` still finds `heart`).
    """
    parts: list[str] = []
    binds: dict[str, str] = {}
    for index, word in enumerate(terms.words):
        name = f"w{index}"
        binds[name] = word
        if terms.prefix and index == len(terms.words) - 1:
            # The `:*` suffix is a bind too (a colon in SQL text would read as one), and the
            # casts are there because asyncpg cannot infer the type of quote_literal's argument.
            binds["prefix_suffix"] = ":*"
            quoted = f"quote_literal(CAST(:{name} AS text)) || CAST(:prefix_suffix AS text)"
            parts.append(f"(to_tsquery('english', {quoted}) || to_tsquery('simple', {quoted}))")
        else:
            parts.append(f"plainto_tsquery('english', CAST(:{name} AS text))")
    return "(" + (" || " if terms.any else " && ").join(parts) + ")", binds
