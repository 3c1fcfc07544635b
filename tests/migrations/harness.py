"""Raw access to the migration tests' database, plus the runner's arguments (one harness)."""

from __future__ import annotations

from typing import Any

from mongodb_session_manager import MongoDBSessionManagerFactory
from mongodb_session_manager.migrations import LOG_COLLECTION
from mongodb_session_manager.models import DEFAULT_COLLECTION
from mongodb_session_manager.models.pages import pages_collection
from tests.migrations.legacy_fixtures import as_stored

COLLECTION = DEFAULT_COLLECTION  # the migrations default to the reference names
PAGES = pages_collection(COLLECTION)


class Harness:
    """Raw access to the test database, plus the runner's arguments."""

    def __init__(self, factory: MongoDBSessionManagerFactory) -> None:
        self.factory = factory
        self.pool = factory.pool
        self.database = factory.repository.database_name

    def args(self, **extra: Any) -> dict[str, Any]:
        return {"pool": self.pool, "database_name": self.database, **extra}

    def insert(self, documents: list[dict[str, Any]], collection: str = COLLECTION) -> None:
        async def run() -> None:
            await self.pool.collection(self.database, collection).insert_many(documents)

        self.pool.run(run())

    def all(self, collection: str = COLLECTION) -> dict[str, dict[str, Any]]:
        async def run() -> list[dict[str, Any]]:
            return await self.pool.collection(self.database, collection).find().to_list(None)

        # Through BSON, so both backends give the same Python types (bytes, aware dates).
        return {doc["_id"]: as_stored(doc) for doc in self.pool.run(run())}

    def pages(self, collection: str = PAGES) -> dict[str, dict[str, Any]]:
        return self.all(collection)

    def logs(self) -> list[dict[str, Any]]:
        return list(self.all(LOG_COLLECTION).values())

    def update(self, collection: str, query: dict[str, Any], update: dict[str, Any]) -> None:
        async def run() -> None:
            await self.pool.collection(self.database, collection).update_one(query, update)

        self.pool.run(run())

    def command(self, command: dict[str, Any]) -> None:
        async def run() -> None:
            await self.pool.client().admin.command(command)

        self.pool.run(run())

    def index_names(self, collection: str = COLLECTION) -> set[str]:
        async def run() -> dict[str, Any]:
            info = await self.pool.collection(self.database, collection).index_information()
            return dict(info)

        return set(self.pool.run(run()))

    def create_index(self, collection: str, keys: list[tuple[str, int]], **kwargs: Any) -> None:
        async def run() -> None:
            await self.pool.collection(self.database, collection).create_index(keys, **kwargs)

        self.pool.run(run())
