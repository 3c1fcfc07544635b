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

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from mongodb_session_manager.manager import MongoDBSessionManagerFactory
from mongodb_session_manager.offline import ScriptedModel
from mongodb_session_manager.store.seeding import SeedingStore
from mongodb_session_manager.testing.backend import MongoBackend, start_backend

__all__ = ["MongoBackend", "start_backend"]  # re-exported for older imports


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
    repository = factory.repository
    scratch = SeedingStore(factory.pool, repository.database_name, repository.collection_name)
    try:
        factory.pool.run(scratch.drop_database())
    finally:
        factory.close()


@pytest.fixture
def scripted_model() -> ScriptedModel:
    """An offline model that echoes; extend its script with ``.extend([...])``."""
    return ScriptedModel()
