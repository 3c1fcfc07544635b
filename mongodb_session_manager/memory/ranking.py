"""Ranking candidates in process: cosine similarity and Strands' keyword overlap.

Used when the server cannot rank (no ``$vectorSearch``, no ``$text``): the
gateway returns a bounded set of the newest candidates in scope and these
functions order them, newest first among equals (as Strands' ``TestMemoryStore``).
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any

from strands.memory.types import MemoryEntry
from strands.storage.search.keyword import token_overlap_score

from mongodb_session_manager.errors import InvalidInputError
from mongodb_session_manager.memory.documents import (
    ID_KEY,
    RELEVANCE_SCORE_KEY,
    STRATEGY_KEY,
    query_tokens,
)
from mongodb_session_manager.store.memory_entries import MemoryEntryStore

__all__ = [
    "Embed",
    "cosine",
    "embed_texts",
    "rank_by_keywords",
    "rank_by_vector",
    "run_strategy",
    "to_entry",
]

Vector = Sequence[float]
Embed = Callable[[list[str]], Sequence[Vector] | Awaitable[Sequence[Vector]]]
"""An embedding function: texts in, one vector per text out (sync or async)."""

_EPOCH = datetime.min


def cosine(a: Vector, b: Vector) -> float:
    """Cosine similarity of two vectors (0.0 if either is all zeros or sizes differ)."""
    if len(a) != len(b):
        return 0.0
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    norm = math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b))
    return dot / norm if norm else 0.0


async def embed_texts(embed: Embed, texts: list[str]) -> list[list[float]]:
    """Run ``embed`` (on the caller's loop, never the store loop) and check its answer."""
    result = embed(texts)
    vectors = await result if inspect.isawaitable(result) else result
    out = [[float(x) for x in vector] for vector in vectors]
    if len(out) != len(texts):
        raise InvalidInputError(f"embed returned {len(out)} vectors for {len(texts)} texts")
    return out


def _recency(row: dict[str, Any]) -> datetime:
    created = row.get("created_at")
    return created.replace(tzinfo=None) if isinstance(created, datetime) else _EPOCH


def rank_by_vector(
    rows: list[dict[str, Any]], vector: Vector, limit: int
) -> list[tuple[dict[str, Any], float]]:
    """The ``limit`` rows nearest ``vector`` (cosine), best first."""
    scored = [(row, cosine(vector, row.get("embedding") or [])) for row in rows]
    scored.sort(key=lambda item: (item[1], _recency(item[0])), reverse=True)
    return scored[:limit]


def rank_by_keywords(
    rows: list[dict[str, Any]], tokens: set[str], limit: int
) -> list[tuple[dict[str, Any], float]]:
    """The ``limit`` rows sharing most of ``tokens`` (Strands' token overlap), best first."""
    scored = [(row, float(token_overlap_score(tokens, row["text"]))) for row in rows]
    scored = [item for item in scored if item[1] > 0]
    scored.sort(key=lambda item: (item[1], _recency(item[0])), reverse=True)
    return scored[:limit]


def to_entry(row: dict[str, Any], score: float, strategy: str) -> MemoryEntry:
    """A search result: the text, its stored metadata plus score, id and strategy."""
    metadata = {
        **(row.get("metadata") or {}),
        RELEVANCE_SCORE_KEY: score,
        ID_KEY: row["_id"],
        STRATEGY_KEY: strategy,
    }
    return MemoryEntry(content=row["text"], metadata=metadata)


async def run_strategy(
    entries: MemoryEntryStore,
    strategy: str,
    conditions: dict[str, Any],
    query: str,
    vector: list[float] | None,
    limit: int,
    *,
    vector_index: str | None,
    num_candidates: int,
    candidate_limit: int,
) -> list[tuple[dict[str, Any], float]] | None:
    """One strategy's ranked rows (one command), or ``None`` if it cannot run here."""
    if strategy == "vector_search" and vector is not None and vector_index:
        rows = await entries.vector_search(
            conditions, vector, index=vector_index, limit=limit, num_candidates=num_candidates
        )
        return None if rows is None else [(row, float(row["score"])) for row in rows]
    if strategy == "text":
        rows = await entries.text_search(conditions, query, limit)
        return None if rows is None else [(row, float(row["score"])) for row in rows]
    if strategy == "vector_scan" and vector is not None:
        rows = await entries.candidates(conditions, candidate_limit, with_embedding=True)
        return rank_by_vector(rows, vector, limit)
    tokens = query_tokens(query)
    if not tokens:
        return []
    rows = await entries.candidates(conditions, candidate_limit, tokens=sorted(tokens))
    return rank_by_keywords(rows, tokens, limit)
