"""Fixtures of the compatibility tests: what a user of the reference library has at hand."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from mongodb_session_manager import MongoDBConnectionPool
from mongodb_session_manager.testing import MongoBackend


@pytest.fixture
def uri(msm_backend: MongoBackend) -> str:
    """The connection string a reference user passes (the wire server, or MONGODB_URI)."""
    if msm_backend.uri is None:
        pytest.skip(
            "needs a MongoDB wire server (the reference library's users pass a connection "
            "string or a sync pymongo.MongoClient); MSM_TEST_BACKEND=mock has neither"
        )
    return msm_backend.uri


@pytest.fixture
def db_name(msm_database_name: str, uri: str) -> Iterator[str]:
    """A database of the test's own, dropped afterwards (through a plain sync client)."""
    from pymongo import MongoClient

    yield msm_database_name
    with MongoClient[dict[str, Any]](uri) as client:
        client.drop_database(msm_database_name)


@pytest.fixture
def sync_client(uri: str) -> Iterator[Any]:
    """A synchronous ``pymongo.MongoClient``, as the reference library's docs build one."""
    from pymongo import MongoClient

    client: Any = MongoClient(uri, maxPoolSize=7, appname="reference-user")
    yield client
    client.close()


@pytest.fixture(autouse=True)
def _no_leftover_singletons() -> Iterator[None]:
    yield
    MongoDBConnectionPool.close()
    from mongodb_session_manager import close_global_factory

    close_global_factory()
