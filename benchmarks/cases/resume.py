"""Resume time versus session length, ours against Strands' File and S3 managers."""

from __future__ import annotations

import gc
import math
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from strands.types.session import SessionMessage

from benchmarks import charts
from benchmarks.context import BenchContext
from benchmarks.conversation import make_conversation
from benchmarks.report import Section
from benchmarks.stats import Timing, fmt_bytes, fmt_ms, fmt_spread, summary

OURS = "mongodb-session-manager (sync)"
OURS_ASYNC = "mongodb-session-manager (create_async)"
FILE = "FileSessionManager"
S3 = "S3SessionManager"


def populate(ctx: BenchContext, name: str, session_id: str, messages: list[dict[str, Any]]) -> None:
    """Store ``messages`` as one agent's history, the way each manager stores them."""
    if name in (OURS, OURS_ASYNC):
        ctx.agent(ctx.ours(session_id), messages=list(messages))  # one write
    elif name == FILE:
        ctx.agent(ctx.file(session_id), messages=list(messages))  # a file per message
    else:
        # An object per message, as S3SessionManager writes them; written in parallel
        # only to save time (moto answers one request at ~7 ms).
        manager = ctx.s3(session_id)
        ctx.agent(manager)
        with ThreadPoolExecutor(16) as pool:
            list(
                pool.map(
                    lambda item: manager.create_message(
                        session_id, "default", SessionMessage.from_message(item[1], item[0])
                    ),
                    enumerate(messages),
                )
            )


def resume_once(ctx: BenchContext, name: str, session_id: str) -> tuple[Timing, int]:
    """Open a manager on the stored session and build an Agent from it; timed."""
    gc.collect()
    if name == OURS_ASYNC:

        async def go() -> int:
            manager = await ctx.ours_async(session_id)
            return len(ctx.agent(manager).messages)

        with Timing() as t:
            count = ctx.loop.run(go())
        return t, count
    make: Callable[[str], Any] = {OURS: ctx.ours, FILE: ctx.file, S3: ctx.s3}[name]
    with Timing() as t:
        agent = ctx.agent(make(session_id))
    return t, len(agent.messages)


def s3_requests(n: int) -> int:
    """S3 requests of one resume: session, agent, one LIST per 1,000 keys, a GET per message."""
    return 2 + max(1, math.ceil(n / 1000)) + n


def run(ctx: BenchContext) -> Section:
    """Each size, each contender: populate once, resume ``repeats`` times."""
    config = ctx.config
    contenders = (OURS, OURS_ASYNC, FILE, S3)
    full = make_conversation(max(config.resume_sizes))
    results: dict[int, dict[str, Any]] = {}
    rows: list[list[str]] = []
    notes: list[str] = []
    for n in config.resume_sizes:
        messages = full[:n]
        results[n] = {}
        for name in contenders:
            if name == S3 and n > config.s3_max_messages:
                results[n][name] = {"skipped": True, "requests": s3_requests(n)}
                continue
            session_id = ctx.session_id(f"resume-{n}")
            populate(ctx, name, session_id, messages)
            ctx.stored[(name, n)] = session_id
            if n == config.resume_sizes[0]:
                resume_once(ctx, name, session_id)  # warm-up: imports, first client
            capture = (
                ctx.factory.pool.command_stats.capture()
                if name in (OURS, OURS_ASYNC)
                else ctx.http.capture()
            )
            with capture as log:
                first, count = resume_once(ctx, name, session_id)
            if count != n:
                raise RuntimeError(f"{name} resumed {count} messages of {n}")
            # Three runs are enough to show the spread of the slow cells (S3, and any
            # resume over 2 s); they would take most of the run's time budget otherwise.
            repeats = config.repeats
            if name == S3 or first.wall > 2.0:
                repeats = min(repeats, 3)
            timings = [first] + [resume_once(ctx, name, session_id)[0] for _ in range(repeats - 1)]
            results[n][name] = {
                "repeats": repeats,
                "wall": summary([t.wall for t in timings]),
                "cpu": summary([t.cpu for t in timings]),
                "store": summary([t.store for t in timings]),
                "round_trips": None if name == FILE else log.round_trips,
                "bytes_received": None if name == FILE else log.bytes_received,
            }
        base = results[n][OURS]["wall"]["median"]
        for name in contenders:
            found = results[n][name]
            if found.get("skipped"):
                rows.append(
                    [
                        f"{n:,}",
                        name,
                        "not run (see note)",
                        "-",
                        "-",
                        "-",
                        "-",
                        f"{found['requests']:,} (by construction)",
                        "-",
                    ]
                )
                continue
            wall, cpu, store = found["wall"], found["cpu"], found["store"]
            waited = min(1.0, store["median"] / wall["median"]) if wall["median"] else 0.0
            rows.append(
                [
                    f"{n:,}",
                    name,
                    fmt_spread(wall),
                    f"{wall['median'] / base:.1f}x" if base else "-",
                    "-" if name == FILE else f"{fmt_ms(store['median'])} ({waited:.0%})",
                    fmt_ms(max(0.0, wall["median"] - store["median"]))
                    if name != S3
                    else fmt_ms(cpu["median"]),
                    fmt_ms(cpu["median"]),
                    "-" if found["round_trips"] is None else f"{found['round_trips']:,}",
                    "-" if found["bytes_received"] is None else fmt_bytes(found["bytes_received"]),
                ]
            )
    chart = "resume.png"
    sizes = list(config.resume_sizes)
    charts.lines(
        ctx.chart_dir / chart,
        "Resume time vs session length (median; lower is better)",
        sizes,
        {
            name: [
                None
                if results[n][name].get("skipped")
                else results[n][name]["wall"]["median"] * 1000
                for n in sizes
            ]
            for name in contenders
        },
        "messages in the session",
        "ms to open the manager and build the Agent",
    )
    skipped_sizes = [n for n in sizes if n > config.s3_max_messages]
    if skipped_sizes:
        notes.append(
            f"S3SessionManager was not resumed at {', '.join(f'{n:,}' for n in skipped_sizes)} "
            "messages: moto's server answers about one request per 7 ms here, so storing and "
            "reading that many objects would take minutes. Its request count is exact by "
            "construction: one GET for the session, one for the agent, one LIST per 1,000 keys "
            "and one GET per message (the smaller sizes above measure exactly that). Raise the "
            "limit with `--s3-max-messages`."
        )
    notes += [
        "Resume = open a manager on the stored session, then build `Agent(session_manager=...)`, "
        "which restores every message (the stored conversation-manager offset is 0).",
        "*Waiting for the store* is the time the clients waited for replies (PyMongo's own "
        "command durations, which include decoding the reply into Python objects; botocore's "
        "call durations for S3); *library + Strands* is the rest of the wall time: turning "
        "stored records into Strands messages and building the agent. *CPU* is the CPU time "
        "of the benchmark process; the database and S3 servers run in other processes.",
        "FileSessionManager's time is all in this process: a file read, JSON decoding and "
        "Strands' `SessionMessage.from_dict` per message.",
        "S3SessionManager reads messages with a thread pool, so its summed wait exceeds the "
        "wall time; its *library* column shows CPU time instead.",
        f"Median (min-max) of {config.repeats} resumes (3 for S3 and for cells over 2 s) after "
        "one warm-up at the smallest size; x = time relative to our sync manager at the same "
        "size.",
    ]
    return Section(
        id="resume",
        title="Resume time versus session length",
        intro=(
            "The same conversation (text exchanges and a tool call every fourth exchange, "
            "~400 bytes a message) stored by each manager, then resumed."
        ),
        columns=[
            "Messages",
            "Manager",
            "Resume ms",
            "x ours",
            "Waiting for the store ms (share)",
            "Library + Strands ms",
            "CPU ms",
            "Round trips",
            "Bytes received",
        ],
        rows=rows,
        data={str(n): v for n, v in results.items()},
        notes=notes,
        charts=[chart],
    )
