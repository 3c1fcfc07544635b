"""Hostile session ids in the viewer's paths: each reaches its own session, or a 422."""

from __future__ import annotations

from urllib.parse import quote

import httpx
import pytest

from tests.viewer.viewer_helpers import Seeded

Client = httpx.AsyncClient

TRICKY_IDS = [
    "route-a/timeline",
    "route-a",
    "a/b/c/metrics",
    "line\nbreak",
    "per%2Fcent",
    "q?x=1#frag",
    "dots.and $dollar",
    "ünïcødé/🙂",
    "trailing/",
]


@pytest.fixture(scope="module")
def tricky(seeded: Seeded) -> list[str]:
    template = seeded.raw("support-0001")
    assert template is not None
    for index, session_id in enumerate(TRICKY_IDS):
        seeded.insert(
            {**template, "_id": session_id, "session_id": session_id, "metadata": {"n": index}}
        )
    return TRICKY_IDS


async def test_each_id_is_routed_to_its_own_session(client: Client, tricky: list[str]) -> None:
    for index, session_id in enumerate(tricky):
        path = f"/api/v1/sessions/{quote(session_id, safe='')}"
        detail = await client.get(path)
        assert detail.status_code == 200, session_id
        assert detail.json()["session_id"] == session_id
        assert detail.json()["metadata"] == {"n": index}
        for suffix in ("/timeline", "/metrics", "/export"):
            response = await client.get(path + suffix)
            assert response.status_code == 200, (session_id, suffix)
        export = (await client.get(path + "/export")).json()
        assert export["session"]["session_id"] == session_id


async def test_hostile_path_ids_are_typed_errors(client: Client) -> None:
    for raw in ("%00", "a%00b", "x" * 5000):
        response = await client.get(f"/api/v1/sessions/{raw}")
        assert response.status_code == 422, raw
        assert response.json()["error"] == "invalid_request"
        assert len(response.content) < 2_000
    missing = await client.get("/api/v1/sessions/no%2Fsuch")
    assert missing.status_code == 404 and "no/such" in missing.json()["message"]
