"""Resource search at network scale (issue 6): 100,000 resources across 50 communities.

Deterministic synthetic text with Zipf-distributed words (so some words are in half the
documents and some in a few dozen): titles of 5–12 words, bodies of 50–300, 1–3 tags,
citations from a fixed vocabulary; 80% trusted, 15% submitted, 5% retired; 2% network-wide.
Loaded through the repository's bulk insert (`add_many`, one executemany per batch, the
import path).

For each engine and query class (rare word, common word, prefix `word*`, two words) it
times, on the same queries:
  command  — `resource search …` through the real command bus (context load, handler, FTS
             query, rendering), as a member of one community;
  repo     — the repository call the handler makes (`uow.resources.search`);
  floor    — the very same SQL and parameters on the raw driver, no application code
             (sqlite3 on the same file; asyncpg);
  LIKE     — a naive scan: every word `LIKE '%word%'` over title, body, tags and citation
             with the same visibility rules and ordering (ILIKE on PostgreSQL), raw driver;
and autocomplete (`suggest_resources`, the titles a member can see, for typed prefixes).
"""

from __future__ import annotations

import asyncio
import itertools
import random
import sqlite3
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, replace
from datetime import timedelta
from typing import Any

import asyncpg
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.common import engines, percentile, table
from core.resources.model import Kind, Resource, Status
from core.resources.query import terms
from core.resources.suggest import suggest_resources
from storage.resource_search import fts_match
from storage.resources import _COLUMN_SQL
from tests.fakes import FakeClock, FakePlatform
from tests.world import HOME, World


def _words(text: str) -> list[str]:
    return text.split()


STOP = _words("the and of to a in is it that for you with on as are this be at have or can")
CONTENT = _words("""energy pacing fatigue sleep rest activity symptoms crash recovery heart rate monitor diary plan
work day week exercise walking breathing pain relief medication dose doctor nurse clinic appointment diet food hydration
salt fluids posture orthostatic dizziness brain fog memory focus stress anxiety mood support family friends community
group leader expert guide worksheet tool story experience solution recording article guideline research study trial
evidence review paper journal method approach technique routine schedule morning evening night nap light noise
screen time budget envelope spoon limit baseline threshold trigger flare relapse improvement gradual increase
decrease steady balance priority task chores shopping cooking cleaning shower stairs wheelchair mobility aid device
app tracker watch wearable data chart graph log notes symptom infection virus immune inflammation vaccine covid long
chronic condition illness disease syndrome mecfs fibromyalgia pots dysautonomia migraine headache joint muscle
weakness tremor numbness temperature heat cold weather season travel holiday school student employer accommodation
benefits insurance claim form letter advocate rights access disability assessment test result blood scan specialist
referral waiting list therapy counselling physiotherapy occupational speech nutrition supplement vitamin magnesium
iron sugar caffeine alcohol water meal snack protein""")
TAGS = _words("pacing sleep energy pain diet work family mobility research tools stories clinic travel mood memory "
              "breathing heart school benefits exercise")
AUTHORS = _words("Nacul Bateman Davenport Jason Komaroff Unger Chu Klimas Hanson Stevens Vink Rowe")
JOURNALS = ("BMJ", "Lancet", "Journal of Chronic Fatigue", "Frontiers in Neurology", "NICE guideline", "CDC",
            "Patient leaflet")
_CONSONANTS = _words("b c d f g h j k l m n p r s t v w z br ch cl cr dr fl gr pl pr sh st th tr")
_VOWELS = _words("a e i o u ai ea ee io oo ou")

TOTAL = 100_000
COMMUNITIES = 50
RESULTS = 6  # what `resource search` asks for


def vocabulary(tail: int = 30_000, seed: int = 7) -> list[str]:
    """Real words first (the common ones), then invented words for the long, rare tail."""
    rng = random.Random(seed)
    words = list(dict.fromkeys(STOP + CONTENT))
    seen = set(words)
    while len(words) < len(STOP) + len(CONTENT) + tail:
        word = "".join(rng.choice(_CONSONANTS) + rng.choice(_VOWELS) for _ in range(rng.randint(2, 4)))
        if word not in seen:
            seen.add(word)
            words.append(word)
    return words


@dataclass(frozen=True)
class Corpus:
    words: list[str]
    resources: list[Resource]


def corpus(total: int = TOTAL, communities: int = COMMUNITIES, seed: int = 11) -> Corpus:
    words = vocabulary()
    weights = list(itertools.accumulate(1 / (rank + 1) ** 1.05 for rank in range(len(words))))
    rng = random.Random(seed)
    # Bodies are slices of one long Zipf stream: word frequencies as drawn, at a fraction of the cost.
    stream = rng.choices(words, cum_weights=weights, k=3_000_000)
    content_words = words[len(STOP):]
    content_weights = list(itertools.accumulate(1 / (rank + 1) ** 1.05 for rank in range(len(content_words))))
    title_words = rng.choices(content_words, cum_weights=content_weights, k=total * 9)
    clock = FakeClock()
    now = clock.now()
    resources = []
    position = network = 0
    for index in range(total):
        length = rng.randint(5, 12)
        title = " ".join(title_words[position:position + length]).capitalize()
        position += length
        size = rng.randint(50, 300)
        start = rng.randrange(0, len(stream) - size)
        body = " ".join(stream[start:start + size])
        kind = rng.choice(list(Kind))
        tags = tuple(rng.sample(TAGS, rng.randint(1, 3)))
        citation = f"{rng.choice(AUTHORS)} et al. ({rng.randint(1995, 2025)}). {rng.choice(JOURNALS)}."
        roll = rng.random()
        status = Status.TRUSTED if roll < 0.80 else Status.SUBMITTED if roll < 0.95 else Status.RETIRED
        resource = Resource(0, 1 + rng.randrange(communities), 0, title, f"https://example.org/r/{index}", body,
                            kind, tags, citation, status, None, now - timedelta(days=rng.randint(1, 900)))
        if status is Status.TRUSTED:
            resource = replace(resource, vetted_at=resource.submitted_at, vetter_label="bench",
                               review_due=now + timedelta(days=rng.randint(-30, 700)))
            if rng.random() < 0.025:
                network += 1
                resource = replace(resource, network_number=network, shared_at=now)
        elif status is Status.RETIRED:
            resource = replace(resource, retired_at=now, retired_reason="Outdated")
        resources.append(resource)
    return Corpus(words, resources)


def choose_queries(db: sqlite3.Connection, words: Sequence[str], seed: int = 5) -> dict[str, list[str]]:
    """Query texts per class, as a member types them into `resource search`, chosen by how many of
    the network's documents they match (counted in the SQLite index, whole network):
    rare 20–100 documents; common ≥ 15%; prefix `abcd*` 0.3–5%; common prefix `abc*` ≥ 15%;
    two words of 1–10% each."""
    rng = random.Random(seed)
    content = [w for w in words if w not in STOP]
    total = db.execute("SELECT count(*) FROM resources").fetchone()[0]

    def matches(query: str) -> int:
        return _count(db, _anywhere(query))

    def pick(candidates: Sequence[str], low: float, high: float, count: int) -> list[str]:
        chosen = []
        for candidate in candidates:
            if low <= matches(candidate) <= high:
                chosen.append(candidate)
            if len(chosen) == count:
                break
        return chosen

    mid = [w for w in rng.sample(content[60:6000], 1500) if len(w) > 5]
    frequent = pick(content[:600], 0.01 * total, 0.10 * total, 80)
    prefixes4 = sorted({w[:4] + "*" for w in mid})
    rng.shuffle(prefixes4)
    return {
        "rare": pick(rng.sample(content[8000:], 800), 20, 100, 40),
        "common": pick(content[:80], 0.15 * total, total, 30),
        "prefix": pick(prefixes4, 0.003 * total, 0.05 * total, 40),
        "common prefix": pick(sorted({w[:3] + "*" for w in content[:80] if len(w) > 3}), 0.15 * total, total, 15),
        "two-term": [f"{a} {b}" for a, b in zip(frequent[:40], frequent[40:], strict=False)],
    }


def counts(db: sqlite3.Connection, texts: Sequence[str]) -> tuple[float, float]:
    """Mean matches of queries in the whole network, and in the view of a member of community 1."""
    network = sum(_count(db, _anywhere(query)) for query in texts)
    view = sum(_count(db, fts_match(terms(query), ("xt1", "xn0"))) for query in texts)
    return network / len(texts), view / len(texts)


def _anywhere(query: str) -> str:
    """The query's words without the visibility scope: matches in the whole network."""
    return fts_match(terms(query), ("xa0",)).split(" AND scope")[0]


def _count(db: sqlite3.Connection, expression: str) -> int:
    return int(db.execute("SELECT count(*) FROM resources_fts WHERE resources_fts MATCH ?",
                          (expression,)).fetchone()[0])


def prefixes(resources: Sequence[Resource], seed: int = 3) -> list[str]:
    """What people type into autocomplete: the start of a title's word, or a word and the next one's start."""
    rng = random.Random(seed)
    typed = [""]  # Discord asks as soon as the field is focused
    for resource in rng.sample([r for r in resources if r.community_id == 1], 60):
        first, *rest = resource.title.lower().split()
        typed.append(first[:rng.randint(1, min(6, len(first)))])
        if rest:
            typed.append(f"{first} {rest[0][:rng.randint(1, min(5, len(rest[0])))]}")
    return typed


async def load(world: World, resources: Sequence[Resource], batch: int = 5000) -> float:
    """Bulk insert through the repository, one transaction per batch; returns rows per second."""
    app = world.app
    async with app.uow() as uow:
        for number in range(2, COMMUNITIES + 1):
            await uow.communities.add(f"Community {number}", "", app.clock.now())
        await uow.commit()
    by_community: dict[int, list[Resource]] = {}
    for resource in resources:
        by_community.setdefault(resource.community_id, []).append(resource)
    start = time.perf_counter()
    for community_id in sorted(by_community):
        rows = by_community[community_id]
        for first in range(0, len(rows), batch):
            async with app.uow() as uow:
                await uow.resources.add_many(rows[first:first + batch])
                await uow.commit()
    elapsed = time.perf_counter() - start
    if world.app.engine.dialect.name == "postgresql":
        async with world.app.engine.connect() as connection:
            await connection.execute(text("ANALYZE resources"))
            await connection.commit()
    return len(resources) / elapsed


Run = Callable[[str], Awaitable[Any]]


async def timed(run: Run, texts: Sequence[str], rounds: int) -> list[float]:
    for query in texts[:5]:
        await run(query)  # warm caches and prepared statements
    samples = []
    for _ in range(rounds):
        for query in texts:
            start = time.perf_counter()
            await run(query)
            samples.append((time.perf_counter() - start) * 1000)
    return samples


class Raw:
    """The same statement on the raw driver: sqlite3 on the same file, or an asyncpg connection."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.dialect = engine.dialect
        self.sqlite: sqlite3.Connection | None = None
        self.pg: asyncpg.Connection | None = None

    async def open(self) -> None:
        url = self.engine.url
        if self.dialect.name == "sqlite":
            self.sqlite = sqlite3.connect(str(url.database))
        else:
            self.pg = await asyncpg.connect(host=url.host, port=url.port, user=url.username, database=url.database)

    async def close(self) -> None:
        if self.sqlite is not None:
            self.sqlite.close()
        if self.pg is not None:
            await self.pg.close()

    async def run(self, statement: Any, params: dict[str, Any]) -> list[Any]:
        compiled = statement.compile(dialect=self.dialect)
        values = [params[name] for name in compiled.positiontup]
        if self.sqlite is not None:
            return self.sqlite.execute(compiled.string, values).fetchall()
        assert self.pg is not None
        return list(await self.pg.fetch(compiled.string, *values))


def like_statement(dialect: str, words: Sequence[str]) -> tuple[Any, dict[str, Any]]:
    """The naive search: every word somewhere in the text, by pattern, over every visible row."""
    like = "ILIKE" if dialect == "postgresql" else "LIKE"
    params: dict[str, Any] = {"cid": 1, "limit": RESULTS}
    clauses = []
    for index, word in enumerate(words):
        params[f"p{index}"] = f"%{word}%"
        clauses.append("(" + " OR ".join(f"r.{c} {like} :p{index}" for c in ("title", "body", "tags", "citation"))
                       + ")")
    visible = "r.status = 'trusted' AND (r.community_id = :cid OR r.network_number IS NOT NULL)"
    sql = (f"SELECT {_COLUMN_SQL} FROM resources r WHERE {visible} AND {' AND '.join(clauses)} "
           f"ORDER BY r.community_id = :cid DESC, r.title {like} :p0 DESC, r.id DESC LIMIT :limit")
    return text(sql), params


@dataclass
class Figures:
    command: list[float]
    repo: list[float]
    floor: list[float]
    like: list[float]


async def measure(world: World, raw: Raw, texts: Sequence[str], rounds: int, like_rounds: int) -> Figures:
    """Each query through all three paths back to back, round after round, so that a busy moment
    of the machine falls on all of them alike."""
    app = world.app
    member = world.actor("sam")
    dialect = app.engine.dialect.name
    async with app.uow(readonly=True) as uow:
        prepared = {q: uow.resources.search_statement(1, terms(q), limit=RESULTS) for q in texts}
    likes = {q: like_statement(dialect, terms(q).words) for q in texts}
    figures = Figures([], [], [], [])
    for warm_up in (True, *([False] * rounds)):
        for query in texts[:5] if warm_up else texts:
            start = time.perf_counter()
            await raw.run(*prepared[query])
            floor = time.perf_counter() - start
            async with app.uow(readonly=True) as uow:
                await uow.session.connection()  # the session's connection is open, as in a handler
                start = time.perf_counter()
                await uow.resources.search(1, terms(query), limit=RESULTS)
                repo = time.perf_counter() - start
            start = time.perf_counter()
            reply = await app.bus.run_text(f"resource search {query}", member, HOME)
            command = time.perf_counter() - start
            assert not reply.error, reply.text
            if not warm_up:
                figures.floor.append(floor * 1000)
                figures.repo.append(repo * 1000)
                figures.command.append(command * 1000)
    for _ in range(like_rounds):
        for query in texts[:10]:
            start = time.perf_counter()
            await raw.run(*likes[query])
            figures.like.append((time.perf_counter() - start) * 1000)
    return figures


def p(values: Sequence[float], q: float) -> float:
    return percentile(values, q)


async def autocomplete(world: World, typed: Sequence[str], rounds: int) -> list[float]:
    async def run(text_typed: str) -> None:
        async with world.app.uow(readonly=True) as uow:
            await suggest_resources(uow, 1, text_typed)

    return await timed(run, typed, rounds)


async def main(total: int = TOTAL, rounds: int = 5, like_rounds: int = 2) -> None:
    started = time.perf_counter()
    data = corpus(total)
    print(f"generated {total:,} resources in {time.perf_counter() - started:.1f} s "
          f"({statistics.mean(len(r.text.split()) for r in data.resources):.0f} words per body on average)")
    typed = prefixes(data.resources)
    classes: dict[str, list[str]] = {}
    class_rows: list[Sequence[object]] = []
    search_rows: list[Sequence[object]] = []
    ratio_rows: list[Sequence[object]] = []
    other_rows: list[Sequence[object]] = []
    async with engines() as found:
        for name, engine in found:
            world = World.create(engine, FakeClock(), [FakePlatform()])
            await world.community(members=["sam"])
            rate = await load(world, data.resources)
            raw = Raw(engine)
            await raw.open()
            try:
                if raw.sqlite is not None:
                    classes = choose_queries(raw.sqlite, data.words)
                    for label, texts in classes.items():
                        network, view = counts(raw.sqlite, texts)
                        class_rows.append((label, len(texts), ", ".join(texts[:3]), f"{network:,.0f}", f"{view:,.0f}"))
                for label, texts in classes.items():
                    figures = await measure(world, raw, texts, rounds, like_rounds)
                    search_rows.append((name, label, len(texts), p(figures.command, 50), p(figures.command, 95),
                                        p(figures.repo, 50), p(figures.repo, 95), p(figures.floor, 50),
                                        p(figures.floor, 95), p(figures.like, 50), p(figures.like, 95)))
                    ratio_rows.append((name, label, f"{p(figures.repo, 50) / p(figures.floor, 50):.2f}×",
                                       f"{p(figures.repo, 95) / p(figures.floor, 95):.2f}×",
                                       f"{p(figures.command, 50) / p(figures.floor, 50):.2f}×",
                                       f"{p(figures.command, 95) / p(figures.floor, 95):.2f}×",
                                       f"{p(figures.like, 50) / p(figures.repo, 50):,.0f}×",
                                       f"{p(figures.like, 50) / p(figures.command, 50):,.0f}×"))
                suggest = await autocomplete(world, typed, rounds)
                other_rows.append((name, f"{rate:,.0f}", len(typed), p(suggest, 50), p(suggest, 95)))
            finally:
                await raw.close()
    table("Query classes: examples, and mean matching resources in the whole network and in the member's view "
          "(community 1's trusted ones and the network's)",
          ["class", "queries", "examples", "network matches", "view matches"], class_rows)
    table(f"Resource search over {total:,} resources in {COMMUNITIES} communities, one member's view (ms)",
          ["engine", "query", "n", "command p50", "command p95", "repo p50", "repo p95", "floor p50", "floor p95",
           "LIKE p50", "LIKE p95"], search_rows)
    table("Ratios: repository call and whole command over the raw floor (p50, p95); the LIKE scan's p50 over theirs "
          "(targets: ≤ 2× the floor, ≥ 10× faster than LIKE; p95 ≤ 10 ms on SQLite for rare, prefix, two-term)",
          ["engine", "query", "repo÷floor p50", "p95", "command÷floor p50", "p95", "LIKE÷repo", "LIKE÷command"],
          ratio_rows)
    table("Bulk load (rows/s through add_many, index included) and autocomplete (ms, suggest_resources)",
          ["engine", "load rows/s", "prefixes", "autocomplete p50", "autocomplete p95"], other_rows)
    print(f"\ntotal bench time {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    asyncio.run(main())
