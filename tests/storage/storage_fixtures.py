"""Fixtures of the storage tests: ``MongoDBStorage`` on the test factory's pool."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from mongodb_session_manager import MongoDBSessionManagerFactory, MongoDBStorage


@pytest.fixture
def make_storage(
    factory: MongoDBSessionManagerFactory,
) -> Iterator[Callable[..., MongoDBStorage]]:
    """Build storages on the test database (the factory's pool); all closed at the end."""
    made: list[MongoDBStorage] = []

    def make(**options: Any) -> MongoDBStorage:
        storage = MongoDBStorage.from_factory(factory, **options)
        made.append(storage)
        return storage

    yield make
    for storage in made:
        storage.close()


@pytest.fixture
def storage(make_storage: Callable[..., MongoDBStorage]) -> MongoDBStorage:
    """A storage with the default options."""
    return make_storage()
