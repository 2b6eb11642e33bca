"""Full-text search over resources, one interface on two engines.

SQLite — an FTS5 table over an external content view (`resources_fts_content`), so the text
is stored once, in `resources`. Columns: title, body, tags, citation, and `scope`: tokens
computed from the row that say who may see it (`xa<community>` for any status, `xt<c>`/
`xs<c>`/`xr<c>` by status, `xn0` when trusted and network-wide). The visibility filter is
then part of the full-text query (`scope : (xt7 OR xn0)`), so the engine intersects term
lists inside the index instead of ranking every match in the network and throwing most away:
a common word costs a community's share of the matches, not the whole network's. bm25 weighs
the title 10×, tags 4×, citation 2× the body, and the scope column not at all. Porter
stemming (so "pacing" finds "pace"), prefix indexes for two- and three-letter prefixes
(autocomplete). Updates and deletes re-index through triggers that know the old values;
inserts are indexed by the repository right after inserting (`index_inserted`), in the
same transaction — one INSERT … SELECT for a whole batch, about twice as fast as a per-row
trigger on a bulk import.

PostgreSQL — a stored generated `tsvector` column (`english` configuration; title weight A,
tags B, citation C, body D) with a GIN index: it changes with the row in the same statement.
Visibility is plain WHERE clauses the planner combines with the GIN index (BitmapAnd).
Ranking with `ts_rank` and the weights {D 0.05, C 0.2, B 0.4, A 1.0}; `ts_headline` only for
the rows shown.

Both build the query from `core.resources.query.Terms`: words made of letters and digits,
each quoted as a plain term (FTS5 `"word"`; PostgreSQL `plainto_tsquery` and, for a prefix,
`to_tsquery(quote_literal(word) || ':*')`), never the user's text as query syntax.

These objects are made by DDL, not by the models, so Alembic's comparison ignores them
(`is_search_object`); migration 0003 creates them on both engines.
"""

from __future__ import annotations

from typing import Any

from core.resources.query import Terms

FTS_TABLE = "resources_fts"
FTS_VIEW = "resources_fts_content"
PG_COLUMN = "search"
PG_INDEX = "ix_resources_search"

# Column weights for bm25: title, body, tags, citation, scope.
BM25 = "bm25(resources_fts, 10.0, 1.0, 4.0, 2.0, 0.0)"
TITLE_BM25 = "bm25(resources_fts, 10.0, 0.0, 4.0, 0.0, 0.0)"
TEXT_COLUMNS = "{title body tags citation}"
TITLE_COLUMNS = "{title tags}"
SNIPPET = "snippet(resources_fts, 1, '**', '**', '…', 16)"

PG_WEIGHTS = "'{0.05, 0.2, 0.4, 1.0}'"
PG_HEADLINE = "'StartSel=**, StopSel=**, MaxWords=18, MinWords=8, ShortWord=2, MaxFragments=1'"


def scope_sql(row: str = "") -> str:
    """The scope tokens of a row, as SQL over `row.`-prefixed columns (view and triggers alike)."""
    return (f"'xa' || {row}community_id || ' x' || substr({row}status, 1, 1) || {row}community_id || "
            f"CASE WHEN {row}network_number IS NOT NULL AND {row}status = 'trusted' THEN ' xn0' ELSE '' END")


_FTS_VALUES = "title, body, tags, citation, scope"
_CHANGED = " OR ".join(f"old.{c} IS NOT new.{c}" for c in
                       ("title", "body", "tags", "citation", "status", "community_id", "network_number"))

SQLITE_DDL = (
    f"CREATE VIEW {FTS_VIEW} AS SELECT id, title, body, tags, citation, {scope_sql()} AS scope FROM resources",
    f"CREATE VIRTUAL TABLE {FTS_TABLE} USING fts5(title, body, tags, citation, scope, content='{FTS_VIEW}', "
    "content_rowid='id', tokenize='porter unicode61 remove_diacritics 2', prefix='2 3')",
    f"CREATE TRIGGER resources_fts_update AFTER UPDATE ON resources WHEN {_CHANGED} BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, {_FTS_VALUES}) VALUES ('delete', old.id, old.title, old.body, "
    f"old.tags, old.citation, {scope_sql('old.')}); "
    f"INSERT INTO {FTS_TABLE}(rowid, {_FTS_VALUES}) VALUES (new.id, new.title, new.body, new.tags, new.citation, "
    f"{scope_sql('new.')}); END",
    f"CREATE TRIGGER resources_fts_delete AFTER DELETE ON resources BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, {_FTS_VALUES}) VALUES ('delete', old.id, old.title, old.body, "
    f"old.tags, old.citation, {scope_sql('old.')}); END",
)
SQLITE_DROP = (
    "DROP TRIGGER IF EXISTS resources_fts_delete",
    "DROP TRIGGER IF EXISTS resources_fts_update",
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
    f"DROP VIEW IF EXISTS {FTS_VIEW}",
)
PG_DDL = (
    f"ALTER TABLE resources ADD COLUMN {PG_COLUMN} tsvector GENERATED ALWAYS AS ("
    "setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', tags), 'B') || "
    "setweight(to_tsvector('english', citation), 'C') || setweight(to_tsvector('english', body), 'D')) STORED",
    f"CREATE INDEX {PG_INDEX} ON resources USING gin ({PG_COLUMN})",
)
PG_DROP = (
    f"DROP INDEX IF EXISTS {PG_INDEX}",
    f"ALTER TABLE resources DROP COLUMN IF EXISTS {PG_COLUMN}",
)

# New rows (ids above :after, or one id) into the index; run in the inserting transaction.
SQLITE_INDEX_AFTER = (f"INSERT INTO {FTS_TABLE}(rowid, {_FTS_VALUES}) SELECT id, {_FTS_VALUES} FROM {FTS_VIEW} "
                      "WHERE id > :after")
SQLITE_INDEX_ONE = (f"INSERT INTO {FTS_TABLE}(rowid, {_FTS_VALUES}) SELECT id, {_FTS_VALUES} FROM {FTS_VIEW} "
                    "WHERE id = :id")


def is_search_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Alembic `include_object`: False for the search objects DDL makes (see the module doc)."""
    if name is None:
        return True
    if type_ == "table" and (name == FTS_TABLE or name.startswith(FTS_TABLE + "_")):
        return False
    if type_ == "column" and name == PG_COLUMN and getattr(getattr(obj, "table", None), "name", "") == "resources":
        return False
    return not (type_ == "index" and name == PG_INDEX)


# -- query text -------------------------------------------------------------------------------

def fts_phrase(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def fts_match(terms: Terms, scopes: tuple[str, ...], *, columns: str = TEXT_COLUMNS) -> str:
    """An FTS5 MATCH expression: the words, each a quoted phrase, within `columns`, and the scope."""
    scope = "scope : (" + " OR ".join(scopes) + ")"
    if not terms:
        return scope
    phrases = [fts_phrase(w) for w in terms.words]
    if terms.prefix:
        phrases[-1] += "*"
    joined = (" OR " if terms.any else " ").join(phrases)
    return f"{columns} : ({joined}) AND {scope}"


def sqlite_scopes(community_id: int, unvetted: bool) -> tuple[str, ...]:
    return (f"xa{community_id}" if unvetted else f"xt{community_id}", "xn0")


def pg_tsquery(terms: Terms, *, weights: str = "") -> tuple[str, dict[str, str]]:
    """A tsquery SQL expression over bound words, and the binds.

    Whole words go through `plainto_tsquery`, which accepts any text. A prefix word is
    quoted with `quote_literal` before `to_tsquery` reads it, and looked up with both the
    `english` configuration (so `energy*` finds the stem `energi`) and `simple` (so a stop
    word like `he*` still finds `heart`). With `weights` (e.g. `AB`) the match is limited to
    those weights (title and tags, for autocomplete).
    """
    parts: list[str] = []
    binds: dict[str, str] = {}
    for index, word in enumerate(terms.words):
        name = f"w{index}"
        binds[name] = word
        # Words and the `:*`/`:AB` suffixes are binds (a colon in SQL text would read as one),
        # cast because asyncpg cannot infer the type of an argument to quote_literal.
        quoted = f"quote_literal(CAST(:{name} AS text))"
        if terms.prefix and index == len(terms.words) - 1:
            binds["prefix_suffix"] = f":*{weights}"
            suffix = "CAST(:prefix_suffix AS text)"
            parts.append(f"(to_tsquery('english', {quoted} || {suffix}) || "
                         f"to_tsquery('simple', {quoted} || {suffix}))")
        elif weights:
            binds["weight_suffix"] = f":{weights}"
            parts.append(f"to_tsquery('english', {quoted} || CAST(:weight_suffix AS text))")
        else:
            parts.append(f"plainto_tsquery('english', CAST(:{name} AS text))")
    return "(" + (" || " if terms.any else " && ").join(parts) + ")", binds
