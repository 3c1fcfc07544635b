"""The viewer's HTTP API on sessions written by real Strands agents."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from mongodb_session_manager.demo.seeds import REDACTED_TEXT
from tests.viewer.viewer_helpers import LONG_TURNS, TOKEN, Seeded

Client = httpx.AsyncClient
MakeClient = Callable[..., httpx.AsyncClient]
CARD = "4111 1111 1111 1111"


async def ids(client: Client, **params: Any) -> list[str]:
    response = await client.get("/api/v1/sessions", params={"limit": 100, **params})
    assert response.status_code == 200, response.text
    return [row["session_id"] for row in response.json()["items"]]


# ------------------------------------------------------------------ auth and headers


async def test_every_api_route_needs_the_token_and_health_does_not(
    make_client: MakeClient,
) -> None:
    routes = [
        "/api/v1/config",
        "/api/v1/metadata-fields",
        "/api/v1/sessions",
        "/api/v1/sessions/support-0001",
        "/api/v1/sessions/support-0001/timeline",
        "/api/v1/sessions/support-0001/metrics",
        "/api/v1/sessions/support-0001/export",
    ]
    wrong = "x" * len(TOKEN)  # same length: only the comparison can refuse it
    for token in (None, wrong, TOKEN + "x", ""):
        async with make_client(token=token) as anonymous:
            for route in routes:
                response = await anonymous.get(route)
                assert response.status_code == 401, (token, route)
                assert response.headers["www-authenticate"] == "Bearer"
                assert response.json()["error"] == "unauthorized"
            assert (await anonymous.delete("/api/v1/sessions/support-0001")).status_code == 401
            assert (await anonymous.get("/api/v1/health")).status_code == 401
            health = await anonymous.get("/health")
            assert health.status_code == 200
            assert health.json() == {"status": "ok"}  # up or down, nothing else


async def test_health_reports_the_pool(client: Client) -> None:
    body = (await client.get("/api/v1/health")).json()
    assert body["status"] == "ok"
    assert body["latency_ms"] >= 0
    assert body["pool"]["max_pool_size"] == 100
    assert "connection_string" not in json.dumps(body)  # nothing about the server leaks


async def test_page_and_api_carry_security_headers(client: Client) -> None:
    for path in ("/", "/api/v1/config", "/static/js/main.js", "/health"):
        response = await client.get(path)
        assert response.status_code == 200, path
        csp = response.headers["content-security-policy"]
        assert "script-src 'self';" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["x-frame-options"] == "DENY"
    page = await client.get("/")
    assert page.headers["content-type"].startswith("text/html")
    assert '<script type="module" src="/static/js/main.js">' in page.text
    assert "http://" not in page.text.replace("http://www.w3.org", "")  # no CDN
    assert "https://" not in page.text


async def test_openapi_document_and_offline_docs_page(client: Client) -> None:
    spec = (await client.get("/openapi.json")).json()
    assert "/api/v1/sessions" in spec["paths"]
    assert "/api/v1/sessions/{session_id}/timeline" in spec["paths"]
    assert "HTTPBearer" in spec["components"]["securitySchemes"]
    docs = await client.get("/docs")
    assert docs.status_code == 200
    assert "/static/vendor/swagger-ui/swagger-ui-bundle.js" in docs.text
    assert "cdn" not in docs.text.lower()
    assert (await client.get("/static/vendor/swagger-ui/swagger-ui-bundle.js")).status_code == 200


async def test_cors_is_closed_unless_origins_are_configured(make_client: MakeClient) -> None:
    origin = {"Origin": "https://support.example.com"}
    async with make_client() as closed:
        response = await closed.get("/api/v1/config", headers=origin)
        assert "access-control-allow-origin" not in response.headers
    async with make_client(cors_origins=("https://support.example.com",)) as opened:
        response = await opened.get("/api/v1/config", headers=origin)
        assert response.headers["access-control-allow-origin"] == "https://support.example.com"
        other = await opened.get("/api/v1/config", headers={"Origin": "https://evil.example"})
        assert "access-control-allow-origin" not in other.headers


# ------------------------------------------------------------------ metadata fields


async def test_metadata_fields_are_discovered_with_types(client: Client) -> None:
    body = (await client.get("/api/v1/metadata-fields")).json()
    fields = {f["name"]: f for f in body["fields"]}
    assert fields["customer_tier"]["type"] == "enum"
    assert fields["customer_tier"]["values"] == ["bronze", "gold", "silver"]
    assert fields["customer_tier"]["indexed"] is True  # the factory declared it
    assert fields["priority"]["type"] == "enum"
    assert fields["ticket"]["type"] == "number"
    assert fields["ticket"]["operators"] == ["eq", "gte", "lte"]
    assert fields["escalated"]["type"] == "boolean"
    assert fields["opened_at"]["type"] == "date"
    assert fields["note"]["type"] == "string"
    assert body["application_names"] == ["mobile-app", "qa-suite", "support-desk", "web-chat"]
    assert body["models"] == ["scripted-haiku", "scripted-sonnet"]


# ------------------------------------------------------------------ search


async def test_rows_carry_counts_totals_and_a_preview(client: Client) -> None:
    rows = (await client.get("/api/v1/sessions", params={"session_id": "support-"})).json()
    assert rows["total"] == 1
    row = rows["items"][0]
    assert row["agent_count"] == 2
    assert {a["agent_id"]: a["model"] for a in row["agents"]} == {
        "triage": "scripted-haiku",
        "support": "scripted-sonnet",
    }
    assert row["message_count"] == 10
    assert row["feedback_count"] == 2 and row["feedback_up"] == 1 and row["feedback_down"] == 1
    assert row["totals"]["model_calls"] == 5 and row["totals"]["total_tokens"] > 0
    assert row["preview"] == "Where is my order A-1042?"
    assert row["metadata"]["customer_tier"] == "gold"


async def test_search_pages_do_not_overlap_and_keep_the_total(
    client: Client, seeded: Seeded
) -> None:
    seen: list[str] = []
    for offset in range(0, 20, 4):
        page = (await client.get("/api/v1/sessions", params={"limit": 4, "offset": offset})).json()
        assert page["total"] == len(seeded.session_ids)
        seen += [row["session_id"] for row in page["items"]]
    assert sorted(seen) == sorted(seeded.session_ids)
    by_id = await ids(client, sort="session_id")
    assert by_id == sorted(seeded.session_ids)
    newest_first = await ids(client, sort="-created_at")
    assert newest_first[-1] == "chat-0005"  # the filler sessions are backdated


async def test_prefix_filter_is_literal_not_a_pattern(client: Client) -> None:
    assert await ids(client, session_id="chat-000", sort="session_id") == [
        f"chat-000{i}" for i in range(6)
    ]
    assert await ids(client, session_id=".*") == []
    assert await ids(client, session_id="CHAT") == []  # case-sensitive, index friendly
    assert await ids(client, session_id="chat-0001") == ["chat-0001"]


async def test_typed_metadata_filters(client: Client) -> None:
    assert set(await ids(client, **{"meta.customer_tier": "gold"})) == {
        "support-0001",
        "chat-0000",
        "chat-0003",
    }
    response = await client.get(
        "/api/v1/sessions",
        params=[("meta.customer_tier", "gold"), ("meta.customer_tier", "bronze"), ("limit", "100")],
    )
    assert {r["metadata"]["customer_tier"] for r in response.json()["items"]} == {"gold", "bronze"}
    assert set(await ids(client, **{"meta.ticket:gte": "2002", "meta.ticket:lte": "2004"})) == {
        "chat-0002",
        "chat-0003",
        "chat-0004",
    }
    assert await ids(client, **{"meta.ticket": "1042"}) == ["support-0001"]
    assert await ids(client, **{"meta.escalated": "true"}) == ["support-0001"]
    assert await ids(client, **{"meta.opened_at:gte": "2026-11-20"}) == ["support-0001"]
    assert await ids(client, **{"meta.opened_at:lte": "2026-11-19"}) == []
    assert await ids(client, **{"meta.note:prefix": "Here is the page"}) == ["hostile-0004"]
    assert await ids(client, **{"meta.priority:prefix": "hi", "meta.customer_tier": "silver"}) == [
        "payments-0002"
    ]


async def test_feedback_model_application_and_date_filters(client: Client) -> None:
    assert set(await ids(client, rating="up")) == {"support-0001", "payments-0002"}
    assert set(await ids(client, rating="down")) == {"support-0001", "hostile-0004"}
    assert set(await ids(client, rating="any")) == {
        "support-0001",
        "payments-0002",
        "hostile-0004",
    }
    assert "support-0001" not in await ids(client, rating="none")
    assert set(await ids(client, model="scripted-sonnet", application_name="support-desk")) == {
        "support-0001",
        "vision-0003",
    }
    assert await ids(client, model="$agents") == []  # a value, never a field path
    cutoff = (datetime.now(UTC) - timedelta(hours=12)).isoformat()
    recent = await ids(client, created_from=cutoff)
    assert "chat-0000" not in recent and "support-0001" in recent
    assert set(await ids(client, created_to=cutoff)) == {f"chat-000{i}" for i in range(6)}


@pytest.mark.parametrize(
    ("params", "location"),
    [
        ({"bogus": "1"}, "bogus"),
        ({"meta.unknown_field": "x"}, "meta.unknown_field"),
        ({"meta.escalated:prefix": "t"}, "meta.escalated:prefix"),
        ({"meta.ticket": "twelve"}, "meta.ticket"),
        ({"meta.ticket:gte": "nan"}, "meta.ticket:gte"),
        ({"meta.escalated": "maybe"}, "meta.escalated"),
        ({"meta.opened_at:gte": "yesterday"}, "meta.opened_at:gte"),
        ({"meta.customer_tier:regex": ".*"}, "meta.customer_tier:regex"),
        ({"limit": "1000"}, "limit"),
        ({"offset": "-1"}, "offset"),
        ({"sort": "metadata.secret"}, "sort"),
        ({"rating": "great"}, "rating"),
        ({"created_from": "not a date"}, "created_from"),
        ({"created_from": "2026-02-01", "created_to": "2026-01-01"}, "created_to"),
        ({"session_id": "a\x00b"}, "session_id"),
        ({"session_id": "x" * 2000}, "session_id"),
    ],
)
async def test_bad_search_parameters_are_422_saying_which(
    client: Client, params: dict[str, str], location: str
) -> None:
    response = await client.get("/api/v1/sessions", params=params)
    assert response.status_code == 422, response.text
    body = response.json()
    assert body["error"] == "invalid_request"
    assert location in body["message"] or location.split(":")[0] in body["message"]
    assert any(d["location"][-1] == location for d in body["details"]), body["details"]


# ------------------------------------------------------------------ one session


async def test_session_header_agents_feedbacks_metadata(client: Client) -> None:
    response = await client.get("/api/v1/sessions/support-0001")
    assert response.status_code == 200
    body = response.json()
    assert [a["agent_id"] for a in body["agents"]] == ["triage", "support"]  # creation order
    support = body["agents"][1]
    assert support["model"] == "scripted-sonnet"
    assert support["system_prompt"].startswith("You are a friendly support agent")
    assert support["message_count"] == 8 and support["totals"]["model_calls"] == 4
    assert "messages" not in support
    assert [(f["rating"], f["agent_id"], f["message_id"]) for f in body["feedbacks"]] == [
        ("up", "support", 3),
        ("down", None, None),
    ]
    assert body["metadata"]["ticket"] == 1042
    assert body["schema_current"] is True
    assert body["totals"]["messages"] == 10


async def test_unknown_session_is_404_and_bad_ids_422(client: Client) -> None:
    for suffix in ("", "/timeline", "/metrics", "/export"):
        response = await client.get(f"/api/v1/sessions/no-such-session{suffix}")
        assert response.status_code == 404, suffix
        assert response.json() == {
            "error": "not_found",
            "message": "session 'no-such-session' does not exist",
            "details": [],
        }
    response = await client.get("/api/v1/sessions/" + "x" * 1100)
    assert response.status_code == 422
    assert (await client.get("/api/v1/nothing-here")).json()["error"] == "not_found"


async def test_hostile_session_ids_are_reachable(client: Client, seeded: Seeded) -> None:
    for session_id in ("a/b", "dots.and.$dollars", "ünïcødé 会话", "?x=1&y=#2"):
        seeded.insert({"_id": session_id, "session_id": session_id, "schema_version": 2})
        response = await client.get("/api/v1/sessions/" + quote(session_id, safe=""))
        assert response.status_code == 200, (session_id, response.text)
        assert response.json()["session_id"] == session_id
        timeline = await client.get("/api/v1/sessions/" + quote(session_id, safe="") + "/timeline")
        assert timeline.json()["items"] == []


# ------------------------------------------------------------------ timeline


async def test_timeline_orders_agents_tools_and_feedback(client: Client) -> None:
    body = (await client.get("/api/v1/sessions/support-0001/timeline")).json()
    items = body["items"]
    assert body["total"] == 12 and body["next_cursor"] is None
    messages = [(i["agent_id"], i["message_id"]) for i in items if i["kind"] == "message"]
    assert messages[:2] == [("triage", 0), ("triage", 1)]
    assert [m for a, m in messages if a == "support"] == list(range(8))
    kinds = [
        (i["role"], [b["type"] for b in i["blocks"]])
        for i in items
        if i["kind"] == "message" and i["agent_id"] == "support"
    ]
    assert kinds[1] == ("assistant", ["text", "tool_use"])
    assert kinds[2] == ("user", ["tool_result"])
    blocks = [b for i in items if i["kind"] == "message" for b in i["blocks"]]
    results = [b for b in blocks if b["type"] == "tool_result"]
    assert [r["status"] for r in results] == ["success", "error"]
    assert "exceeds the 100 EUR limit" in json.dumps(results[1])
    tool_use = items[3]["blocks"][1]
    assert tool_use["name"] == "lookup_order" and tool_use["input"] == {"order_id": "A-1042"}
    feedbacks = [i for i in items if i["kind"] == "feedback"]
    assert [f["rating"] for f in feedbacks] == ["up", "down"]
    assistant = items[1]
    assert assistant["usage"]["totalTokens"] > 0 and assistant["metrics"]["latencyMs"] > 0


async def test_redacted_message_shows_the_redaction_only(client: Client) -> None:
    responses = [
        await client.get("/api/v1/sessions/payments-0002/timeline"),
        await client.get("/api/v1/sessions", params={"session_id": "payments"}),
        await client.get("/api/v1/sessions/payments-0002"),
        await client.get("/api/v1/sessions/payments-0002/export"),
        await client.get("/api/v1/sessions/payments-0002/export", params={"format": "markdown"}),
    ]
    for response in responses:
        assert response.status_code == 200
        assert CARD not in response.text
    first = responses[0].json()["items"][0]
    assert first["redacted"] is True
    assert first["blocks"] == [
        {"type": "text", "text": REDACTED_TEXT, "blob_url": None, "size_bytes": None}
    ]
    assert responses[1].json()["items"][0]["preview_redacted"] is True
    assert "**redacted**" in responses[4].text


async def test_timeline_pages_add_up_to_the_whole_timeline(client: Client) -> None:
    path = "/api/v1/sessions/long-0005/timeline"
    whole = (await client.get(path, params={"limit": 500})).json()
    assert whole["total"] == 2 * LONG_TURNS and len(whole["items"]) == 2 * LONG_TURNS
    paged: list[dict[str, Any]] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, Any] = {"limit": 7}
        if cursor:
            params["cursor"] = cursor
        page = (await client.get(path, params=params)).json()
        pages += 1
        assert len(page["items"]) <= 7
        paged += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert pages == -(-2 * LONG_TURNS // 7)
    assert paged == whole["items"]
    assert [i["message_id"] for i in paged] == list(range(2 * LONG_TURNS))


@pytest.mark.parametrize(
    "cursor",
    ["garbage", "eyJ2IjoxfQ", "eyJ2IjogMSwgIm8iOiB7IiR3aGVyZSI6IDB9LCAiZiI6IDB9", "e30"],
)
async def test_forged_cursors_are_refused(client: Client, cursor: str) -> None:
    # The third one is {"v": 1, "o": {"$where": 0}, "f": 0}: a key that is no agent key.
    response = await client.get("/api/v1/sessions/long-0005/timeline", params={"cursor": cursor})
    assert response.status_code == 422
    assert response.json()["details"][0]["location"] == ["query", "cursor"]


async def test_timeline_is_stable_across_agents_clock_skew_and_tied_feedback(
    client: Client, seeded: Seeded
) -> None:
    t = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)

    def msg(i: int, at: datetime, role: str = "user") -> dict[str, Any]:
        return {"message_id": i, "role": role, "content": [{"text": f"m{i}"}], "created_at": at}

    seeded.insert(
        {
            "_id": "skewed",
            "session_id": "skewed",
            "schema_version": 2,
            "agents": {
                # b's second message has a clock earlier than its first: id order wins.
                "b": {
                    "agent_id": "b",
                    "message_count": 2,
                    "messages": [msg(0, t + timedelta(seconds=1)), msg(1, t - timedelta(hours=1))],
                },
                "a": {
                    "agent_id": "a",
                    "message_count": 2,
                    "messages": [msg(0, t), msg(1, t + timedelta(seconds=3))],
                },
            },
            "feedbacks": [
                # tied to a#1 but stamped before it (another clock): still after a#1
                {"rating": "up", "agent_id": "a", "message_id": 1, "created_at": t},
                {"rating": "down", "created_at": t + timedelta(seconds=2)},
            ],
        }
    )
    items = (await client.get("/api/v1/sessions/skewed/timeline")).json()["items"]
    order = [
        f"{i['agent_id']}#{i['message_id']}" if i["kind"] == "message" else f"fb{i['index']}"
        for i in items
    ]
    assert order == ["a#0", "b#0", "b#1", "a#1", "fb0", "fb1"]
    for limit in (1, 2, 3):
        paged, cursor = [], None
        while True:
            params: dict[str, Any] = {"limit": limit, **({"cursor": cursor} if cursor else {})}
            page = (await client.get("/api/v1/sessions/skewed/timeline", params=params)).json()
            paged += page["items"]
            cursor = page["next_cursor"]
            if not cursor:
                break
        assert paged == items


async def test_images_and_hostile_text_come_back_as_data(client: Client) -> None:
    items = (await client.get("/api/v1/sessions/vision-0003/timeline")).json()["items"]
    image = items[0]["blocks"][1]
    assert image["type"] == "image" and image["format"] == "png"
    assert image["data_url"].startswith("data:image/png;base64,iVBORw0KGgo")
    hostile = (await client.get("/api/v1/sessions/hostile-0004/timeline")).json()["items"]
    assert "<script>" in hostile[0]["blocks"][0]["text"]  # text stays text; the page escapes


async def test_metrics_follow_the_timeline_order(client: Client) -> None:
    body = (await client.get("/api/v1/sessions/support-0001/metrics")).json()
    calls = [(c["agent_id"], c["message_id"]) for c in body["calls"]]
    assert calls == [("triage", 1), ("support", 1), ("support", 3), ("support", 5), ("support", 7)]
    assert [c["seq"] for c in body["calls"]] == list(range(5))
    assert sum(c["usage"]["totalTokens"] for c in body["calls"]) == body["totals"]["total_tokens"]
    assert {a["agent_id"]: a["totals"]["model_calls"] for a in body["agents"]} == {
        "support": 4,
        "triage": 1,
    }
    tools = {t["name"]: (t["calls"], t["errors"]) for t in body["totals"]["tools"].values()}
    assert tools == {"lookup_order": (1, 0), "refund": (1, 1)}


# ------------------------------------------------------------------ export and delete


async def test_export_json_and_markdown(client: Client) -> None:
    response = await client.get("/api/v1/sessions/support-0001/export")
    assert response.headers["content-disposition"] == (
        'attachment; filename="session-support-0001.json"'
    )
    body = response.json()
    # The same exporter as `msm sessions export` (lifecycle.export).
    assert body["format"] == "mongodb-session-manager/session-export"
    assert body["session"]["session_id"] == "support-0001"
    assert sum(len(agent["messages"]) for agent in body["agents"]) == 10
    assert len(body["feedbacks"]) == 2
    markdown = await client.get("/api/v1/sessions/support-0001/export?format=markdown")
    assert markdown.headers["content-type"].startswith("text/markdown")
    text = markdown.text
    assert text.startswith("# Session `support-0001`")
    assert "**Tool call** `lookup_order`" in text and "**Tool result** (`" in text
    assert "👍 up" in text and "(agent `support`, message 3)" in text
    bad = await client.get("/api/v1/sessions/support-0001/export?format=pdf")
    assert bad.status_code == 422


async def test_deleting_needs_the_admin_option(
    client: Client, make_client: MakeClient, seeded: Seeded
) -> None:
    seeded.insert({"_id": "doomed", "session_id": "doomed", "schema_version": 2})
    refused = await client.delete("/api/v1/sessions/doomed")
    assert refused.status_code == 403
    assert "--allow-delete" in refused.json()["message"]
    assert seeded.raw("doomed") is not None
    async with make_client(allow_delete=True) as admin:
        assert (await admin.get("/api/v1/config")).json()["allow_delete"] is True
        deleted = await admin.delete("/api/v1/sessions/doomed")
        assert deleted.status_code == 200 and deleted.json() == {
            "session_id": "doomed",
            "deleted": True,
        }
        assert (await admin.delete("/api/v1/sessions/doomed")).status_code == 404
    assert seeded.raw("doomed") is None


# ------------------------------------------------------------------ failures


async def test_unreachable_database_is_503_json_and_health_says_so(
    make_client: MakeClient,
) -> None:
    async with make_client(
        connection_string="mongodb://127.0.0.1:1/?directConnection=true",
        client=None,
        pool_options={"serverSelectionTimeoutMS": 300, "connectTimeoutMS": 300},
    ) as down:
        health = await down.get("/health")
        assert health.status_code == 503
        assert health.json() == {"status": "unavailable"}
        detail = await down.get("/api/v1/health")
        assert detail.status_code == 503
        assert detail.json()["database_reachable"] is False and detail.json()["error"]
        response = await down.get("/api/v1/sessions/support-0001")
        assert response.status_code == 503
        assert response.json()["error"] == "database_unavailable"


async def test_a_malformed_document_does_not_break_the_list(
    client: Client, seeded: Seeded, msm_backend: Any
) -> None:
    if msm_backend.kind == "mock":
        pytest.skip("mongomock lacks $type, so its lenient pipeline cannot guard odd types")
    seeded.insert(
        {
            "_id": "broken",
            "session_id": "broken",
            "agents": {"x": {"agent_id": "x", "messages": "not a list"}, "y": "not an agent"},
            "feedbacks": "nope",
            "metadata": "not a dict",
            "totals": {"messages": "many"},
        }
    )
    response = await client.get("/api/v1/sessions", params={"session_id": "broken"})
    assert response.status_code == 200, response.text
    row = response.json()["items"][0]
    assert row["session_id"] == "broken" and row["feedback_count"] == 0
    assert (await client.get("/api/v1/sessions/broken")).status_code == 200
    assert (await client.get("/api/v1/sessions/broken/timeline")).status_code == 200
