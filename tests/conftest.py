"""Shared fixtures of the test suite: the library's own pytest plugin plus helpers."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

import pytest

from mongodb_session_manager import MongoDBSessionManager, MongoDBSessionManagerFactory
from tests.helpers.store import raw_collection

if TYPE_CHECKING:
    from mongodb_session_manager.testing import MongoBackend

pytest_plugins = ["mongodb_session_manager.testing.pytest_plugin"]


def pytest_report_header(config: pytest.Config) -> str:
    import os

    if os.environ.get("MONGODB_URI"):
        return "msm backend: MONGODB_URI (real MongoDB)"
    if os.environ.get("MSM_TEST_BACKEND", "").lower() == "mock":
        return "msm backend: mongomock-motor (in process)"
    return "msm backend: mongoeco wire server (real PyMongo driver)"


@pytest.fixture
def factory(msm_factory: MongoDBSessionManagerFactory) -> MongoDBSessionManagerFactory:
    return msm_factory


@pytest.fixture
def new_manager(
    factory: MongoDBSessionManagerFactory,
) -> Iterator[Callable[..., MongoDBSessionManager]]:
    """Build managers on the test database; all are closed at the end."""
    made: list[MongoDBSessionManager] = []

    def make(session_id: str = "session-1", **kwargs: Any) -> MongoDBSessionManager:
        manager = factory.create_session_manager(session_id, **kwargs)
        made.append(manager)
        return manager

    yield make
    for manager in made:
        manager.close()


@pytest.fixture
def raw(factory: MongoDBSessionManagerFactory) -> Callable[[str], dict[str, Any] | None]:
    """Read a stored session document as it is in the database."""

    def read(session_id: str) -> dict[str, Any] | None:
        async def find() -> dict[str, Any] | None:
            return await raw_collection(factory.repository).find_one({"_id": session_id})  # type: ignore[no-any-return]

        return factory.pool.run(find())

    return read


@pytest.fixture
def needs_command_monitoring(msm_backend: MongoBackend) -> None:
    if not msm_backend.counts_commands:
        pytest.skip(
            "mongomock-motor sends no commands to count (budgets are proved on the wire backend)"
        )


@pytest.fixture
def no_global_listeners() -> Iterator[None]:
    """PyMongo without process-wide command listeners (the in-process benchmark
    test registers some with ``monitoring.register``), restored afterwards."""
    from pymongo import monitoring

    registered = monitoring._LISTENERS.command_listeners
    saved = registered[:]
    registered.clear()
    try:
        yield
    finally:
        registered[:] = saved
