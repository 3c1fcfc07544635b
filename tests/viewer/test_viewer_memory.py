"""The Memory view's API: namespaces and entries that ``MongoDBMemoryStore`` wrote."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from mongodb_session_manager import MongoDBMemoryStore
from mongodb_session_manager.features.viewer_password import session_credential
from tests.viewer.store_seeds import HOSTILE_MEMORY, HOSTILE_METADATA, PAGED, seed_memory
from tests.viewer.viewer_helpers import Seeded

MakeClient = Callable[..., httpx.AsyncClient]
Client = httpx.AsyncClient
ENTRIES = "/api/v1/memory/entries"


@pytest.fixture(scope="module")
def memory(seeded: Seeded) -> MongoDBMemoryStore:
    return seed_memory(seeded)


async def entries(client: Client, **params: Any) -> dict[str, Any]:
    response = await client.get(ENTRIES, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def texts(page: dict[str, Any]) -> list[str]:
    return [item["text"] for item in page["items"]]


@pytest.mark.usefixtures("memory")
async def test_memory_needs_the_admin_token(seeded: Seeded, make_client: MakeClient) -> None:
    async with make_client(token=None) as anonymous:
        for path in ("/api/v1/memory/namespaces", f"{ENTRIES}?namespace=user-facts"):
            response = await anonymous.get(path)
            assert response.status_code == 401, path
    password = seeded.factory.repository.get_session_viewer_password("support-0001")
    assert password is not None
    async with make_client(token=session_credential("support-0001", password)) as scoped:
        for path in ("/api/v1/memory/namespaces", f"{ENTRIES}?namespace=user-facts"):
            response = await scoped.get(path)
            assert response.status_code == 403, path  # a session password opens no memory


@pytest.mark.usefixtures("memory")
async def test_namespaces_with_their_counts(client: Client) -> None:
    response = await client.get("/api/v1/memory/namespaces")
    assert response.status_code == 200
    body = response.json()
    assert body["collection"] == "strands_memory" and body["truncated"] is False
    rows = {row["namespace"]: row for row in body["items"]}
    assert list(rows) == ["hostile", "paged", "user-facts"]  # by name
    assert rows["user-facts"]["entries"] == 4
    assert rows["user-facts"]["users"] == 3  # ana, bob and the shared entries
    assert rows["paged"]["entries"] == PAGED
    assert rows["paged"]["latest_at"] is not None


@pytest.mark.usefixtures("memory")
async def test_entries_newest_first_by_user_and_text(client: Client) -> None:
    every = await entries(client, namespace="user-facts")
    assert every["total"] == 4
    assert texts(every)[0] == "The office closes at 6pm"  # written last
    stamps = [item["created_at"] for item in every["items"]]
    assert stamps == sorted(stamps, reverse=True)
    ana = await entries(client, namespace="user-facts", user_id="ana")
    assert sorted(texts(ana)) == [
        "Ana paid $5.00 (approx.) for the upgrade",
        "Ana's favourite city is Lisbon",
    ]
    assert {item["user_id"] for item in ana["items"]} == {"ana"}
    lisbon = await entries(client, namespace="user-facts", q="LISBON")
    assert texts(lisbon) == ["Ana's favourite city is Lisbon"]
    assert lisbon["items"][0]["metadata"] == {"topic": "travel", "stars": 5}


@pytest.mark.usefixtures("memory")
async def test_filters_match_literally_never_as_patterns_or_operators(client: Client) -> None:
    dollars = await entries(client, namespace="user-facts", q="$5.00 (")
    assert texts(dollars) == ["Ana paid $5.00 (approx.) for the upgrade"]
    for pattern in (".*", "^Ana", "[a-z]+", "a|b"):
        assert (await entries(client, namespace="user-facts", q=pattern))["total"] == 0, pattern
    for namespace in ("$ne", "user-facts.x", "{'$gt': ''}", ".*"):
        page = await entries(client, namespace=namespace)
        assert page["total"] == 0 and page["items"] == [], namespace
    assert (await entries(client, namespace="user-facts", user_id="$exists"))["total"] == 0


@pytest.mark.usefixtures("memory")
async def test_hostile_parameters_are_clear_4xx(client: Client) -> None:
    refused = [
        {},  # no namespace
        {"namespace": ""},
        {"namespace": "a\x00b"},
        {"namespace": "x" * 5000},
        {"namespace": "paged", "q": "\x00"},
        {"namespace": "paged", "user_id": "y" * 2000},
        {"namespace": "paged", "page": "0"},
        {"namespace": "paged", "page": "1e9"},
        {"namespace": "paged", "page_size": "101"},
    ]
    for params in refused:
        response = await client.get(ENTRIES, params=params)
        assert response.status_code == 422, params
        assert response.json()["error"] == "invalid_request"
        assert len(response.content) < 3_000


@pytest.mark.usefixtures("memory")
async def test_pages_cover_every_entry_once(client: Client) -> None:
    seen: list[str] = []
    for page in (1, 2, 3):
        body = await entries(client, namespace="paged", page=page, page_size=10)
        assert body["total"] == PAGED and body["page"] == page
        seen += texts(body)
    assert len(seen) == PAGED == len(set(seen))
    assert seen[0] == "paged fact number 24"  # newest first
    assert (await entries(client, namespace="paged", page=4, page_size=10))["items"] == []


@pytest.mark.usefixtures("memory")
async def test_llm_written_markup_arrives_as_plain_json_strings(client: Client) -> None:
    response = await client.get(ENTRIES, params={"namespace": "hostile"})
    assert response.headers["content-type"] == "application/json"
    (item,) = response.json()["items"]
    assert item["text"] == HOSTILE_MEMORY  # a string value; the page puts it in as text
    assert item["metadata"] == HOSTILE_METADATA
    assert "nosniff" in response.headers["x-content-type-options"]


@pytest.mark.usefixtures("memory", "needs_command_monitoring")
async def test_each_memory_call_is_one_round_trip(seeded: Seeded, client: Client) -> None:
    await client.get("/api/v1/memory/namespaces")  # warm up (connection, handshake)
    stats = seeded.factory.pool.command_stats
    with stats.capture() as log:
        await client.get("/api/v1/memory/namespaces")
    assert log.commands == ["aggregate"]
    with stats.capture() as log:
        await entries(client, namespace="paged", q="fact", page=2, page_size=10)
    assert sorted(log.commands) == ["aggregate", "find"]  # the page and its count, together
