"""Async streaming with live metrics: tokens as they arrive, then each turn's cost.

``MongoDBSessionManager.create_async`` opens the session without blocking;
``agent.stream_async`` streams the answer while every message is stored; each
assistant message carries the usage and latency of the model call that wrote
it, and the session keeps running totals (``get_metrics_summary_async``).

Offline by default (embedded database, scripted model)::

    uv run python examples/stream_async.py
"""

from __future__ import annotations

import asyncio
import sys
import time

from _support import database, model
from strands import Agent, tool

from mongodb_session_manager import MongoDBSessionManager

DATABASE = "examples"
SESSION = "stream-async-example"


@tool
def weather(city: str) -> str:
    """Today's weather in a city.

    Args:
        city: The city.
    """
    return {"Madrid": "sunny, 24 °C", "Oslo": "light snow, -3 °C"}.get(city, "unknown")


SCRIPT = [
    "Streaming keeps people engaged: they read while the model is still writing.",
    {"tool": "weather", "input": {"city": "Madrid"}},
    "It is sunny in Madrid today, 24 °C.",
]
PROMPTS = ["Why stream answers?", "What's the weather in Madrid?"]


async def main_async(uri: str) -> None:
    # Opens (here: creates) the session on the library's loop; this loop never waits.
    manager = await MongoDBSessionManager.create_async(SESSION, uri, DATABASE)
    agent = Agent(
        model=model(SCRIPT, latency_ms=250, simulate_latency=True, chunk_size=6),
        tools=[weather],
        session_manager=manager,
        callback_handler=None,
    )
    for prompt in PROMPTS:
        print(f"> {prompt}")
        started = time.perf_counter()
        first_token_ms: float | None = None
        mid_line = False
        async for event in agent.stream_async(prompt):
            if "data" in event:
                if first_token_ms is None:
                    first_token_ms = (time.perf_counter() - started) * 1000
                sys.stdout.write(event["data"])
                sys.stdout.flush()
                mid_line = True
            elif "message" in event and event["message"]["role"] == "assistant":
                usage = event["message"].get("metadata", {}).get("usage", {})
                metrics = event["message"].get("metadata", {}).get("metrics", {})
                for block in event["message"]["content"]:
                    if "toolUse" in block:
                        use = block["toolUse"]
                        print(f"[tool call: {use['name']}({use['input']})]")
                if mid_line:
                    print()
                    mid_line = False
                print(
                    f"  [model call: {usage.get('inputTokens')} in / {usage.get('outputTokens')} "
                    f"out tokens, {metrics.get('latencyMs')} ms, first byte after "
                    f"{metrics.get('timeToFirstByteMs')} ms]"
                )
        print(f"  [first token after {first_token_ms or 0:.0f} ms on the wall clock]")
        summary = await manager.get_metrics_summary_async()
        totals = summary.totals
        print(
            f"  [session so far: {totals.messages} messages, {totals.model_calls} model calls, "
            f"{totals.total_tokens} tokens, {summary.averages.latency_ms_per_call:.0f} ms per call]"
        )
    tool_stats = summary.tools["weather"]
    print(f"weather tool: {tool_stats.calls} call(s), {tool_stats.successes} ok")
    await manager.close_async()


def main() -> None:
    with database() as uri:
        MongoDBSessionManager(SESSION, uri, DATABASE).repository.delete_session(SESSION)
        asyncio.run(main_async(uri))


if __name__ == "__main__":
    main()
