"""Append cost versus session length (issue 16): ours, the v1 layout, Strands' File manager.

At each length the session is stored in bulk (:mod:`benchmarks.long_sessions`),
then ``scaling_appends`` messages (the conversation going on) are appended one at
a time: ours through ``MongoDBSessionManager.append_message``, the v1 layout with
its frozen raw-PyMongo append (:mod:`benchmarks.legacy_v1`), FileSessionManager
through its own ``append_message``, and the floor: one raw PyMongo ``insert_one``
of the same message document. Each repetition starts from the stored session
again; the lengths are measured interleaved (a batch at every length, then the
next batch), so their ratios share the machine's conditions.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import bson

from benchmarks import charts
from benchmarks.context import ALL_COMMANDS, BenchContext
from benchmarks.conversation import make_conversation
from benchmarks.legacy_v1 import (
    V1_MAX_DOCUMENT_BYTES,
    LegacyV1Session,
    v1_message_document,
    v1_stop_point,
)
from benchmarks.long_sessions import (
    AGENT,
    WINDOWED,
    StoredSession,
    populate_file,
    populate_ours,
    restore_ours,
    truncate_file,
    window_manager,
    window_offset,
)
from benchmarks.report import Section
from benchmarks.stats import Timing, fmt_bytes, fmt_ms, summary
from mongodb_session_manager.errors import SessionTooLargeError
from mongodb_session_manager.models import DEFAULT_COLLECTION

OURS = "mongodb-session-manager"
V1 = "schema v1 layout (frozen copy, raw PyMongo)"
FILE = "FileSessionManager"
RAW = "raw PyMongo insert_one (floor)"
CONTENDERS = (OURS, V1, FILE, RAW)
GATE = 2.0
"""Issue 16's gate: ours at 300+ messages within 2x of ours at 20."""
WARM_UP = 10
"""Appends of the untimed warm-up batch of every contender."""
V1_COLLECTION = "legacy_v1_sessions"
RAW_COLLECTION = "raw_messages"


def _timed(appends: Callable[[], int], capture: Any) -> dict[str, Any]:
    """Run ``appends`` (returns how many it made) inside a command capture and a Timing."""
    gc.collect()
    with capture() as log, Timing() as t:
        count = appends()
    return {
        "count": count,
        "wall": t.wall / count,
        "cpu": t.cpu / count,
        "store": t.store / count,
        "commands": None if log is None else log.round_trips / count,
        "bytes_sent": None if log is None else log.bytes_sent / count,
    }


class _NoCapture:
    def __enter__(self) -> None:
        return None

    def __exit__(self, *exc: object) -> None:
        return None


def _v1_appends(session: LegacyV1Session, extra: list[dict[str, Any]], budget: float) -> int:
    """v1 appends until ``extra`` is written or ``budget`` seconds passed (at least 3)."""
    started = time.perf_counter()
    for done, message in enumerate(extra):
        if done >= 3 and time.perf_counter() - started > budget:
            return done
        session.append(message)
    return len(extra)


V1_PROBE_MESSAGES = 40_000
"""Messages of the conversation v1's stop point is computed on (past its 16 MiB)."""


def _v1_stop(ctx: BenchContext, full: list[dict[str, Any]], demonstrate: bool) -> dict[str, Any]:
    """Where v1's size guard refuses the conversation; shown for real if ``demonstrate``."""
    if len(full) < V1_PROBE_MESSAGES:  # the same conversation (same seed), longer
        full = make_conversation(V1_PROBE_MESSAGES)
    probe = LegacyV1Session(ctx.raw()[V1_COLLECTION], ctx.session_id("v1-stop"))
    sizes = [len(bson.encode(v1_message_document(m, i))) for i, m in enumerate(full)]
    stop = v1_stop_point(sizes, probe.empty_bytes())
    found: dict[str, Any] = {"computed": stop, "observed": None}
    if demonstrate and stop < len(full):
        size = probe.create(full[:stop], as_appended=True)
        try:
            probe.append(full[stop])
        except SessionTooLargeError as exc:
            found["observed"] = stop
            found["error"] = f"SessionTooLargeError: {exc}"
            found["bytes"] = size
        ctx.raw()[V1_COLLECTION].delete_one({"_id": probe.session_id})
    return found


@dataclass
class _Length:
    """One session length: its stored sessions and the batches measured so far."""

    n: int
    messages: list[dict[str, Any]]
    extra: list[dict[str, Any]]
    ours: StoredSession
    file_id: str
    samples: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {name: [] for name in CONTENDERS}
    )


def _prepare(ctx: BenchContext, n: int, full: list[dict[str, Any]]) -> _Length:
    """Store the sessions of length ``n`` (ours and File; v1's is made per batch)."""
    messages, extra = full[:n], full[n : n + ctx.config.scaling_appends]
    removed = window_offset(messages)
    ours = populate_ours(ctx, ctx.session_id(f"scale-{n}"), messages, removed=removed)
    file_id = ctx.session_id(f"scale-file-{n}")
    populate_file(ctx, file_id, messages, removed=removed)
    return _Length(n, messages, extra, ours, file_id)


def _appender(manager: Any, agent: Any, extra: list[dict[str, Any]]) -> Callable[[], int]:
    def go() -> int:
        for message in extra:
            manager.append_message(dict(message), agent)
        return len(extra)

    return go


def _batch(ctx: BenchContext, length: _Length, again: bool, with_v1: bool) -> None:
    """One batch of appends of every contender at this length (from the stored session).

    v1 only if ``with_v1``: it is measured in one batch per length (its batch is an
    average of several appends already, and each costs seconds at 5,000 messages).
    """
    n, extra, samples = length.n, length.extra, length.samples
    if again:
        restore_ours(ctx, length.ours)
        truncate_file(ctx, length.file_id, n)
    manager = ctx.ours(length.ours.session_id)
    agent = ctx.agent(manager, conversation_manager=window_manager())
    samples[OURS].append(
        _timed(_appender(manager, agent, extra), ctx.factory.pool.command_stats.capture)
    )
    manager.close()
    stored = ctx.raw()[DEFAULT_COLLECTION].find_one(
        {"_id": length.ours.session_id}, {f"agents.{AGENT}.message_count": 1}
    )
    if stored is None or stored["agents"][AGENT]["message_count"] != n + len(extra):
        raise RuntimeError(f"{OURS} did not store the {len(extra)} appends at {n}")
    if with_v1:
        legacy = LegacyV1Session(ctx.raw()[V1_COLLECTION], ctx.session_id(f"v1-{n}"))
        legacy.create(length.messages)
        budget = ctx.config.scaling_v1_seconds
        samples[V1].append(_timed(lambda: _v1_appends(legacy, extra, budget), ALL_COMMANDS.capture))
        ctx.raw()[V1_COLLECTION].delete_one({"_id": legacy.session_id})
    file_manager = ctx.file(length.file_id)
    file_agent = ctx.agent(file_manager, conversation_manager=window_manager())
    samples[FILE].append(_timed(_appender(file_manager, file_agent, extra), _NoCapture))
    raw = ctx.raw()[RAW_COLLECTION]

    def raw_appends() -> int:
        for i, message in enumerate(extra):
            raw.insert_one({"session_id": "raw", **v1_message_document(message, n + i)})
        return len(extra)

    samples[RAW].append(_timed(raw_appends, ALL_COMMANDS.capture))


def _finish(ctx: BenchContext, length: _Length) -> dict[str, Any]:
    """Put the sessions back as stored (the windowed resume reads them); the summaries."""
    restore_ours(ctx, length.ours)
    truncate_file(ctx, length.file_id, length.n)
    ctx.stored[(WINDOWED + OURS, length.n)] = length.ours.session_id
    ctx.stored[(WINDOWED + FILE, length.n)] = length.file_id
    out: dict[str, Any] = {"paged_count": length.ours.paged_count, "pages": length.ours.page_count}
    for name, found in length.samples.items():
        if not found:
            out[name] = {"stopped": True}
            continue
        out[name] = {
            "appends": [s["count"] for s in found],
            **{k: summary([s[k] for s in found]) for k in ("wall", "cpu", "store")},
            "commands": found[0]["commands"],
            "bytes_sent": found[0]["bytes_sent"],
        }
    return out


def _ratio(value: float | None, base: float | None) -> str:
    return f"{value / base:.1f}x" if value and base else "-"


def run(ctx: BenchContext) -> Section:
    """Each length: every contender; ratios against the same contender at the first length."""
    config = ctx.config
    sizes = list(config.scaling_sizes)
    full = make_conversation(max(sizes) + config.scaling_appends)
    v1 = _v1_stop(ctx, full, demonstrate=max(sizes) > 5_000)
    lengths = [_prepare(ctx, n, full) for n in sizes]
    first = lengths[0]
    warm = _Length(first.n, first.messages, first.extra[:WARM_UP], first.ours, first.file_id)
    _batch(ctx, warm, False, with_v1=True)  # warm-up: first clients, caches (not reported)
    for r in range(min(config.repeats, 3)):  # lengths interleaved: ratios share conditions
        for length in lengths:
            _batch(ctx, length, True, with_v1=r == 0 and length.n < v1["computed"])
        print(f"    batch {r + 1} measured at every length", flush=True)
    results = {length.n: _finish(ctx, length) for length in lengths}
    rows: list[list[str]] = []
    base = {name: results[sizes[0]][name].get("wall", {}).get("median") for name in CONTENDERS}
    for n in sizes:
        floor = results[n][RAW]["wall"]["median"]
        for name in CONTENDERS:
            found = results[n][name]
            if found.get("stopped"):
                rows.append(
                    [f"{n:,}", name, f"cannot be stored: v1 refuses message {v1['computed']:,}"]
                    + ["-"] * 6
                )
                continue
            wall = found["wall"]["median"]
            rows.append(
                [
                    f"{n:,}",
                    name,
                    fmt_ms(wall),
                    _ratio(wall, base[name]),
                    "-" if name == RAW else _ratio(wall, floor),
                    fmt_ms(found["cpu"]["median"]),
                    "-" if found["commands"] is None else f"{found['commands']:.2f}",
                    "-" if found["bytes_sent"] is None else fmt_bytes(found["bytes_sent"]),
                    f"{min(found['appends'])}"
                    + (f"-{max(found['appends'])}" if len(set(found["appends"])) > 1 else ""),
                ]
            )
    base_cpu = results[sizes[0]][OURS]["cpu"]["median"]
    gate = {
        str(n): {
            "ratio": results[n][OURS]["wall"]["median"] / base[OURS],
            "within": results[n][OURS]["wall"]["median"] / base[OURS] <= GATE,
            "cpu_ratio": results[n][OURS]["cpu"]["median"] / base_cpu if base_cpu else None,
        }
        for n in sizes
        if n >= 300 and base[OURS]
    }
    chart = "append_scaling.png"
    charts.lines(
        ctx.chart_dir / chart,
        "Append cost vs session length (median ms per message; lower is better)",
        sizes,
        {
            name: [results[n][name].get("wall", {}).get("median", 0) * 1000 or None for n in sizes]
            for name in CONTENDERS
        },
        "messages already in the session",
        "ms per appended message",
    )
    verdicts = ", ".join(
        f"{int(n):,}: {g['ratio']:.2f}x ({'within' if g['within'] else '**over**'}; "
        f"CPU {g['cpu_ratio'] or 0:.2f}x)"
        for n, g in gate.items()
    )
    notes = [
        f"Gate of issue 16: ours at 300+ messages within {GATE:.0f}x of ours at {sizes[0]}. "
        f"Measured: {verdicts or 'no length of 300+ in this run'}.",
        f"v1 keeps every message in one document, refused past {V1_MAX_DOCUMENT_BYTES:,} bytes "
        f"(16 MiB less 256 KiB): with this conversation its size guard refuses message "
        f"{v1['computed']:,}"
        + (
            f" (observed: {v1['observed']:,} messages stored, {fmt_bytes(v1['bytes'])}, then "
            "`SessionTooLargeError`)."
            if v1.get("observed")
            else " (computed from v1's own size arithmetic)."
        ),
        f"Each cell: {config.scaling_appends} appends (one page of the library's: a page is "
        "sealed every 100 messages, so each batch includes about one seal), median of "
        f"{min(config.repeats, 3)} batches, each from the stored session again, after one "
        "warm-up batch. v1 is measured in one batch per length, stopped after "
        f"{config.scaling_v1_seconds:.0f} s (the *appends* column): against the embedded "
        "server each of its appends rewrites the whole growing document.",
        "*x at first length*: the same contender's cost relative to its own at "
        f"{sizes[0]} messages. *x raw*: relative to one raw `insert_one` of the same message "
        "document, measured in the same batch (the floor of any design).",
        "Commands and bytes sent per message are counted with PyMongo command monitoring "
        "(FileSessionManager sends none: local files). Ours sends each message twice: in "
        "its append, and again inside its page when the page is sealed (one more write "
        "per 100 messages or 256 KiB).",
        "Against the embedded server an update costs more the larger the document it "
        "rewrites: ours rewrites a session holding at most one page of recent messages, v1 "
        "the whole conversation. That server cost is most of both wall times; the CPU "
        "column is this process's own work.",
    ]
    return Section(
        id="append_scaling",
        title="Append cost versus session length",
        intro=(
            "The cost of appending one message to a session that already holds N messages. "
            "The library keeps a bounded recent tail in the session document and seals older "
            "messages into pages; v1 pushed every message into the one document."
        ),
        columns=[
            "Messages",
            "Writer",
            "ms per message",
            f"x at {sizes[0]}",
            "x raw",
            "CPU ms per message",
            "commands per message",
            "bytes sent per message",
            "appends timed",
        ],
        rows=rows,
        data={"sizes": {str(n): v for n, v in results.items()}, "gate": gate, "v1_stop": v1},
        notes=notes,
        charts=[chart],
    )
