"""Guardrail events in the viewer: on the message, counted on the session, filterable."""

from __future__ import annotations

import json
from typing import Any

import httpx
from strands import Agent

from mongodb_session_manager import migrate_up
from mongodb_session_manager.testing import ScriptedModel
from tests.migrations.legacy_fixtures import legacy_session
from tests.viewer.viewer_helpers import Seeded

CARD = "4111 1111 1111 1111"
TRACE = {
    "guardrail": {
        "inputAssessment": {
            "g1": {
                "sensitiveInformationPolicy": {
                    "piiEntities": [
                        {"type": "CREDIT_DEBIT_CARD_NUMBER", "match": CARD, "action": "BLOCKED"}
                    ]
                }
            }
        }
    }
}


async def ids(client: httpx.AsyncClient, **params: Any) -> set[str]:
    response = await client.get("/api/v1/sessions", params={"limit": 100, **params})
    assert response.status_code == 200, response.text
    return {row["session_id"] for row in response.json()["items"]}


def traced_session(seeded: Seeded, session_id: str) -> None:
    manager = seeded.factory.create_session_manager(session_id)
    try:
        agent = Agent(model=ScriptedModel(), session_manager=manager, callback_handler=None)
        manager.append_message({"role": "user", "content": [{"text": f"card {CARD}"}]}, agent)
        manager.redact_latest_message(
            {"role": "user", "content": [{"text": "[redacted]"}]},
            agent,
            stop_reason="guardrail_intervened",
            guardrail_trace=TRACE,
        )
    finally:
        manager.close()


async def test_counts_filter_and_message_event(seeded: Seeded, client: httpx.AsyncClient) -> None:
    traced_session(seeded, "guarded-trace-1")
    rows = (await client.get("/api/v1/sessions", params={"limit": 100})).json()["items"]
    counts = {row["session_id"]: row["guardrail_count"] for row in rows}
    assert counts["payments-0002"] == 1  # Strands' own redaction in the demo
    assert counts["guarded-trace-1"] == 1
    assert counts["support-0001"] == 0
    with_events = await ids(client, guardrail="true")
    assert with_events == {s for s, n in counts.items() if n}
    without = await ids(client, guardrail="false")
    assert "support-0001" in without and not (without & with_events)
    assert (await client.get("/api/v1/sessions", params={"guardrail": "maybe"})).status_code == 422

    detail = (await client.get("/api/v1/sessions/guarded-trace-1")).json()
    assert detail["guardrail_count"] == 1
    timeline = await client.get("/api/v1/sessions/guarded-trace-1/timeline")
    [message] = [i for i in timeline.json()["items"] if i["kind"] == "message"]
    assert message["redacted"] is True
    assert message["guardrail"]["action"] == "BLOCKED"
    assert message["guardrail"]["stop_reason"] == "guardrail_intervened"
    assert message["guardrail"]["policies_triggered"] == {
        "sensitiveInformationPolicy": ["CREDIT_DEBIT_CARD_NUMBER"]
    }
    assert CARD not in timeline.text  # neither the original nor the trace's match is sent


async def test_reference_sessions_open_before_and_after_migration(
    seeded: Seeded, client: httpx.AsyncClient
) -> None:
    document = legacy_session("ref-guarded")
    document["session_viewer_password"] = "Reference-Plain-Password-7"
    document["guardrail_events"] = [
        {"type": "INPUT", "action": "REDACTED", "created_at": "2026-01-01"},
        "not even a dict",
        {"message_id": 0, "agent_id": "x", "action": "BLOCKED", "policies_triggered": "odd"},
    ]
    messages = next(iter(document["agents"].values()))["messages"]
    messages[0]["guardrail_event"] = {"action": 5, "policies_triggered": {"topicPolicy": "x"}}
    seeded.insert(document)

    async def opened() -> None:
        row_ids = await ids(client, session_id="ref-guarded", guardrail="true")
        assert row_ids == {"ref-guarded"}
        for suffix in ("", "/timeline", "/metrics", "/export"):
            response = await client.get(f"/api/v1/sessions/ref-guarded{suffix}")
            assert response.status_code == 200, (suffix, response.text)
            assert "Reference-Plain-Password-7" not in response.text
        assert (await client.get("/api/v1/sessions/ref-guarded")).json()["guardrail_count"] == 3

    await opened()
    pool = seeded.factory.pool
    report = migrate_up(pool=pool, database_name=seeded.database)
    assert report.ok, report
    stored = seeded.raw("ref-guarded")
    assert stored is not None and "session_viewer_password" not in stored
    assert "Reference-Plain-Password-7" not in json.dumps(stored, default=str)
    await opened()
