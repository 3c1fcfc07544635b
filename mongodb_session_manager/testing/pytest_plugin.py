"""Pytest fixtures for applications that test with mongodb-session-manager.

Enable them in your ``conftest.py``::

    pytest_plugins = ["mongodb_session_manager.testing.pytest_plugin"]

Backends, chosen by environment:

* ``MONGODB_URI`` set: that MongoDB (each test gets its own database, dropped after);
* ``MSM_TEST_BACKEND=mock``: mongomock-motor, in process (no server; lacks some
  operators, so tests that need them are skipped with the reason printed);
* otherwise: the embedded mongoeco wire server on 127.0.0.1 (Python 3.13+),
  through the real PyMongo driver.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from mongodb_session_manager.manager import MongoDBSessionManagerFactory
from mongodb_session_manager.testing.scripted_model import ScriptedModel


@dataclass
class MongoBackend:
    """Where the tests' sessions live."""

    kind: str
    """``"wire"`` (embedded server), ``"mongodb"`` (MONGODB_URI) or ``"mock"``."""
    uri: str | None = None
    client: Any | None = None
    server: Any | None = field(default=None, repr=False)

    @property
    def counts_commands(self) -> bool:
        """Whether PyMongo command monitoring sees this backend's traffic."""
        return self.kind != "mock"

    def options(self, database_name: str) -> dict[str, Any]:
        """Keyword arguments for a manager / factory / repository on this backend."""
        if self.client is not None:
            return {"client": self.client, "database_name": database_name}
        return {"connection_string": self.uri, "database_name": database_name}


def _mock_client() -> Any:
    import mongomock.database
    from mongomock_motor import AsyncMongoMockClient

    original = mongomock.database.Database.list_collection_names
    if not getattr(original, "_msm_shim", False):
        # Beanie passes driver-only kwargs that mongomock does not know.
        def list_collection_names(
            self: Any, filter: Any = None, session: Any = None, **_: Any
        ) -> Any:
            return original(self, filter, session)  # type: ignore[no-untyped-call]

        setattr(list_collection_names, "_msm_shim", True)  # noqa: B010 - a marker, not an API
        setattr(mongomock.database.Database, "list_collection_names", list_collection_names)  # noqa: B010
    return AsyncMongoMockClient(tz_aware=True)


def start_backend() -> MongoBackend:
    """Start (or connect to) the backend the environment asks for."""
    uri = os.environ.get("MONGODB_URI")
    if uri:
        return MongoBackend(kind="mongodb", uri=uri)
    if os.environ.get("MSM_TEST_BACKEND", "").lower() == "mock":
        return MongoBackend(kind="mock", client=_mock_client())
    from mongodb_session_manager.local import LocalMongoServer

    server = LocalMongoServer()
    return MongoBackend(kind="wire", uri=server.start(), server=server)


@pytest.fixture(scope="session")
def msm_backend() -> Iterator[MongoBackend]:
    """The session-wide backend (see the module docstring)."""
    backend = start_backend()
    yield backend
    if backend.server is not None:
        backend.server.stop()


@pytest.fixture
def msm_database_name(request: pytest.FixtureRequest) -> str:
    """A database name unique to the test."""
    return f"msm_test_{uuid.uuid4().hex[:12]}"


@pytest.fixture
def msm_options(msm_backend: MongoBackend, msm_database_name: str) -> dict[str, Any]:
    """Keyword arguments that point a manager, factory or repository at the test database."""
    return msm_backend.options(msm_database_name)


@pytest.fixture
def msm_factory(
    msm_options: dict[str, Any], msm_backend: MongoBackend
) -> Iterator[MongoDBSessionManagerFactory]:
    """A factory on the test database; the database is dropped afterwards."""
    factory = MongoDBSessionManagerFactory(**msm_options)
    yield factory
    try:
        factory.pool.run(_drop(factory.pool, msm_options["database_name"]))
    finally:
        factory.close()


async def _drop(pool: Any, database_name: str) -> None:
    await pool.client().drop_database(database_name)


@pytest.fixture
def scripted_model() -> ScriptedModel:
    """An offline model that echoes; extend its script with ``.extend([...])``."""
    return ScriptedModel()
