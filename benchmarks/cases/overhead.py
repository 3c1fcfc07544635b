"""Per-turn overhead of persistence: N offline turns with and without a session manager."""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Any

from benchmarks import charts
from benchmarks.context import BenchContext
from benchmarks.conversation import prompts, replies
from benchmarks.report import Section
from benchmarks.stats import Timing, fmt_ms, fmt_spread, summary

NONE_SYNC = "no session manager (sync)"
NONE_ASYNC = "no session manager (async)"
OURS_SYNC = "mongodb-session-manager (sync)"
OURS_ASYNC = "mongodb-session-manager (async)"
FILE = "FileSessionManager"
S3 = "S3SessionManager"

VARIANTS: dict[str, tuple[str, bool]] = {
    # name: (storage, async)
    NONE_SYNC: ("none", False),
    OURS_SYNC: ("ours", False),
    FILE: ("file", False),
    S3: ("s3", False),
    NONE_ASYNC: ("none", True),
    OURS_ASYNC: ("ours", True),
}


def _turns(ctx: BenchContext, storage: str, is_async: bool, n: int) -> Timing:
    """Build a fresh agent (untimed), then time ``n`` turns."""
    script = replies(n)
    asks = prompts(n)
    session_id = ctx.session_id(f"turns-{storage}")
    gc.collect()
    if is_async:

        async def go() -> Timing:
            manager = await ctx.ours_async(session_id) if storage == "ours" else None
            agent = ctx.agent(manager, script)
            with Timing() as t:
                for ask in asks:
                    await agent.invoke_async(ask)
            return t

        return ctx.loop.run(go())
    make: dict[str, Callable[[str], Any]] = {"ours": ctx.ours, "file": ctx.file, "s3": ctx.s3}
    agent = ctx.agent(make[storage](session_id) if storage != "none" else None, script)
    with Timing() as t:
        for ask in asks:
            agent(ask)
    return t


def storage_of(name: str) -> str:
    """The storage kind of a variant."""
    return VARIANTS[name][0]


def run(ctx: BenchContext) -> Section:
    """All variants in each repetition (interleaved), so ratios share conditions."""
    n = ctx.config.turns
    per_turn: dict[str, list[float]] = {name: [] for name in VARIANTS}
    cpu: dict[str, list[float]] = {name: [] for name in VARIANTS}
    store: dict[str, list[float]] = {name: [] for name in VARIANTS}
    for storage, is_async in VARIANTS.values():
        _turns(ctx, storage, is_async, 2)  # warm-up
    for _ in range(ctx.config.repeats):
        for name, (storage, is_async) in VARIANTS.items():
            t = _turns(ctx, storage, is_async, n)
            per_turn[name].append(t.wall / n)
            cpu[name].append(t.cpu / n)
            store[name].append(t.store / n)
    results = {
        name: {
            "per_turn": summary(per_turn[name]),
            "cpu_per_turn": summary(cpu[name]),
            "store_per_turn": summary(store[name]),
        }
        for name in VARIANTS
    }
    rows = []
    for name, (_, is_async) in VARIANTS.items():
        base_name = NONE_ASYNC if is_async else NONE_SYNC
        base = results[base_name]["per_turn"]["median"]
        base_cpu = results[base_name]["cpu_per_turn"]["median"]
        my_cpu = results[name]["cpu_per_turn"]["median"]
        mine = results[name]["per_turn"]["median"]
        waited = results[name]["store_per_turn"]["median"]
        baseline = name in (NONE_SYNC, NONE_ASYNC)
        rows.append(
            [
                name,
                fmt_spread(results[name]["per_turn"]),
                f"{mine / base:.2f}x",
                "-" if baseline else f"+{fmt_ms(max(0.0, mine - base))}",
                "-" if baseline or storage_of(name) == "file" else fmt_ms(waited),
                "-" if baseline else f"+{fmt_ms(max(0.0, mine - waited - base))}",
                fmt_ms(my_cpu),
                "-" if baseline else f"+{fmt_ms(max(0.0, my_cpu - base_cpu))}",
            ]
        )
    chart = "overhead.png"
    names = list(VARIANTS)
    charts.grouped_bars(
        ctx.chart_dir / chart,
        f"Time per turn over {n} offline turns (median; lower is better)",
        names,
        {"ms per turn": [results[name]["per_turn"]["median"] * 1000 for name in names]},
        "ms per turn",
        errors={
            "ms per turn": (
                [results[name]["per_turn"]["min"] * 1000 for name in names],
                [results[name]["per_turn"]["max"] * 1000 for name in names],
            )
        },
    )
    return Section(
        id="overhead",
        title="Per-turn overhead of persistence",
        intro=(
            f"A conversation of {n} plain turns with the offline `ScriptedModel` (no model "
            "latency), so what is left is the agent loop plus persistence. Sync variants call "
            "`agent(prompt)` (Strands runs each call on a fresh event loop in a worker "
            "thread), async variants `await agent.invoke_async(prompt)`; each is compared with "
            "the agent without a session manager in the same mode."
        ),
        columns=[
            "Variant",
            "ms per turn",
            "x baseline",
            "added ms per turn",
            "of which waiting for the store",
            "added ms, store wait excluded",
            "CPU ms per turn",
            "added CPU ms per turn",
        ],
        rows=rows,
        data=results,
        notes=[
            f"Median (min-max) of {ctx.config.repeats} conversations per variant, run "
            "interleaved; a fresh session and agent for each (their creation is not timed).",
            "Against a real model a turn takes hundreds of milliseconds to seconds; the "
            "added milliseconds are what persistence costs on top.",
            "*Waiting for the store* is the time the MongoDB driver (or botocore) waited for "
            "replies inside the turns. Against the embedded Python server an update costs "
            "several milliseconds (it rewrites the whole document); a real MongoDB takes well "
            "under one, plus the network round trip. *Store wait excluded* is what the library "
            "itself adds to a turn: encoding, validation, the hop to its store loop.",
            "*CPU* is the benchmark process's CPU time (all its threads: the agent, the "
            "library's store loop, the driver or botocore); the servers run in other "
            "processes. On a loaded machine the wall-clock figures swing; the added CPU per "
            "turn is the steadier measure of what each manager costs the application.",
            "FileSessionManager writes local files: its added time is all in this process.",
        ],
        charts=[chart],
    )
