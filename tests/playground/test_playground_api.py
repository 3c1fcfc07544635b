"""The playground's HTTP API over a live server: streaming, history, feedback, safety."""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from mongodb_session_manager import MongoDBSessionManagerFactory
from mongodb_session_manager.playground.app import CSP, STATIC_DIR
from mongodb_session_manager.web import SHARED_STATIC_DIR
from tests.helpers.types import ReadRaw as Raw

LivePlayground = Any  # tests/playground/conftest.py


def chat(client: httpx.Client, session_id: str, text: str) -> list[tuple[str, dict[str, Any]]]:
    """Send a message; the Server-Sent Events of the answer, in order."""
    events: list[tuple[str, dict[str, Any]]] = []
    with client.stream("POST", f"/api/sessions/{session_id}/messages", json={"text": text}) as r:
        assert r.status_code == 200, r.read()
        assert r.headers["content-type"].startswith("text/event-stream")
        name = None
        for line in r.iter_lines():
            if line.startswith("event: "):
                name = line[7:]
            elif line.startswith("data: "):
                assert name is not None
                events.append((name, json.loads(line[6:])))
    return events


def names(events: list[tuple[str, dict[str, Any]]]) -> list[str]:
    """Event names with consecutive tokens folded into one."""
    folded: list[str] = []
    for name, _ in events:
        if not (name == "token" and folded and folded[-1] == "token"):
            folded.append(name)
    return folded


def test_a_tool_turn_streams_in_order_and_is_stored(
    start_playground: Callable[..., LivePlayground], raw: Raw
) -> None:
    live = start_playground()
    with live.client() as client:
        events = chat(client, "calc-1", "What is 12 * 7.5 * 1.21?")
    assert names(events) == [
        "user",
        "tool_start",
        "tool_call",
        "assistant",
        "tool_result",
        "token",
        "assistant",
        "done",
    ]
    by_name = dict(events)
    assert by_name["user"] == {"message_id": 0}
    assert by_name["tool_call"]["name"] == "calculator"
    assert by_name["tool_call"]["input"] == {"expression": "12 * 7.5 * 1.21"}
    assert by_name["tool_result"]["text"] == "108.9"
    streamed = "".join(data["text"] for name, data in events if name == "token")
    assert streamed == "**12 * 7.5 * 1.21 = 108.9**\n\nComputed with the `calculator` tool."
    done = by_name["done"]
    assert done["message_ids"] == [0, 1, 2, 3]
    assert done["stats"]["message_count"] == 4
    assert done["stats"]["tool_calls"] == 1
    assert done["stats"]["model_calls"] == 2
    assert done["viewer_url"] == "http://127.0.0.1:8882/?session=calc-1"

    stored = raw("calc-1")
    assert stored is not None
    agent = stored["agents"]["assistant"]
    assert agent["message_count"] == 4
    assert [m["role"] for m in agent["messages"]] == ["user", "assistant", "user", "assistant"]
    assert stored["application_name"] == "msm-playground"


def test_the_metadata_tool_updates_the_panel_live(
    start_playground: Callable[..., LivePlayground], raw: Raw
) -> None:
    live = start_playground()
    with live.client() as client:
        events = chat(client, "meta-1", "Hello, my name is Ana")
    metadata_events = [data for name, data in events if name == "metadata"]
    assert metadata_events == [{"metadata": {"user_name": "Ana"}}]
    assert dict(events)["done"]["stats"]["metadata"] == {"user_name": "Ana"}
    stored = raw("meta-1")
    assert stored is not None and stored["metadata"] == {"user_name": "Ana"}


def test_history_comes_back_with_feedback_and_figures(
    start_playground: Callable[..., LivePlayground],
) -> None:
    live = start_playground()
    with live.client() as client:
        chat(client, "hist-1", "hi <b>there</b>")
        second = chat(client, "hist-1", "what is 2 + 3")
        answer_id = dict(second)["done"]["message_ids"][-1]
        response = client.post(
            "/api/sessions/hist-1/feedback",
            json={"message_id": answer_id, "rating": "up", "comment": "exact"},
        )
        assert response.status_code == 200, response.text
        assert response.json()["stats"]["feedbacks"] == 1
        history = client.get("/api/sessions/hist-1").json()
    assert history["exists"] is True
    messages = history["messages"]
    assert [m["message_id"] for m in messages] == list(range(6))
    assert messages[0]["blocks"] == [{"type": "text", "text": "hi <b>there</b>"}]
    assert messages[1]["blocks"][0]["text"].startswith("You said:\n\n> hi <b>there</b>")
    assert messages[3]["blocks"][0]["type"] == "tool_use"
    assert messages[4]["blocks"][0] == {
        "type": "tool_result",
        "id": messages[3]["blocks"][0]["id"],
        "status": "success",
        "text": "5",
    }
    assert messages[answer_id]["feedback"] == "up"
    assert messages[1]["feedback"] is None
    assert messages[1]["output_tokens"] > 0
    assert history["stats"]["message_count"] == 6
    assert history["stats"]["feedbacks"] == 1


def test_feedback_is_stored_with_agent_and_message(
    start_playground: Callable[..., LivePlayground], raw: Raw
) -> None:
    live = start_playground()
    with live.client() as client:
        events = chat(client, "fb-1", "hello")
        answer_id = dict(events)["assistant"]["message_id"]
        up = client.post(
            "/api/sessions/fb-1/feedback", json={"message_id": answer_id, "rating": "up"}
        )
        cleared = client.post(
            "/api/sessions/fb-1/feedback", json={"message_id": answer_id, "rating": None}
        )
        assert up.status_code == cleared.status_code == 200
        on_user = client.post("/api/sessions/fb-1/feedback", json={"message_id": 0, "rating": "up"})
        on_missing = client.post(
            "/api/sessions/fb-1/feedback", json={"message_id": 99, "rating": "down"}
        )
        bad_rating = client.post(
            "/api/sessions/fb-1/feedback", json={"message_id": answer_id, "rating": "meh"}
        )
        history = client.get("/api/sessions/fb-1").json()
    assert on_user.status_code == on_missing.status_code == 422
    assert "is not an answer of session 'fb-1'" in on_user.json()["detail"]
    assert bad_rating.status_code == 422
    stored = raw("fb-1")
    assert stored is not None
    assert [(f["rating"], f["agent_id"], f["message_id"]) for f in stored["feedbacks"]] == [
        ("up", "assistant", answer_id),
        (None, "assistant", answer_id),
    ]
    assert history["messages"][answer_id]["feedback"] is None  # the latest feedback wins


def test_reading_an_unknown_session_creates_nothing(
    start_playground: Callable[..., LivePlayground], raw: Raw
) -> None:
    live = start_playground()
    with live.client() as client:
        history = client.get("/api/sessions/never-written").json()
    assert history == {
        "session_id": "never-written",
        "exists": False,
        "messages": [],
        "stats": None,
        "viewer_url": "http://127.0.0.1:8882/?session=never-written",
    }
    assert raw("never-written") is None


def test_the_api_needs_the_token_and_the_page_has_no_inline_code(
    start_playground: Callable[..., LivePlayground],
) -> None:
    live = start_playground()
    with httpx.Client(base_url=live.url, timeout=30) as anonymous:
        assert anonymous.get("/health").json()["status"] == "ok"
        page = anonymous.get("/")
        assert page.status_code == 200
        assert page.headers["content-security-policy"] == CSP
        assert page.headers["x-frame-options"] == "DENY"
        for path in ("/api/config", "/api/sessions/s1"):
            assert anonymous.get(path).status_code == 401
            wrong = anonymous.get(path, headers={"Authorization": "Bearer " + "x" * 32})
            assert wrong.status_code == 401
        refused = anonymous.post("/api/sessions/s1/messages", json={"text": "hi"})
        assert refused.status_code == 401
    html = page.text
    assert "'unsafe-inline'" not in CSP and "script-src 'self'" in CSP
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "inline <script> in the page"
    assert not re.search(r"\son[a-z]+\s*=", html), "inline event handler in the page"
    assert " style=" not in html
    for static in STATIC_DIR.rglob("*.js"):
        assert "cdn" not in static.read_text(encoding="utf-8").lower() or "vendor" in str(static)
    script = (STATIC_DIR / "playground.js").read_text(encoding="utf-8")
    # Markdown goes through the one shared renderer; no HTML is ever assigned from text.
    assert "from '/shared/render.js'" in script and "innerHTML" not in script.replace(
        "// innerHTML", ""
    )
    shared = (SHARED_STATIC_DIR / "render.js").read_text(encoding="utf-8")
    assert "DOMPurify.sanitize(" in shared and ".innerHTML" not in shared


@pytest.mark.parametrize(
    ("session_id", "body", "status"),
    [
        ("bad id!", {"text": "hi"}, 422),
        ("$where", {"text": "hi"}, 422),
        ("ok-id", {"text": "   "}, 422),
        ("ok-id", {"text": "x" * 9_000}, 422),
        ("ok-id", {}, 422),
    ],
)
def test_bad_input_is_refused_and_nothing_is_stored(
    start_playground: Callable[..., LivePlayground],
    raw: Raw,
    session_id: str,
    body: dict[str, Any],
    status: int,
) -> None:
    live = start_playground()
    with live.client() as client:
        response = client.post(f"/api/sessions/{session_id}/messages", json=body)
    assert response.status_code == status, response.text
    assert raw(session_id) is None


def test_one_turn_at_a_time_per_session(start_playground: Callable[..., LivePlayground]) -> None:
    live = start_playground(latency_ms=1_500)
    with live.client() as first, live.client() as second:
        with first.stream("POST", "/api/sessions/busy-1/messages", json={"text": "hello"}) as r:
            lines = r.iter_lines()
            assert next(lines) == "event: user"  # the turn is running
            refused = second.post("/api/sessions/busy-1/messages", json={"text": "again"})
            other = second.get("/api/sessions/busy-1")  # reading is fine meanwhile
            for _ in lines:
                pass
        assert refused.status_code == 409
        assert "still being written" in refused.json()["detail"]
        assert other.status_code == 200
        after = chat(second, "busy-1", "and now?")
    assert dict(after)["done"]["message_ids"] == [2, 3]


def test_a_reload_mid_answer_does_not_lose_the_answer(
    start_playground: Callable[..., LivePlayground], raw: Raw
) -> None:
    live = start_playground(latency_ms=1_500)
    with live.client() as client:
        with client.stream("POST", "/api/sessions/gone-1/messages", json={"text": "hello"}) as r:
            assert next(r.iter_lines()) == "event: user"
        # The browser went away; the turn finishes on its own and is stored whole.
        deadline = time.monotonic() + 30
        while live.app.state.service._turns and time.monotonic() < deadline:
            time.sleep(0.05)
        history = client.get("/api/sessions/gone-1").json()
    assert [m["role"] for m in history["messages"]] == ["user", "assistant"]
    stored = raw("gone-1")
    assert stored is not None and stored["agents"]["assistant"]["message_count"] == 2


def test_turns_never_block_the_servers_event_loop(
    start_playground: Callable[..., LivePlayground], caplog: pytest.LogCaptureFixture
) -> None:
    live = start_playground()
    caplog.set_level(logging.INFO, logger="mongodb_session_manager")
    with live.client() as client:
        chat(client, "loop-1", "my name is Ana")  # a new session and agent
        chat(client, "loop-1", "what is 6 * 7")  # a resumed agent, a tool
        client.get("/api/sessions/loop-1")
    assert "store.blocking_call_in_event_loop" not in caplog.text
    assert "playground.turn.failed" not in caplog.text


def test_round_trips_of_a_turn(
    start_playground: Callable[..., LivePlayground],
    factory: MongoDBSessionManagerFactory,
    needs_command_monitoring: None,
) -> None:
    live = start_playground()
    with live.client() as client:
        chat(client, "rt-1", "hello")  # the session and the agent exist from here on
        with factory.pool.command_stats.capture() as log:
            chat(client, "rt-1", "hello again")
    # Open the session with the agent preloaded (2 reads), one write per message (2),
    # the side panel's figures (3 reads: metrics aggregate, metadata, feedbacks).
    assert log.writes == 2, log.commands
    assert log.reads == 5, log.commands
    assert log.round_trips == 7, log.commands


def test_a_turn_that_lost_a_race_reloads_and_is_stored_once(
    start_playground: Callable[..., LivePlayground],
    factory: MongoDBSessionManagerFactory,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    live = start_playground()
    with live.client() as client:
        chat(client, "raced", "hello")
        service = live.app.state.service
        opened = service.factory.create_session_manager_async

        async def open_then_someone_writes(session_id: str, **kwargs: Any) -> Any:
            manager = await opened(session_id, **kwargs)
            # Another server writes to the same agent after this turn opened the session.
            other = await factory.create_session_manager_async(session_id, preload_agents=())
            from strands import Agent

            from mongodb_session_manager.testing import ScriptedModel

            agent = Agent(
                model=ScriptedModel(),
                agent_id="assistant",
                session_manager=other,
                callback_handler=None,
            )
            await other.append_message_async(
                {"role": "user", "content": [{"text": "from elsewhere"}]}, agent
            )
            await other.close_async()
            monkeypatch.setattr(service.factory, "create_session_manager_async", opened)
            return manager

        monkeypatch.setattr(
            service.factory, "create_session_manager_async", open_then_someone_writes
        )
        events = chat(client, "raced", "second question")
    assert "error" not in names(events), events
    stored = factory.repository.list_messages("raced", "assistant")
    texts = [m.message["content"][0].get("text") for m in stored if m.message["role"] == "user"]
    assert texts == ["hello", "from elsewhere", "second question"]
    assert [m.message_id for m in stored] == list(range(len(stored)))
    assert dict(events)["user"] == {"message_id": 3}
