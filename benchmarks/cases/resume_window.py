"""Resume with a fixed window versus session length (issue 16): ours against FileSessionManager.

Both sessions store ``SlidingWindowConversationManager``'s state with the window
at the end (40 messages), so resuming an agent with
``SlidingWindowConversationManager(window_size=40)`` restores only those: what
it costs should not depend on how long the session is. The sessions are the ones
the append-scaling case stored (the same shapes, stored in bulk by
:mod:`benchmarks.long_sessions`), or stored here when that case was skipped.
"""

from __future__ import annotations

import gc
from typing import Any

from benchmarks import charts
from benchmarks.context import BenchContext
from benchmarks.conversation import make_conversation
from benchmarks.long_sessions import (
    WINDOW,
    WINDOWED,
    populate_file,
    populate_ours,
    window_manager,
    window_offset,
)
from benchmarks.report import Section
from benchmarks.stats import Timing, fmt_bytes, fmt_ms, fmt_spread, summary

OURS = "mongodb-session-manager"
FILE = "FileSessionManager"
CONTENDERS = (OURS, FILE)


def _stored(ctx: BenchContext, name: str, n: int, messages: list[dict[str, Any]]) -> str:
    """The session of ``n`` messages stored with the window state (stored now if missing)."""
    session_id = ctx.stored.get((WINDOWED + name, n))
    if session_id is None:
        session_id = ctx.session_id(f"window-{n}")
        removed = window_offset(messages)
        if name == OURS:
            populate_ours(ctx, session_id, messages, removed=removed)
        else:
            populate_file(ctx, session_id, messages, removed=removed)
        ctx.stored[(WINDOWED + name, n)] = session_id
    return session_id


def _resume(ctx: BenchContext, name: str, session_id: str) -> tuple[Timing, int]:
    """Open a manager and build a windowed Agent on it; timed."""
    gc.collect()
    with Timing() as t:
        manager = ctx.ours(session_id) if name == OURS else ctx.file(session_id)
        agent = ctx.agent(manager, conversation_manager=window_manager())
    count = len(agent.messages)
    if name == OURS:
        manager.close()
    return t, count


def run(ctx: BenchContext) -> Section:
    """Each length, each contender: a warm-up, one counted resume, then ``repeats`` timed."""
    config = ctx.config
    sizes = list(config.window_sizes)
    full = make_conversation(max(sizes))
    results: dict[int, dict[str, Any]] = {}
    for n in sizes:
        messages = full[:n]
        expected = n - window_offset(messages)
        results[n] = {"window": expected}
        for name in CONTENDERS:
            session_id = _stored(ctx, name, n, messages)
            _resume(ctx, name, session_id)  # warm-up: imports, the first client, page cache
            if name == OURS:
                with ctx.factory.pool.command_stats.capture() as log:
                    first, count = _resume(ctx, name, session_id)
                counted: dict[str, Any] = {
                    "round_trips": log.round_trips,
                    "bytes_received": log.bytes_received,
                    "commands": list(log.commands),
                }
            else:
                first, count = _resume(ctx, name, session_id)
                counted = {"round_trips": None, "bytes_received": None}
            if count != expected:
                raise RuntimeError(f"{name} resumed {count} messages of {n}, not {expected}")
            timings = [first] + [
                _resume(ctx, name, session_id)[0] for _ in range(config.repeats - 1)
            ]
            results[n][name] = {
                "wall": summary([t.wall for t in timings]),
                "cpu": summary([t.cpu for t in timings]),
                "store": summary([t.store for t in timings]),
                **counted,
            }
    base = {name: results[sizes[0]][name]["wall"]["median"] for name in CONTENDERS}
    rows: list[list[str]] = []
    for n in sizes:
        for name in CONTENDERS:
            found = results[n][name]
            wall = found["wall"]["median"]
            rows.append(
                [
                    f"{n:,}",
                    name,
                    f"{results[n]['window']}",
                    fmt_spread(found["wall"]),
                    f"{wall / base[name]:.1f}x" if base[name] else "-",
                    f"{wall / results[n][OURS]['wall']['median']:.1f}x",
                    "-" if name == FILE else fmt_ms(found["store"]["median"]),
                    fmt_ms(found["cpu"]["median"]),
                    "-" if found["round_trips"] is None else str(found["round_trips"]),
                    "-" if found["bytes_received"] is None else fmt_bytes(found["bytes_received"]),
                ]
            )
    chart = "resume_window.png"
    charts.lines(
        ctx.chart_dir / chart,
        f"Resume with a {WINDOW}-message window vs session length (median)",
        sizes,
        {name: [results[n][name]["wall"]["median"] * 1000 for n in sizes] for name in CONTENDERS},
        "messages in the session",
        "ms to open the manager and build the Agent",
    )
    return Section(
        id="resume_window",
        title="Resume with a fixed window versus session length",
        intro=(
            f"`Agent(conversation_manager=SlidingWindowConversationManager(window_size={WINDOW}))` "
            "resumed on a session whose stored window state points at its last messages: "
            "only the window is restored, at any length."
        ),
        columns=[
            "Messages",
            "Manager",
            "Restored",
            "Resume ms",
            f"x at {sizes[0]}",
            "x ours",
            "Waiting for the store ms",
            "CPU ms",
            "Round trips",
            "Bytes received",
        ],
        rows=rows,
        data={str(n): v for n, v in results.items()},
        notes=[
            f"Median (min-max) of {config.repeats} resumes after one warm-up; round trips and "
            "bytes counted on one of them with PyMongo command monitoring (FileSessionManager "
            "reads local files: it lists the whole message folder, then reads the window's files).",
            "*Restored*: messages in the window (it starts on a user prompt, as Strands trims).",
            "*Waiting for the store*: PyMongo's own durations of the resume's commands (ours: "
            "the session's header, then one aggregation over the pages the window reaches with "
            "the recent messages joined). Where the wall time grows with the length and the CPU "
            "does not, the growth is the embedded server's.",
            "The sessions are stored in bulk in each manager's own layout "
            "(`benchmarks/long_sessions.py`); ours as schema-v2 pages plus a recent tail.",
        ],
        charts=[chart],
    )
