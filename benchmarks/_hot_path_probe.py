"""The hot-path measurements of issue 15, in a fresh process against the do-nothing server.

``python -m benchmarks._hot_path_probe MODE URI SETTINGS_JSON`` prints one JSON line.
MODE ``cpu``: client CPU per appended message (sync agent, async agent, a 63 KiB
``agent.state``) against raw PyMongo ``update_one``, plus the writes of turn 30.
MODE ``memory``: bytes retained per message by an agent with and without our manager.

A fresh process, because the benchmark's own process registers command listeners on
every PyMongo client (the round-trip and store-wait counters of the other cases):
here neither side pays for them, and no other case's threads or garbage share the
process. The server is another process (:mod:`benchmarks.null_server`), so
``time.process_time()`` deltas are the client's CPU only: the agent, our store
thread, the driver.
"""

from __future__ import annotations

import asyncio
import datetime
import gc
import json
import statistics
import sys
import time
import tracemalloc
from typing import Any

from pymongo import AsyncMongoClient, MongoClient
from strands import Agent
from strands.agent.conversation_manager import NullConversationManager
from strands.hooks import HookProvider, HookRegistry, MessageAddedEvent

from benchmarks.conversation import prompts
from mongodb_session_manager import MongoDBSessionManagerFactory
from mongodb_session_manager.testing import ScriptedModel

DATABASE = "msm_hot_path"
OPTIONS = {"connectTimeoutMS": 30_000, "serverSelectionTimeoutMS": 30_000}
WRITES = {"insert", "update", "delete", "findAndModify"}
MESSAGES_PER_TURN = 2
"""A plain turn appends the user's message and the assistant's reply."""


def big_state(kib: int) -> dict[str, Any]:
    """An ``agent.state`` of about ``kib`` KiB of JSON: many small entries, as apps keep."""
    entries = []
    while len(json.dumps(entries)) < kib * 1024 - 200:
        i = len(entries)
        entries.append({"id": f"note-{i}", "text": f"remembered fact number {i} " * 3, "n": i})
    return {"notes": entries, "profile": {"name": "bench", "tier": "gold"}}


def raw_update(i: int, message: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The filter and update our store sends for message ``i``, built by hand."""
    now = datetime.datetime.now(datetime.UTC)
    document = {
        "message_id": i,
        "role": message["role"],
        "content": message["content"],
        "tracking_id": "8aff4d1d-83ca-46a1-a49c-ead310042140",
        **({"metadata": message["metadata"]} if "metadata" in message else {}),
        "created_at": now,
        "updated_at": now,
        "created_at_us": now.microsecond % 1000,
        "updated_at_us": now.microsecond % 1000,
    }
    query = {"_id": "raw", "agents.default.message_count": i, "size_bytes": {"$lte": 16_000_000}}
    update = {
        "$push": {"agents.default.messages": document},
        "$inc": {
            "agents.default.message_count": 1,
            "size_bytes": 300,
            "totals.messages": 1,
            "agents.default.totals.messages": 1,
        },
        "$set": {"agents.default.updated_at": now, "updated_at": now},
    }
    return query, update


class RawDriverHook(HookProvider):
    """What a user writing it by hand would do: one raw ``update_one`` per added message.

    Registered on an agent like our manager's hooks are, so the driver is timed in
    the same place (inside Strands' turn, between its own work), not in a tight loop.
    """

    def __init__(self, variants: Variants, *, is_async: bool) -> None:
        self.variants = variants
        self.is_async = is_async
        self.index = 0

    def _next(self, message: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        self.index += 1
        return raw_update(self.index, dict(message))

    def register_hooks(self, registry: HookRegistry, **kwargs: Any) -> None:
        """One raw write per ``MessageAddedEvent`` (sync, or awaited on the caller's loop)."""
        if self.is_async:

            async def added_async(event: MessageAddedEvent) -> None:
                await self.variants.async_raw.update_one(*self._next(event.message))

            registry.add_callback(MessageAddedEvent, added_async)
        else:

            def added(event: MessageAddedEvent) -> None:
                self.variants.sync_raw.update_one(*self._next(event.message))

            registry.add_callback(MessageAddedEvent, added)


class Variants:
    """Every contender, built once and warmed past the conversation window."""

    def __init__(self, uri: str, settings: dict[str, Any]) -> None:
        self.turns = int(settings["turns"])
        self.warmup = int(settings["warmup"])
        self.count_turn = int(settings["count_turn"])
        self.factory = MongoDBSessionManagerFactory(uri, database_name=DATABASE, **OPTIONS)
        self.sync_client: MongoClient[dict[str, Any]] = MongoClient(uri, **OPTIONS)
        self.sync_raw = self.sync_client[DATABASE]["raw"]
        self.loop = asyncio.Runner()
        self.async_client: AsyncMongoClient[dict[str, Any]] = self.loop.run(self._async_client(uri))
        self.async_raw = self.async_client[DATABASE]["raw"]
        self.prompts = prompts(max(self.turns, self.warmup, self.count_turn))
        self.raw_index = 0
        state = big_state(int(settings["state_kib"]))
        self.state_bytes = len(json.dumps(state))
        self.writes: dict[str, list[str]] = {}
        self.agents: dict[str, Agent] = {
            "sync none": self._agent(None),
            "sync ours": self._agent(self.factory.create_session_manager("hot-sync")),
            "async none": self._agent(None),
            "async ours": self._agent(
                self.loop.run(self.factory.create_session_manager_async("hot-async"))
            ),
            "sync hook": self._agent(None, hook=RawDriverHook(self, is_async=False)),
            "async hook": self._agent(None, hook=RawDriverHook(self, is_async=True)),
            "state none": self._agent(None, state),
            "state ours": self._agent(self.factory.create_session_manager("hot-state"), state),
        }
        for name, agent in self.agents.items():
            for turn in range(1, max(self.warmup, self.count_turn) + 1):
                if turn == self.count_turn and name.endswith("ours"):
                    with self.factory.pool.command_stats.capture() as log:
                        self._turn(name, agent, turn)
                    self.writes[name] = [c for c in log.commands if c in WRITES]
                else:
                    self._turn(name, agent, turn)
        self.sample = [dict(m) for m in self.agents["sync none"].messages[-2:]]
        self.raw_sync(self.warmup)
        self.loop.run(self._raw_async(self.warmup))

    @staticmethod
    async def _async_client(uri: str) -> AsyncMongoClient[dict[str, Any]]:
        return AsyncMongoClient(uri, **OPTIONS)

    @staticmethod
    def _agent(
        manager: Any, state: dict[str, Any] | None = None, hook: HookProvider | None = None
    ) -> Agent:
        return Agent(
            model=ScriptedModel(),
            callback_handler=None,
            session_manager=manager,
            state=dict(state) if state else None,
            hooks=[hook] if hook is not None else None,
        )

    def _turn(self, name: str, agent: Agent, turn: int) -> None:
        prompt = self.prompts[turn % len(self.prompts)]
        if name.startswith("async"):
            self.loop.run(agent.invoke_async(prompt))
        else:
            agent(prompt)

    def agent_cpu(self, name: str) -> float:
        """CPU seconds per appended message of ``self.turns`` turns of one agent."""
        agent = self.agents[name]
        if name.startswith("async"):

            async def go() -> float:
                started = time.process_time()
                for ask in self.prompts[: self.turns]:
                    await agent.invoke_async(ask)
                return time.process_time() - started

            cpu = self.loop.run(go())
        else:
            started = time.process_time()
            for ask in self.prompts[: self.turns]:
                agent(ask)
            cpu = time.process_time() - started
        return cpu / (self.turns * MESSAGES_PER_TURN)

    def raw_sync(self, count: int) -> float:
        """CPU seconds per raw ``MongoClient.update_one`` of a message."""
        started = time.process_time()
        for _ in range(count):
            query, update = raw_update(self.raw_index, self.sample[self.raw_index % 2])
            self.raw_index += 1
            self.sync_raw.update_one(query, update)
        return (time.process_time() - started) / count

    async def _raw_async(self, count: int) -> float:
        started = time.process_time()
        for _ in range(count):
            query, update = raw_update(self.raw_index, self.sample[self.raw_index % 2])
            self.raw_index += 1
            await self.async_raw.update_one(query, update)
        return (time.process_time() - started) / count

    def raw_async(self, count: int) -> float:
        """CPU seconds per raw ``AsyncMongoClient.update_one`` on the caller's loop."""
        return self.loop.run(self._raw_async(count))

    def close(self) -> None:
        self.sync_client.close()
        self.loop.run(self.async_client.close())
        self.loop.close()
        self.factory.close()


def cpu(uri: str, settings: dict[str, Any]) -> dict[str, Any]:
    """Interleaved rounds of every contender; medians of the per-message figures."""
    variants = Variants(uri, settings)
    messages = variants.turns * MESSAGES_PER_TURN
    names = [*variants.agents, "raw sync", "raw async"]
    samples: dict[str, list[float]] = {name: [] for name in names}
    for round_ in range(int(settings["rounds"])):
        gc.collect()
        rotated = names[round_ % len(names) :] + names[: round_ % len(names)]
        for name in rotated:
            if name == "raw sync":
                samples[name].append(variants.raw_sync(messages))
            elif name == "raw async":
                samples[name].append(variants.raw_async(messages))
            else:
                samples[name].append(variants.agent_cpu(name))
    # The added CPU of each round (same round, same conditions), then the median.
    added = {
        mode: [o - n for o, n in zip(samples[f"{mode} ours"], samples[f"{mode} none"], strict=True)]
        for mode in ("sync", "async", "state")
    }
    for mode in ("sync", "async"):  # the raw driver in the same place
        added[f"{mode} hook"] = [
            h - n for h, n in zip(samples[f"{mode} hook"], samples[f"{mode} none"], strict=True)
        ]
    result = {
        "messages_per_round": messages,
        "warmup_turns": variants.warmup,
        "state_bytes": variants.state_bytes,
        "samples": samples,
        "added": added,
        "median": {name: statistics.median(v) for name, v in samples.items()},
        "added_median": {mode: statistics.median(v) for mode, v in added.items()},
        "writes_at_turn": {"turn": variants.count_turn, **variants.writes},
    }
    variants.close()
    return result


def _slope(points: list[tuple[int, int]]) -> float:
    """Least-squares bytes per message through (messages, bytes held) checkpoints.

    A fit over many checkpoints, not two end points: a container that happens to
    grow its table between two checkpoints moves one point, not the whole figure.
    """
    xs = [float(x) for x, _ in points]
    ys = [float(y) for _, y in points]
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread


def _held() -> int:
    gc.collect()
    return tracemalloc.get_traced_memory()[0]


def memory(uri: str, settings: dict[str, Any]) -> dict[str, Any]:
    """Retained bytes per message of 150 turns, with and without our manager."""
    turns = int(settings["memory_turns"])
    first = int(settings["memory_first"])
    factory = MongoDBSessionManagerFactory(uri, database_name=DATABASE, **OPTIONS)
    asks = prompts(turns)
    result: dict[str, Any] = {"turns": turns, "from_turn": first}

    def agent(ours: bool, session_id: str) -> Agent:
        manager = factory.create_session_manager(session_id) if ours else None
        return Agent(
            model=ScriptedModel(),
            callback_handler=None,
            session_manager=manager,
            conversation_manager=NullConversationManager(),
        )

    # Warm-up, untraced (cheap): every prompt once with each variant, so caches filled
    # lazily (imports, the pool's connections, anything keyed by the text) are full
    # before either measured run; otherwise the first one measured pays for them.
    for ours in (False, True):
        warm = agent(ours, f"mem-warm-{ours}")
        for ask in asks:
            warm(ask)
        del warm
    step = int(settings.get("memory_step", 5))
    for ours, name in ((False, "none"), (True, "ours")):
        gc.collect()
        tracemalloc.start()
        start = _held()
        subject = agent(ours, f"mem-{name}")
        points: list[tuple[int, int]] = []
        for turn, ask in enumerate(asks, start=1):
            subject(ask)
            if (turn >= first and (turn - first) % step == 0) or turn == turns:
                points.append((turn * MESSAGES_PER_TURN, _held()))
        tracemalloc.stop()
        messages = len(subject.messages)
        if messages != turns * MESSAGES_PER_TURN:
            raise RuntimeError(f"{name}: {messages} messages after {turns} turns")
        result[name] = {
            "held_total": points[-1][1] - start,
            "per_message": _slope(points),
            "points": points,
            "messages": messages,
        }
        del subject
    result["added_per_message"] = result["ours"]["per_message"] - result["none"]["per_message"]
    factory.close()
    return result


def main(argv: list[str]) -> None:
    mode, uri, raw_settings = argv[:3]
    settings = json.loads(raw_settings)
    found = cpu(uri, settings) if mode == "cpu" else memory(uri, settings)
    print(json.dumps(found), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
