"""Tests for the offline ScriptedModel, driven through a real ``strands.Agent``."""

from __future__ import annotations

import asyncio
import math
import threading
import time
from typing import Any

import pytest
from pydantic import BaseModel
from strands import Agent, tool

from mongodb_session_manager.testing import ScriptedModel


def _text(message: Any) -> str:
    return "".join(block.get("text", "") for block in message["content"])


def _make_calculator() -> tuple[Any, list[str]]:
    seen: list[str] = []

    @tool
    def calculator(expression: str) -> str:
        """Evaluate a simple arithmetic expression.

        Args:
            expression: An expression such as ``6*7``.
        """
        seen.append(expression)
        left, right = expression.split("*")
        return str(int(left) * int(right))

    return calculator, seen


# ---------------------------------------------------------------- basic replies


def test_plain_text_reply() -> None:
    model = ScriptedModel(["Hello there, human!"])
    agent = Agent(model=model, callback_handler=None)

    result = agent("hi")

    assert result.stop_reason == "end_turn"
    assert _text(result.message) == "Hello there, human!"
    assert model.calls == 1
    assert model.remaining == 0
    assert [m["role"] for m in agent.messages] == ["user", "assistant"]
    assert agent.messages[-1]["content"] == [{"text": "Hello there, human!"}]


async def test_streams_text_in_chunks() -> None:
    text = "The quick brown fox jumps over the lazy dog"
    agent = Agent(model=ScriptedModel([text], chunk_size=8), callback_handler=None)

    chunks = [event["data"] async for event in agent.stream_async("go") if "data" in event]

    assert chunks == [text[i : i + 8] for i in range(0, len(text), 8)]
    assert all(len(chunk) <= 8 for chunk in chunks)
    assert "".join(chunks) == text
    assert _text(agent.messages[-1]) == text


async def test_chunk_size_is_configurable() -> None:
    agent = Agent(model=ScriptedModel(["abcdefg"], chunk_size=3), callback_handler=None)

    chunks = [event["data"] async for event in agent.stream_async("go") if "data" in event]

    assert chunks == ["abc", "def", "g"]


# -------------------------------------------------------------------- tool use


def test_tool_use_turn_runs_the_tool_then_answers_with_next_item() -> None:
    calculator, seen = _make_calculator()
    model = ScriptedModel(
        [{"tool": "calculator", "input": {"expression": "6*7"}}, "The answer is 42."],
        chunk_size=4,
    )
    agent = Agent(model=model, tools=[calculator], callback_handler=None)

    result = agent("What is 6 times 7?")

    assert seen == ["6*7"]
    assert _text(result.message) == "The answer is 42."
    assert result.stop_reason == "end_turn"
    assert model.calls == 2

    roles = [m["role"] for m in agent.messages]
    assert roles == ["user", "assistant", "user", "assistant"]
    tool_use = agent.messages[1]["content"][0]["toolUse"]
    assert tool_use["name"] == "calculator"
    assert tool_use["input"] == {"expression": "6*7"}  # chunked JSON reassembled
    assert tool_use["toolUseId"].startswith("tooluse_")
    tool_result = agent.messages[2]["content"][0]["toolResult"]
    assert tool_result["toolUseId"] == tool_use["toolUseId"]
    assert tool_result["status"] == "success"
    assert tool_result["content"][0]["text"] == "42"
    assert agent.event_loop_metrics.tool_metrics["calculator"].success_count == 1


def test_generated_tool_use_ids_are_unique_and_pinnable() -> None:
    calculator, seen = _make_calculator()
    model = ScriptedModel(
        [
            {"tool": "calculator", "input": {"expression": "2*3"}},
            "six",
            {"tool": "calculator", "input": {"expression": "2*4"}, "toolUseId": "pinned-1"},
            "eight",
        ]
    )
    agent = Agent(model=model, tools=[calculator], callback_handler=None)

    agent("first")
    agent("second")

    ids = [
        block["toolUse"]["toolUseId"]
        for message in agent.messages
        for block in message["content"]
        if "toolUse" in block
    ]
    assert seen == ["2*3", "2*4"]
    assert len(ids) == 2
    assert ids[0] != ids[1]
    assert ids[1] == "pinned-1"


def test_parallel_tool_calls_with_preamble_text() -> None:
    calculator, seen = _make_calculator()
    model = ScriptedModel(
        [
            {
                "text": "Let me work those out.",
                "tools": [
                    {"tool": "calculator", "input": {"expression": "2*2"}},
                    {"tool": "calculator", "input": {"expression": "3*3"}},
                ],
            },
            "4 and 9.",
        ]
    )
    agent = Agent(model=model, tools=[calculator], callback_handler=None)

    result = agent("squares of 2 and 3?")

    assert sorted(seen) == ["2*2", "3*3"]
    assert _text(result.message) == "4 and 9."
    assistant_blocks = agent.messages[1]["content"]
    assert assistant_blocks[0] == {"text": "Let me work those out."}
    assert [b["toolUse"]["name"] for b in assistant_blocks[1:]] == ["calculator", "calculator"]
    assert len(agent.messages[2]["content"]) == 2  # two toolResults


# ------------------------------------------------------------------------ echo


def test_echoes_last_user_text_when_script_runs_out() -> None:
    model = ScriptedModel(["scripted"])
    agent = Agent(model=model, callback_handler=None)

    assert _text(agent("one").message) == "scripted"
    assert _text(agent("second prompt").message) == "You said: second prompt"
    assert _text(agent("third").message) == "You said: third"
    assert model.calls == 3


def test_empty_script_always_echoes_with_custom_prefix() -> None:
    agent = Agent(model=ScriptedModel(echo_prefix="echo> "), callback_handler=None)

    assert _text(agent("ping").message) == "echo> ping"


def test_echo_after_tool_turn_skips_tool_result_messages() -> None:
    calculator, seen = _make_calculator()
    agent = Agent(
        model=ScriptedModel([{"tool": "calculator", "input": {"expression": "5*5"}}]),
        tools=[calculator],
        callback_handler=None,
    )

    result = agent("square five")

    assert seen == ["5*5"]
    # The last user message holds only a toolResult; the echo uses the prompt before it.
    assert "toolResult" in agent.messages[-2]["content"][0]
    assert _text(result.message) == "You said: square five"


# ----------------------------------------------------------------------- usage


def test_usage_reported_in_message_metadata_and_agent_metrics() -> None:
    calculator, _ = _make_calculator()
    agent = Agent(
        model=ScriptedModel(
            [{"tool": "calculator", "input": {"expression": "6*7"}}, "42"], latency_ms=120
        ),
        tools=[calculator],
        callback_handler=None,
    )

    agent("What is 6 times 7?")

    assistant = [m for m in agent.messages if m["role"] == "assistant"]
    assert len(assistant) == 2
    usages = [m["metadata"]["usage"] for m in assistant]
    for usage in usages:
        assert usage["inputTokens"] >= 1
        assert usage["outputTokens"] >= 1
        assert usage["totalTokens"] == usage["inputTokens"] + usage["outputTokens"]
    # The second call sees the tool use + result, so its prompt is larger.
    assert usages[1]["inputTokens"] > usages[0]["inputTokens"]
    for message in assistant:
        assert message["metadata"]["metrics"]["latencyMs"] == 120

    metrics = agent.event_loop_metrics
    assert metrics.accumulated_usage["inputTokens"] == sum(u["inputTokens"] for u in usages)
    assert metrics.accumulated_usage["outputTokens"] == sum(u["outputTokens"] for u in usages)
    assert metrics.accumulated_usage["totalTokens"] == sum(u["totalTokens"] for u in usages)
    assert metrics.accumulated_metrics["latencyMs"] == 240
    assert metrics.cycle_count == 2


def test_usage_estimate_is_chars_over_four() -> None:
    # system prompt 8 chars + user prompt 12 chars = 20 chars -> 5 input tokens
    # reply 9 chars -> ceil(9 / 4) = 3 output tokens
    agent = Agent(
        model=ScriptedModel(["123456789"]),
        system_prompt="abcdefgh",
        callback_handler=None,
    )

    agent("hello world!")

    usage = agent.messages[-1]["metadata"]["usage"]
    assert usage["inputTokens"] == 5
    assert usage["outputTokens"] == math.ceil(9 / 4) == 3
    assert usage["totalTokens"] == 8


def test_measured_latency_when_not_configured() -> None:
    agent = Agent(model=ScriptedModel(["x" * 40]), callback_handler=None)

    agent("hi")

    metrics = agent.messages[-1]["metadata"]["metrics"]
    assert isinstance(metrics["latencyMs"], int)
    assert 0 <= metrics["latencyMs"] < 5_000


def test_simulated_latency_actually_waits() -> None:
    agent = Agent(
        model=ScriptedModel(["slow reply"], latency_ms=60, simulate_latency=True),
        callback_handler=None,
    )

    started = time.perf_counter()
    agent("hi")
    elapsed_ms = (time.perf_counter() - started) * 1000

    assert elapsed_ms >= 55
    assert agent.messages[-1]["metadata"]["metrics"]["latencyMs"] == 60


# ------------------------------------------------------------- raw stream shape


async def test_raw_stream_events_for_tool_use() -> None:
    model = ScriptedModel(
        [{"tool": "lookup", "input": {"q": "mongodb"}, "toolUseId": "t-1"}],
        chunk_size=5,
        latency_ms=100,
    )
    messages: Any = [{"role": "user", "content": [{"text": "find it"}]}]

    events = [event async for event in model.stream(messages)]

    assert events[0] == {"messageStart": {"role": "assistant"}}
    assert events[1]["contentBlockStart"]["start"]["toolUse"] == {
        "name": "lookup",
        "toolUseId": "t-1",
    }
    deltas = [
        e["contentBlockDelta"]["delta"]["toolUse"]["input"]
        for e in events
        if "contentBlockDelta" in e
    ]
    assert "".join(deltas) == '{"q": "mongodb"}'
    assert all(len(d) <= 5 for d in deltas)
    assert "contentBlockStop" in events[-3]
    assert events[-2] == {"messageStop": {"stopReason": "tool_use"}}
    metadata = events[-1]["metadata"]
    assert metadata["metrics"] == {"latencyMs": 100, "timeToFirstByteMs": 25}
    usage = metadata["usage"]
    assert usage["totalTokens"] == usage["inputTokens"] + usage["outputTokens"]


async def test_cancel_signal_stops_stream_without_message_stop() -> None:
    cancel = threading.Event()
    cancel.set()
    model = ScriptedModel(["never streamed"])
    messages: Any = [{"role": "user", "content": [{"text": "hi"}]}]

    events = [event async for event in model.stream(messages, cancel_signal=cancel)]

    assert events == [{"messageStart": {"role": "assistant"}}]


# ---------------------------------------------------------------------- config


def test_config_exposes_model_id_like_real_providers() -> None:
    model = ScriptedModel(model_id="my-fake-model", context_window_limit=4096)
    agent = Agent(model=model, callback_handler=None)

    assert agent.model.config["model_id"] == "my-fake-model"  # type: ignore[attr-defined]
    assert model.get_config()["model_id"] == "my-fake-model"
    assert model.context_window_limit == 4096

    model.update_config(model_id="renamed", chunk_size=2)
    assert model.get_config()["model_id"] == "renamed"
    assert model.config["chunk_size"] == 2

    with pytest.warns(UserWarning, match="Invalid configuration parameters"):
        model.update_config(temperature=0.3)
    assert model.get_config()["temperature"] == 0.3  # type: ignore[typeddict-item]

    with pytest.raises(ValueError, match="chunk_size"):
        model.update_config(chunk_size=0)
    with pytest.raises(ValueError, match="chunk_size"):
        ScriptedModel(chunk_size=0)
    with pytest.raises(ValueError, match="latency_ms"):
        ScriptedModel(latency_ms=-1)


@pytest.mark.parametrize(
    "item",
    [
        42,
        {"input": {}},
        {"tool": ""},
        {"tool": "x", "input": "not a mapping"},
        {"tools": []},
        {"tool": "x", "tools": [{"tool": "y"}]},
    ],
)
def test_malformed_script_items_are_rejected(item: Any) -> None:
    with pytest.raises(TypeError, match="script item 1"):
        ScriptedModel(["ok", item])


# ------------------------------------------------------- cursor, reset, threads


def test_reset_rewinds_script_and_calls() -> None:
    model = ScriptedModel(["a", "b"])
    agent = Agent(model=model, callback_handler=None)
    assert _text(agent("1").message) == "a"
    assert model.calls == 1

    model.reset()

    assert model.calls == 0
    assert model.remaining == 2
    assert _text(agent("2").message) == "a"
    assert _text(agent("3").message) == "b"


def test_extend_appends_turns() -> None:
    model = ScriptedModel(["a"])
    agent = Agent(model=model, callback_handler=None)
    agent("1")
    model.extend(["b"])

    assert _text(agent("2").message) == "b"


def test_cursor_is_thread_safe_across_agents() -> None:
    n = 40
    model = ScriptedModel([f"reply-{i}" for i in range(n)])
    replies: list[str] = []
    lock = threading.Lock()

    def worker() -> None:
        agent = Agent(model=model, callback_handler=None)
        text = _text(agent("go").message)
        with lock:
            replies.append(text)

    threads = [threading.Thread(target=worker) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert model.calls == n
    assert sorted(replies) == sorted(f"reply-{i}" for i in range(n))


async def test_concurrent_streams_each_take_one_item() -> None:
    model = ScriptedModel(["x", "y", "z"])
    messages: Any = [{"role": "user", "content": [{"text": "hi"}]}]

    async def collect() -> str:
        return "".join(
            [
                e["contentBlockDelta"]["delta"]["text"]
                async for e in model.stream(messages)
                if "contentBlockDelta" in e
            ]
        )

    results = await asyncio.gather(collect(), collect(), collect())

    assert sorted(results) == ["x", "y", "z"]


# ----------------------------------------------------------- structured output


class Person(BaseModel):
    name: str
    age: int


def test_agent_structured_output_via_scripted_tool_call() -> None:
    agent = Agent(
        model=ScriptedModel([{"tool": "Person", "input": {"name": "Ada", "age": 36}}, "Done."]),
        callback_handler=None,
    )

    result = agent("Who is Ada?", structured_output_model=Person)

    assert result.structured_output == Person(name="Ada", age=36)


async def test_model_structured_output_from_json_or_tool_item() -> None:
    model = ScriptedModel(
        ['{"name": "Grace", "age": 85}', {"tool": "Person", "input": {"name": "Alan", "age": 41}}]
    )
    messages: Any = [{"role": "user", "content": [{"text": "who?"}]}]

    first = [e async for e in model.structured_output(Person, messages)]
    second = [e async for e in model.structured_output(Person, messages)]

    assert first == [{"output": Person(name="Grace", age=85)}]
    assert second == [{"output": Person(name="Alan", age=41)}]
    with pytest.raises(ValueError, match="exhausted"):
        [e async for e in model.structured_output(Person, messages)]
