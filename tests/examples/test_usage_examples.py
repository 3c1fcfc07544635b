"""The usage examples, run as a user would: what they print, and what they stored."""

from __future__ import annotations

import re

from mongodb_session_manager.testing import MongoBackend
from tests.examples.example_runner import run_example as run_usage_example
from tests.examples.example_runner import stored_session


def test_calculator_tool(msm_backend: MongoBackend) -> None:
    out = run_usage_example("calculator_tool.py", msm_backend)
    assert "  tool call: calculator({'expression': '240 * 15 / 100'})\n  tool result: 36\n" in out
    assert "  assistant: Each person pays 9." in out
    assert "  restored 8 messages" in out
    assert "  calculator: 2 calls, 2 ok, 0 errors" in out
    assert "  session: 10 messages, 5 model calls" in out
    session = stored_session(msm_backend, "calculator-example")
    if session is not None:
        assert session["agents"]["default"]["message_count"] == 10
        (tool,) = session["totals"]["tools"].values()
        assert (tool["name"], tool["calls"], tool.get("errors", 0)) == ("calculator", 2, 0)


def test_fastapi_app(msm_backend: MongoBackend) -> None:
    out = run_usage_example("fastapi_app.py", msm_backend)
    assert '  -> "Of course! What\'s wrong with order A-1042?" (message #1, 2 stored)' in out
    assert "(message #3, 4 stored)" in out
    assert "PUT metadata -> {'customer_id': 'c-42', 'topic': 'damaged order'}" in out
    assert "POST feedback -> rating=up on message #3" in out
    assert "GET summary -> {'messages': 4, " in out and "'feedbacks': 1" in out
    assert "POST feedback on a session that does not exist -> 404" in out
    session = stored_session(msm_backend, "user-42")
    if session is not None:
        assert session["application_name"] == "fastapi-example"
        assert session["agents"]["assistant"]["message_count"] == 4
        assert [(f["rating"], f["message_id"], f["agent_id"]) for f in session["feedbacks"]] == [
            ("up", 3, "assistant")
        ]
        assert stored_session(msm_backend, "nobody") is None  # the 404 created nothing


def test_fastapi_streaming(msm_backend: MongoBackend) -> None:
    out = run_usage_example("fastapi_streaming.py", msm_backend)
    for name in ("Ana", "Ben", "Chloe"):
        assert f"  'Hello {name}! Here is a streamed answer to: how are you?'" in out
    chunks = [int(n) for n in re.findall(r": (\d+) chunks, first after", out)]
    assert len(chunks) == 3 and min(chunks) > 5  # streamed in pieces, not in one block
    assert re.search(r"Worst event-loop stall while streaming 3 conversations: [\d.]+ ms", out)
    for session_id in ("stream-ana", "stream-ben", "stream-chloe"):
        assert f"{session_id}: 2 messages stored" in out
        session = stored_session(msm_backend, session_id)
        if session is not None:
            assert session["agents"]["assistant"]["messages"][1]["content"][0]["text"].startswith(
                "Hello "
            )


def test_stream_async(msm_backend: MongoBackend) -> None:
    out = run_usage_example("stream_async.py", msm_backend)
    assert "> Why stream answers?\nStreaming keeps people engaged" in out
    assert "[tool call: weather({'city': 'Madrid'})]" in out
    assert "It is sunny in Madrid today, 24 °C." in out
    assert len(re.findall(r"\[model call: \d+ in / \d+ out tokens, 250 ms", out)) == 3
    assert "[session so far: 2 messages, 1 model calls" in out
    assert "[session so far: 6 messages, 3 model calls" in out
    assert "weather tool: 1 call(s), 1 ok" in out
    session = stored_session(msm_backend, "stream-async-example")
    if session is not None:
        assert session["totals"]["model_calls"] == 3
        assert session["totals"]["latency_ms"] == 750


def test_metadata_tool(msm_backend: MongoBackend) -> None:
    out = run_usage_example("metadata_tool.py", msm_backend)
    assert "  tool success: Successfully updated metadata fields: ['language', 'topic']" in out
    assert '  tool success: Metadata retrieved: {"language": "es", "topic": "billing"}' in out
    assert "  tool success: Successfully deleted metadata fields: ['topic']" in out
    assert "  tool error: Error managing metadata: not allowed to write: customer_id" in out
    assert "-> Error managing metadata: not allowed to read: customer_id" in out
    assert "-> Error managing metadata: not allowed to write: language" in out
    assert "-> Error: Unknown action 'purge'. Use 'get', 'set', 'update', or 'delete'" in out
    assert '{"action": "get"} -> All metadata: {"language": "es", "preferences"' in out
    session = stored_session(msm_backend, "metadata-tool-example")
    if session is not None:
        assert session["metadata"] == {"customer_id": "c-42", "language": "es", "preferences": {}}


def test_agent_config(msm_backend: MongoBackend) -> None:
    out = run_usage_example("agent_config.py", msm_backend)
    assert "  triage: model=scripted-triage-v1 prompt='You route each request" in out
    assert "  billing: prompt_metadata={'experiment': 'explain-amounts', 'variant': 'B'}" in out
    assert "  triage: 2 messages, model scripted-triage-v1, prompt_metadata=None" in out
    assert (
        "restored 2 messages; prompt 'You are a billing specialist. Explain every amount.'" in out
    )
    assert (
        "after the run: model=scripted-billing-v2 prompt_metadata={'experiment': "
        "'explain-amounts', 'variant': 'B'}"
    ) in out
    session = stored_session(msm_backend, "agent-config-example")
    if session is not None:
        billing = session["agents"]["billing"]
        assert billing["system_prompt"] == "You are a billing specialist. Explain every amount."
        assert billing["prompt_metadata"] == {"experiment": "explain-amounts", "variant": "B"}
        assert billing["message_count"] == 4


def test_performance(msm_backend: MongoBackend) -> None:
    out = run_usage_example("performance.py", msm_backend)
    rows = {
        name: (int(connections), int(commands))
        for name, connections, commands in re.findall(
            r"│ (new client per request|one factory \(shared pool\))\s*│\s*(\d+) │\s*(\d+) │", out
        )
    }
    naive, factory = rows["new client per request"], rows["one factory (shared pool)"]
    assert naive[0] >= 20  # at least one new connection per request
    assert factory[0] <= 2  # one pool for the process
    assert factory[1] < naive[1]
    assert "fewer connections" in out
