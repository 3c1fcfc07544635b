"""Fixtures of the viewer tests: sessions made by real Strands agents, and the app."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest

from mongodb_session_manager import MongoDBSessionManagerFactory
from mongodb_session_manager.demo.seeds import seed_demo_sessions
from mongodb_session_manager.testing import MongoBackend
from mongodb_session_manager.viewer import create_app
from tests.viewer.viewer_helpers import LONG_TURNS, TOKEN, Seeded


@pytest.fixture(scope="module")
def seeded(msm_backend: MongoBackend) -> Iterator[Seeded]:
    """Demo sessions written by real agents through MongoDBSessionManager (once per module)."""
    database = f"msm_viewer_{uuid.uuid4().hex[:10]}"
    factory = MongoDBSessionManagerFactory(
        **msm_backend.options(database), metadata_fields=["customer_tier"]
    )
    ids = seed_demo_sessions(factory, filler=6, long_turns=LONG_TURNS)
    yield Seeded(msm_backend, database, factory, ids)

    async def drop() -> None:
        await factory.pool.client().drop_database(database)

    try:
        factory.pool.run(drop())
    finally:
        factory.close()


@pytest.fixture
def make_client(seeded: Seeded) -> Iterator[Callable[..., httpx.AsyncClient]]:
    """Build httpx clients on apps made with the given settings overrides."""
    apps: list[Any] = []

    def make(token: str | None = TOKEN, **overrides: Any) -> httpx.AsyncClient:
        app = create_app(seeded.settings(**overrides))
        apps.append(app)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://viewer.test", headers=headers
        )

    yield make
    for app in apps:
        app.state.queries.close()


@pytest.fixture
async def client(make_client: Callable[..., httpx.AsyncClient]) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the viewer on the seeded database, with the right token."""
    async with make_client() as http:
        yield http
