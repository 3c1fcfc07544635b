"""Helpers shared by the viewer tests (constants and the seeded-database handle)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mongodb_session_manager import MongoDBSessionManagerFactory
from mongodb_session_manager.testing import MongoBackend
from mongodb_session_manager.viewer import ViewerSettings
from tests.helpers.store import raw_collection

TOKEN = "test-token-0123456789abcdef"
LONG_TURNS = 25  # 50 messages: several timeline pages, cheap to write


@dataclass
class Seeded:
    """A database with the demo sessions, shared by the tests of one module."""

    backend: MongoBackend
    database: str
    factory: MongoDBSessionManagerFactory
    session_ids: list[str]

    def settings(self, **overrides: Any) -> ViewerSettings:
        options = self.backend.options(self.database)
        values: dict[str, Any] = {
            "connection_string": options.get("connection_string"),
            "client": options.get("client"),
            "database_name": self.database,
            "token": TOKEN,
            "allowed_hosts": ("viewer.test",),  # the test clients' base URL
        }
        values.update(overrides)
        return ViewerSettings(**values)

    def raw(self, session_id: str) -> dict[str, Any] | None:
        async def find() -> dict[str, Any] | None:
            found = await raw_collection(self.factory.repository).find_one({"_id": session_id})
            return dict(found) if found is not None else None

        return self.factory.pool.run(find())

    def insert(self, document: dict[str, Any]) -> None:
        async def insert() -> None:
            await raw_collection(self.factory.repository).insert_one(document)

        self.factory.pool.run(insert())
