"""Long-term memory (issue 17): search latency over many entries, ours against FileMemoryStore.

``MongoDBMemoryStore`` holds one document per entry and ranks on the server where
it can (``$text``), or reads a bounded candidate set and ranks in process (the
vector scan, the keyword strategy). Strands' ``FileMemoryStore`` on
``LocalFileStorage`` (one file per entry, keyword search over every file) is what
a user would pick instead.
"""

from __future__ import annotations

import gc
import hashlib
import math
import time
from typing import Any

from strands.storage import LocalFileStorage
from strands.vended_memory_stores.file_memory_store import FileMemoryStore

from benchmarks.context import BenchContext
from benchmarks.report import Section
from benchmarks.stats import Timing, fmt_ms, fmt_spread, summary
from mongodb_session_manager import MongoDBMemoryStore

TOPICS = ("billing", "shipping", "returns", "login", "privacy", "pricing", "search", "export")
QUERIES = ("refund for a damaged parcel", "reset my password", "export my data")
_DIM = 64


def hashed_embedding(texts: list[str]) -> list[list[float]]:
    """A deterministic embedding: words hashed into 64 buckets, normalised (no model)."""
    vectors = []
    for text in texts:
        vector = [0.0] * _DIM
        for word in text.lower().split():
            vector[int(hashlib.blake2s(word.encode(), digest_size=2).hexdigest(), 16) % _DIM] += 1
        norm = math.sqrt(sum(v * v for v in vector)) or 1.0
        vectors.append([v / norm for v in vector])
    return vectors


def facts(n: int) -> list[str]:
    """``n`` distinct one-line facts over a few topics."""
    return [
        f"Customer {i} asked about {TOPICS[i % len(TOPICS)]}: order {i * 7 % 10_000} "
        f"was {('damaged', 'late', 'refunded', 'lost')[i % 4]} and they prefer email."
        for i in range(n)
    ]


def _search_timings(ctx: BenchContext, store: Any, repeats: int) -> tuple[list[Timing], int]:
    timings: list[Timing] = []
    found = 0
    for r in range(repeats):
        query = QUERIES[r % len(QUERIES)]
        gc.collect()
        with Timing() as t:
            results = ctx.loop.run(store.search(query, {"max_search_results": 10}))
        timings.append(t)
        found = max(found, len(results))
    return timings, found


def run(ctx: BenchContext) -> Section:
    """Fill each store with the same entries, then time searches per strategy."""
    n = ctx.config.memory_entries
    texts = facts(n)
    started = time.perf_counter()
    loader = MongoDBMemoryStore.from_pool(
        ctx.factory, database_name=ctx.database, name="bench-memory", embed=hashed_embedding
    )
    batch = 500
    for i in range(0, n, batch):
        ctx.loop.run(
            loader.add_messages(
                [{"role": "user", "content": [{"text": t}]} for t in texts[i : i + batch]]
            )
        )
    ours_load = time.perf_counter() - started
    started = time.perf_counter()
    file_store = FileMemoryStore(
        name="bench-memory", storage=LocalFileStorage(str(ctx.tmp / "memory"))
    )
    for text in texts:
        ctx.loop.run(file_store.add(text))
    file_load = time.perf_counter() - started
    repeats = max(3, ctx.config.repeats)
    contenders: list[tuple[str, Any]] = []
    for strategy in ("text", "vector_scan", "keyword"):
        store = MongoDBMemoryStore.from_pool(
            ctx.factory,
            database_name=ctx.database,
            name="bench-memory",
            embed=hashed_embedding,
            strategy=strategy,  # type: ignore[arg-type]
        )
        contenders.append((f"MongoDBMemoryStore ({strategy})", store))
    contenders.append(("FileMemoryStore (LocalFileStorage, keyword)", file_store))
    results: dict[str, Any] = {}
    rows: list[list[str]] = []
    try:
        for name, store in contenders:
            _search_timings(ctx, store, 1)  # warm-up: indexes, first reads
            ours = isinstance(store, MongoDBMemoryStore)
            if ours:
                with ctx.factory.pool.command_stats.capture() as log:
                    _search_timings(ctx, store, 1)
                trips: int | None = log.round_trips
            else:
                trips = None
            timings, found = _search_timings(ctx, store, repeats)
            used = None
            if ours:
                hit = ctx.loop.run(store.search(QUERIES[0], {"max_search_results": 1}))
                used = hit[0].metadata.get("_searchStrategy") if hit else None
            results[name] = {
                "wall": summary([t.wall for t in timings]),
                "round_trips": trips,
                "results": found,
                "strategy_used": used,
            }
    finally:
        for _, store in contenders:
            if isinstance(store, MongoDBMemoryStore):
                store.close()
        loader.close()
    base = results[contenders[0][0]]["wall"]["median"]
    for name, _ in contenders:
        cell = results[name]
        ratio = cell["wall"]["median"] / base if base else 0.0
        rows.append(
            [
                name,
                str(cell["strategy_used"] or "-"),
                fmt_spread(cell["wall"]),
                f"{ratio:.1f}x",
                "-" if cell["round_trips"] is None else str(cell["round_trips"]),
                str(cell["results"]),
            ]
        )
    return Section(
        id="memory_search",
        title=f"Long-term memory: search latency at {n:,} entries",
        intro=(
            f"{n:,} one-line facts in each store (ours: loaded with `add_messages` in batches "
            f"of 500 in {fmt_ms(ours_load)} ms; FileMemoryStore: one `add` per entry in "
            f"{fmt_ms(file_load)} ms), then searched for ten results."
        ),
        columns=[
            "Store (strategy asked)",
            "Strategy used",
            "Search ms",
            "x text",
            "Round trips",
            "Results",
        ],
        rows=rows,
        data={"entries": n, "load_seconds": {"ours": ours_load, "file": file_load}, **results},
        notes=[
            "`text`: one `$text` query ranked by the server (mongoeco returns scores only, so "
            "it costs one more `find` there). `vector_scan`: reads at most `candidate_limit` "
            "(1,000) entries with their embeddings and ranks by cosine in process (a hashed "
            "64-dimension embedding, no model). `keyword`: the same candidate read, ranked by "
            "token overlap. `$vectorSearch` needs Atlas and is not measured here.",
            "FileMemoryStore searches through `LocalFileStorage.search`: it lists and reads "
            "every entry's file on each search.",
            f"Median (min-max) of {repeats} searches over three queries, after one warm-up.",
        ],
    )
