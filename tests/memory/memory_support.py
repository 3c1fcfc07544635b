"""Helpers of the memory tests: a store on the test factory's pool, a toy embedding."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from mongodb_session_manager import MongoDBMemoryStore, MongoDBSessionManagerFactory

VOCABULARY = ("tea", "coffee", "dark", "light", "mode", "paris", "berlin", "cat", "dog")


def bag_of_words(texts: list[str]) -> list[list[float]]:
    """A deterministic embedding: word counts over a tiny vocabulary, normalised."""
    vectors = []
    for text in texts:
        words = text.lower().replace(".", " ").split()
        counts = [float(words.count(term)) for term in VOCABULARY]
        norm = math.sqrt(sum(c * c for c in counts)) or 1.0
        vectors.append([c / norm for c in counts])
    return vectors


@pytest.fixture
def memory_store(
    factory: MongoDBSessionManagerFactory,
) -> Iterator[Callable[..., MongoDBMemoryStore]]:
    """Build memory stores on the test factory's pool and database."""
    made: list[MongoDBMemoryStore] = []

    def make(**kwargs: Any) -> MongoDBMemoryStore:
        kwargs.setdefault("database_name", factory.repository.database_name)
        kwargs.setdefault("name", "notes")
        store = MongoDBMemoryStore.from_pool(factory, **kwargs)
        made.append(store)
        return store

    yield make
    for store in made:
        store.close()
