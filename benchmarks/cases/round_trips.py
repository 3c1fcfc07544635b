"""Headline: round trips and bytes per operation, counted exactly."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

from benchmarks import charts
from benchmarks.context import BenchContext
from benchmarks.conversation import lookup_order, make_conversation, prompts, replies
from benchmarks.report import Section
from benchmarks.stats import fmt_bytes

OURS = "mongodb-session-manager"
S3 = "S3SessionManager"


def _count(
    capture: Callable[[], AbstractContextManager[Any]], action: Callable[[], Any]
) -> dict[str, Any]:
    with capture() as log:
        action()
    out = {
        "round_trips": log.round_trips,
        "bytes_sent": log.bytes_sent,
        "bytes_received": log.bytes_received,
    }
    if hasattr(log, "commands"):
        out.update(reads=log.reads, writes=log.writes, commands=list(log.commands))
    else:
        out.update(requests=list(log.requests))
    return out


def _missing(name: str) -> str:
    return (
        f"`MongoDBSessionManager.{name}` is not in this build of the library yet; "
        "this row is measured once it is"
    )


def run(ctx: BenchContext) -> Section:
    """Count each operation once for our manager and for S3 (counts are exact)."""
    history = make_conversation(10)
    reply = replies(5)
    ask = prompts(4)
    ours_capture = ctx.factory.pool.command_stats.capture
    s3_capture = ctx.http.capture
    results: dict[str, dict[str, Any]] = {}
    notes: list[str] = []

    def both(label: str, ours: Callable[[], Any] | None, s3: Callable[[], Any] | None) -> None:
        results[label] = {
            OURS: _count(ours_capture, ours) if ours else None,
            S3: _count(s3_capture, s3) if s3 else None,
        }

    # Existing sessions with 10 messages, one per contender.
    ours_sid, s3_sid = ctx.session_id("rt-ours"), ctx.session_id("rt-s3")
    ctx.agent(ctx.ours(ours_sid), messages=list(history))
    ctx.agent(ctx.s3(s3_sid), messages=list(history))

    opened: dict[str, Any] = {}
    both(
        "open a manager (new session)",
        lambda: ctx.ours(ctx.session_id("rt-new")),
        lambda: ctx.s3(ctx.session_id("rt-new")),
    )
    both(
        "open a manager (existing session)",
        lambda: opened.__setitem__(OURS, ctx.ours(ours_sid)),
        lambda: opened.__setitem__(S3, ctx.s3(s3_sid)),
    )
    agents: dict[str, Any] = {}
    both(
        "resume an agent (10 messages)",
        lambda: agents.__setitem__(OURS, ctx.agent(opened[OURS], reply[:2], tools=[lookup_order])),
        lambda: agents.__setitem__(S3, ctx.agent(opened[S3], reply[:2], tools=[lookup_order])),
    )

    async def open_async() -> None:
        manager = await ctx.ours_async(ours_sid)
        ctx.agent(manager)

    both(
        "open + resume with `create_async` (10 messages)",
        lambda: ctx.loop.run(open_async()),
        None,
    )
    message = {"role": "user", "content": [{"text": ask[0]}]}
    both(
        "append a message",
        lambda: opened[OURS].append_message(dict(message), agents[OURS]),
        lambda: opened[S3].append_message(dict(message), agents[S3]),
    )

    def message_with_state(name: str) -> Callable[[], None]:
        def go() -> None:
            # What an agent's hooks do when a tool changed its state: the message, then a
            # sync (Strands' stock hooks sync after every message).
            agents[name].state.set("step", 2)
            opened[name].append_message(dict(message), agents[name])
            opened[name].sync_agent(agents[name])

        return go

    both(
        "append a message after a state change (+ `sync_agent`)",
        message_with_state(OURS),
        message_with_state(S3),
    )
    both(
        "plain chat turn (`agent(prompt)`)",
        lambda: agents[OURS](ask[1]),
        lambda: agents[S3](ask[1]),
    )
    both(
        "plain chat turn (`await agent.invoke_async(prompt)`)",
        lambda: ctx.loop.run(agents[OURS].invoke_async(ask[2])),
        lambda: ctx.loop.run(agents[S3].invoke_async(ask[2])),
    )
    for name in (OURS, S3):
        agents[name].model.extend(
            [{"tool": "lookup_order", "input": {"order_id": "A-12345"}}, reply[4]]
        )
    both(
        "tool-use turn (4 messages)",
        lambda: agents[OURS](ask[3]),
        lambda: agents[S3](ask[3]),
    )
    both(
        "`sync_agent`, nothing changed",
        lambda: opened[OURS].sync_agent(agents[OURS]),
        lambda: opened[S3].sync_agent(agents[S3]),
    )

    def state_then_sync(name: str) -> Callable[[], None]:
        def go() -> None:
            agents[name].state.set("plan", "pro")
            opened[name].sync_agent(agents[name])

        return go

    both("`sync_agent` after a state change", state_then_sync(OURS), state_then_sync(S3))

    manager = opened[OURS]
    for label, method, argument in (
        ("add feedback", "add_feedback", {"rating": "up", "comment": "Quick and right."}),
        ("update metadata", "update_metadata", {"topic": "billing", "priority": 2}),
    ):
        if hasattr(manager, method):
            both(label, lambda m=method, a=argument: getattr(manager, m)(a), None)
        else:
            print(f"note: {_missing(method)}")
            notes.append(f"{label}: {_missing(method)}.")
            results[label] = {OURS: None, S3: None, "missing": method}

    rows = []
    for label, found in results.items():
        ours = found[OURS]
        s3 = found[S3]
        if ours is None and "missing" in found:
            ours_cells = ["not measured (see note)", "-"]
        elif ours is None:
            ours_cells = ["-", "-"]
        else:
            ours_cells = [
                f"**{ours['round_trips']}** ({ours['reads']} read, {ours['writes']} write)",
                f"{fmt_bytes(ours['bytes_sent'])} / {fmt_bytes(ours['bytes_received'])}",
            ]
        if s3 is None:
            s3_cells = ["not offered" if label.startswith(("add", "update")) else "-", "-"]
        else:
            s3_cells = [
                f"{s3['round_trips']}",
                f"{fmt_bytes(s3['bytes_sent'])} / {fmt_bytes(s3['bytes_received'])}",
            ]
        rows.append([label, *ours_cells, *s3_cells])

    measured = [label for label, f in results.items() if f[OURS] is not None and f[S3] is not None]
    chart = "round_trips.png"
    charts.grouped_bars(
        ctx.chart_dir / chart,
        "Round trips per operation (fewer is better)",
        measured,
        {
            OURS: [results[label][OURS]["round_trips"] for label in measured],
            S3: [results[label][S3]["round_trips"] for label in measured],
        },
        "round trips",
    )
    notes += [
        "Our manager: MongoDB commands counted with PyMongo command monitoring; "
        "bytes are the BSON size of each command and reply.",
        "S3SessionManager: requests counted with botocore's `before-call` event (no retries "
        "happened); bytes are request bodies and the responses' Content-Length.",
        "Every S3 request is one round trip (and, on real S3, a billed request).",
        "FileSessionManager has no round trips (local files); it is compared on time below.",
    ]
    return Section(
        id="round_trips",
        title="Round trips and bytes per operation",
        intro=(
            "Exact counts for one operation each, on a session that already holds 10 messages. "
            "Cells are *round trips* and *bytes sent / received*. These numbers are the same on "
            "any machine and against a real MongoDB; each round trip costs at least one network "
            "latency in production."
        ),
        columns=[
            "Operation",
            f"{OURS}: round trips",
            f"{OURS}: bytes sent / received",
            f"{S3}: requests",
            f"{S3}: bytes sent / received",
        ],
        rows=rows,
        data=results,
        notes=notes,
        charts=[chart],
    )
