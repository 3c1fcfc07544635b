"""The Snapshots view's API: Strands' ``SnapshotSessionManager`` sessions, with time travel."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from mongodb_session_manager import MongoDBStorage
from mongodb_session_manager.features.viewer_password import session_credential
from tests.helpers.fail_points import fail_next
from tests.viewer.store_seeds import BULK, HOSTILE_ANSWER, HOSTILE_QUESTION, seed_snapshots
from tests.viewer.viewer_helpers import Seeded

MakeClient = Callable[..., httpx.AsyncClient]
Client = httpx.AsyncClient
BASE = "/api/v1/snapshot-sessions"
UNKNOWN_UUID7 = "0190f1c2-3b4a-7c5d-8e6f-0123456789ab"

pytestmark = pytest.mark.usefixtures("snapshots")


@pytest.fixture(scope="module")
def snapshots(seeded: Seeded) -> MongoDBStorage:
    return seed_snapshots(seeded)


async def ok(client: Client, path: str, **params: Any) -> dict[str, Any]:
    response = await client.get(path, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def texts(conversation: dict[str, Any]) -> list[str]:
    return ["".join(b.get("text", "") for b in m["blocks"]) for m in conversation["items"]]


async def checkpoints(client: Client, session_id: str = "chat-1") -> list[str]:
    detail = await ok(client, f"{BASE}/{session_id}")
    return [c["snapshot_id"] for c in detail["scopes"][0]["checkpoints"]]


async def test_snapshot_routes_need_the_admin_token(
    seeded: Seeded, make_client: MakeClient
) -> None:
    paths = [BASE, f"{BASE}/chat-1", f"{BASE}/chat-1/scopes/default/snapshots/latest"]
    async with make_client(token=None, allow_delete=True) as anonymous:
        for path in paths:
            assert (await anonymous.get(path)).status_code == 401, path
        assert (await anonymous.delete(f"{BASE}/chat-1")).status_code == 401
    password = seeded.factory.repository.get_session_viewer_password("support-0001")
    assert password is not None
    async with make_client(token=session_credential("support-0001", password)) as scoped:
        for path in [*paths, f"{BASE}/support-0001"]:
            response = await scoped.get(path)
            assert response.status_code == 403, path  # a session password opens no snapshot


async def test_the_list_is_newest_first_and_pages_by_before(client: Client) -> None:
    first = await ok(client, BASE, limit=3)
    assert first["collection"] == "strands_storage"
    ids = [row["session_id"] for row in first["items"]]
    assert ids == [f"bulk-{BULK - 1}", f"bulk-{BULK - 2}", f"bulk-{BULK - 3}"]
    rest = await ok(client, BASE, limit=3, before=first["next_before"])
    assert [row["session_id"] for row in rest["items"]] == ["bulk-0", "team-1", "chat-1"]
    last = await ok(client, BASE, limit=3, before=rest["next_before"])
    assert last["items"] == [] and last["next_before"] is None
    team = await ok(client, BASE, prefix="team")
    assert [(r["session_id"], r["scopes"]) for r in team["items"]] == [("team-1", 2)]
    assert team["next_before"] is None


async def test_a_session_lists_its_scopes_and_checkpoints_oldest_first(client: Client) -> None:
    detail = await ok(client, f"{BASE}/chat-1")
    (scope,) = detail["scopes"]
    assert (scope["kind"], scope["scope_id"]) == ("agent", "default")
    assert scope["latest"]["size_bytes"] > 0
    stamps = [c["created_at"] for c in scope["checkpoints"]]
    assert len(stamps) == 3 and stamps == sorted(stamps)
    team = await ok(client, f"{BASE}/team-1")
    assert [s["scope_id"] for s in team["scopes"]] == ["planner", "writer"]


async def test_time_travel_shows_the_conversation_at_each_checkpoint(client: Client) -> None:
    ids = await checkpoints(client)
    scope = f"{BASE}/chat-1/scopes/default/snapshots"
    first = await ok(client, f"{scope}/{ids[0]}")
    assert texts(first) == ["question 0", "answer 0"]
    assert first["state"] == {"step": 0} and first["snapshot_id"] == ids[0]
    second = await ok(client, f"{scope}/{ids[1]}")
    assert texts(second)[2:] == ["question 1", "answer 1"]
    latest = await ok(client, f"{scope}/latest")
    assert latest["message_count"] == 6 and latest["state"] == {"step": 2}
    assert texts(latest)[:2] == texts(first)  # the past is kept as it was
    assert first["created_at"] < second["created_at"] <= latest["created_at"]
    # The very items the message-log timeline shows (roles, agent, ids, usage).
    answer = first["items"][1]
    assert (answer["kind"], answer["role"], answer["agent_id"], answer["message_id"]) == (
        "message",
        "assistant",
        "default",
        1,
    )
    assert answer["blocks"][0]["type"] == "text" and answer["usage"]["outputTokens"] >= 1


async def test_conversations_page_by_offset(client: Client) -> None:
    path = f"{BASE}/chat-1/scopes/default/snapshots/latest"
    head = await ok(client, path, limit=4)
    assert len(head["items"]) == 4 and head["next_offset"] == 4
    tail = await ok(client, path, offset=head["next_offset"], limit=4)
    assert [m["message_id"] for m in tail["items"]] == [4, 5] and tail["next_offset"] is None


async def test_llm_markup_arrives_as_plain_json_strings(client: Client) -> None:
    latest = await ok(client, f"{BASE}/chat-1/scopes/default/snapshots/latest")
    assert texts(latest)[-2:] == [HOSTILE_QUESTION, HOSTILE_ANSWER]  # text; the page escapes


async def test_bad_ids_are_4xx(client: Client) -> None:
    scope = f"{BASE}/chat-1/scopes/default/snapshots"
    refused = [
        f"{BASE}/a%00b",
        f"{BASE}/{'x' * 5000}",
        f"{scope}/not-a-uuid",
        f"{scope}/6f1d0e0c-1111-4222-8333-444455556666",  # a UUIDv4
        f"{scope}/latest?kind=bogus",
        f"{scope}/{UNKNOWN_UUID7}?kind=multiAgent",  # orchestrators have no checkpoints
        f"{BASE}/chat-1/scopes/a%00b/snapshots/latest",
        f"{BASE}?prefix=a%2Fb",
        f"{BASE}?prefix=a%00",
        f"{BASE}?limit=0",
        f"{BASE}?before=yesterday",
    ]
    for path in refused:
        response = await client.get(path)
        assert response.status_code == 422, (path, response.text)
        assert response.json()["error"] == "invalid_request"
    for path in (
        f"{BASE}/no-such",
        f"{scope}/{UNKNOWN_UUID7}",
        f"{BASE}/chat-1/scopes/x/snapshots/latest",
    ):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert response.json()["error"] == "not_found"
    dotted = await client.get(f"{BASE}/chat-1/scopes/../snapshots/latest")  # the URL resolves it
    assert dotted.status_code == 404


async def test_an_unreadable_snapshot_is_a_clear_error(
    client: Client, snapshots: MongoDBStorage
) -> None:
    key = "session/broken-1/scopes/agent/default/snapshots/snapshot_latest.json"
    await snapshots.write(key, b"{not json")
    try:
        response = await client.get(f"{BASE}/broken-1/scopes/default/snapshots/latest")
    finally:
        await snapshots.delete(key)
    assert response.status_code == 422
    assert response.json()["error"] == "unreadable_snapshot"
    assert "not JSON" in response.json()["message"]


async def test_delete_only_when_allowed(make_client: MakeClient, snapshots: MongoDBStorage) -> None:
    async with make_client() as read_only:
        refused = await read_only.delete(f"{BASE}/bulk-0")
        assert refused.status_code == 403 and refused.json()["error"] == "forbidden"
        assert (await read_only.get(f"{BASE}/bulk-0")).status_code == 200
    async with make_client(allow_delete=True) as admin:
        deleted = await admin.delete(f"{BASE}/bulk-0")
        assert deleted.status_code == 200, deleted.text
        assert deleted.json() == {"session_id": "bulk-0", "deleted": True, "values": 2}
        assert (await admin.get(f"{BASE}/bulk-0")).status_code == 404
        assert (await admin.delete(f"{BASE}/bulk-0")).status_code == 404
    assert await snapshots.list("session/bulk-0/") == []


async def test_a_failing_storage_read_is_a_503_not_a_crash(seeded: Seeded, client: Client) -> None:
    if seeded.backend.uri is None:
        pytest.skip("needs a wire server (configureFailPoint)")
    await checkpoints(client)  # the storage's indexes are made: the next find is the read

    fail_next(seeded.factory.pool, "find", namespace=f"{seeded.database}.strands_storage")
    response = await client.get(f"{BASE}/chat-1/scopes/default/snapshots/latest")
    assert response.status_code == 503, response.text
    assert response.json()["error"] == "storage_failed"
    assert "Failed to read" in response.json()["message"]
    assert (await client.get(f"{BASE}/chat-1/scopes/default/snapshots/latest")).status_code == 200


@pytest.mark.usefixtures("needs_command_monitoring")
async def test_each_snapshot_call_is_bounded_in_round_trips(seeded: Seeded, client: Client) -> None:
    ids = await checkpoints(client)  # warm up (the storage's indexes, once per process)
    stats = seeded.factory.pool.command_stats
    calls = {
        BASE: 1,
        f"{BASE}/chat-1": 2,  # the snapshots, and the context stash
        f"{BASE}/chat-1/scopes/default/snapshots/{ids[0]}": 1,
        f"{BASE}/chat-1/scopes/default/snapshots/latest": 1,
    }
    for path, budget in calls.items():
        with stats.capture() as log:
            await ok(client, path)
        assert len(log.commands) == budget, (path, log.commands)


async def test_export_downloads_json_with_every_checkpoint_or_a_markdown_transcript(
    seeded: Seeded, make_client: MakeClient, client: Client
) -> None:
    ids = await checkpoints(client)
    as_json = await client.get(f"{BASE}/chat-1/export")
    at_first = await client.get(
        f"{BASE}/chat-1/export", params={"format": "markdown", "checkpoint": ids[0]}
    )

    assert as_json.status_code == 200, as_json.text
    assert 'filename="session-snapshots-chat-1.json"' in as_json.headers["content-disposition"]
    [scope] = as_json.json()["scopes"]
    assert [c["snapshot_id"] for c in scope["checkpoints"]] == ids
    assert at_first.status_code == 200 and at_first.headers["content-type"].startswith(
        "text/markdown"
    )
    assert "question 0" in at_first.text and "question 1" not in at_first.text
    latest = (await client.get(f"{BASE}/chat-1/export", params={"format": "markdown"})).text
    # LLM-written markup stays inside a code fence (the lifecycle's Markdown rules).
    line = next(n for n, text in enumerate(latest.splitlines()) if HOSTILE_ANSWER in text)
    assert latest.splitlines()[line - 1].startswith("```")
    assert (await client.get(f"{BASE}/nobody/export")).status_code == 404
    bad = await client.get(
        f"{BASE}/chat-1/export", params={"format": "markdown", "checkpoint": "x"}
    )
    assert bad.status_code == 422
    async with make_client(token=None) as anonymous:
        assert (await anonymous.get(f"{BASE}/chat-1/export")).status_code == 401
