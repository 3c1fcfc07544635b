"""Snapshot sessions (issue 17): save and restore on MongoDBStorage, LocalFileStorage and S3Storage.

Strands' ``SnapshotSessionManager`` writes a whole-agent snapshot per save (the
latest, plus an immutable checkpoint when asked) through any ``Storage``; the
same agent, with the same conversation, is saved and restored through each
backend, at growing conversation lengths.
"""

from __future__ import annotations

import gc
from collections.abc import Awaitable, Callable
from typing import Any

from strands.session import SnapshotSessionManager
from strands.storage import LocalFileStorage, S3Storage

from benchmarks import charts
from benchmarks.context import BUCKET, BenchContext
from benchmarks.conversation import make_conversation
from benchmarks.report import Section
from benchmarks.stats import Timing, fmt_bytes, fmt_spread, summary
from mongodb_session_manager import MongoDBStorage

OURS = "MongoDBStorage"
FILE = "LocalFileStorage"
S3 = "S3Storage (moto)"
CONTENDERS = (OURS, FILE, S3)
OPERATIONS = (
    ("save", "save latest"),
    ("checkpoint", "save a checkpoint"),
    ("restore", "restore latest"),
    ("travel", "restore a checkpoint"),
)


def _storages(ctx: BenchContext, ours: MongoDBStorage) -> dict[str, Any]:
    s3 = S3Storage(BUCKET, prefix=ctx.session_id("snapshots"), boto_session=ctx.boto)
    # S3Storage has no endpoint option: its client is given moto's endpoint here.
    s3._client = ctx.boto.client("s3", endpoint_url=ctx.s3_endpoint)
    return {OURS: ours, FILE: LocalFileStorage(str(ctx.tmp / "snapshot-files")), S3: s3}


def _timed(ctx: BenchContext, op: Callable[[], Awaitable[Any]]) -> Timing:
    gc.collect()

    async def go() -> None:
        await op()

    with Timing() as t:
        ctx.loop.run(go())
    return t


def _measure(
    ctx: BenchContext, name: str, storage: Any, messages: list[dict[str, Any]]
) -> dict[str, Any]:
    session_id = ctx.session_id(f"snap-{len(messages)}")
    manager = SnapshotSessionManager(session_id, storage=storage)
    agent = ctx.agent(manager, messages=list(messages))
    checkpoint = ctx.loop.run(manager.save_snapshot(agent, is_latest=False))
    assert checkpoint is not None
    ops: dict[str, Callable[[], Awaitable[Any]]] = {
        "save": lambda: manager.save_snapshot(agent, is_latest=True),
        "checkpoint": lambda: manager.save_snapshot(agent, is_latest=False),
        "restore": lambda: manager.restore_snapshot(agent),
        "travel": lambda: manager.restore_snapshot(agent, snapshot_id=checkpoint),
    }
    found: dict[str, Any] = {}
    for op, call in ops.items():
        capture = (
            ctx.factory.pool.command_stats.capture()
            if name == OURS
            else ctx.http.capture()
            if name == S3
            else None
        )
        if capture is None:
            first = _timed(ctx, call)
            trips, sent, received = None, None, None
        else:
            with capture as log:
                first = _timed(ctx, call)
            trips, sent, received = log.round_trips, log.bytes_sent, log.bytes_received
        repeats = ctx.config.repeats if name != S3 else min(ctx.config.repeats, 3)
        timings = [first] + [_timed(ctx, call) for _ in range(repeats - 1)]
        found[op] = {
            "wall": summary([t.wall for t in timings]),
            "round_trips": trips,
            "bytes_sent": sent,
            "bytes_received": received,
        }
    assert len(agent.messages) == len(messages)
    latest = f"session/{session_id}/scopes/agent/default/snapshots/snapshot_latest.json"
    found["snapshot_bytes"] = len(ctx.loop.run(storage.read(latest)) or b"")
    return found


def run(ctx: BenchContext) -> Section:
    """Each length, each backend: one agent saved and restored ``repeats`` times."""
    sizes = ctx.config.snapshot_sizes
    full = make_conversation(max(sizes))
    ours = MongoDBStorage.from_factory(ctx.factory)
    storages = _storages(ctx, ours)
    results: dict[int, dict[str, Any]] = {}
    rows: list[list[str]] = []
    try:
        for n in sizes:
            results[n] = {
                name: _measure(ctx, name, storages[name], full[:n]) for name in CONTENDERS
            }
    finally:
        ours.close()
    for n in sizes:
        for name in CONTENDERS:
            cell = results[n][name]
            row = [f"{n:,}", name, fmt_bytes(cell["snapshot_bytes"])]
            for op, _ in OPERATIONS:
                wall = cell[op]["wall"]
                base = results[n][OURS][op]["wall"]["median"]
                ratio = f" ({wall['median'] / base:.1f}x)" if base and name != OURS else ""
                row.append(fmt_spread(wall) + ratio)
            trips = [cell[op]["round_trips"] for op, _ in OPERATIONS]
            row.append("-" if trips[0] is None else " / ".join(str(t) for t in trips))
            rows.append(row)
    chart = "snapshots.png"
    charts.lines(
        ctx.chart_dir / chart,
        "Snapshot save (latest) vs conversation length (median; lower is better)",
        list(sizes),
        {
            name: [results[n][name]["save"]["wall"]["median"] * 1000 for n in sizes]
            for name in CONTENDERS
        },
        "messages in the agent",
        "ms per save",
    )
    return Section(
        id="snapshots",
        title="Snapshot sessions: save and restore against LocalFileStorage and S3Storage",
        intro=(
            "Strands' `SnapshotSessionManager` on each `Storage`: the same agent (the "
            "benchmark conversation, ~400 bytes a message) saved and restored through "
            "`save_snapshot` / `restore_snapshot`, in one event loop."
        ),
        columns=[
            "Messages",
            "Storage",
            "Snapshot size",
            *[f"{label} ms (x ours)" for _, label in OPERATIONS],
            "Round trips (save / checkpoint / restore / travel)",
        ],
        rows=rows,
        data={str(n): v for n, v in results.items()},
        notes=[
            "Every save writes the whole snapshot (Strands' design): its cost grows with the "
            "conversation for every backend. `save_snapshot(is_latest=False)` writes one "
            "immutable checkpoint; the manager's own trigger writes a checkpoint and then the "
            "latest (two writes).",
            "Round trips: MongoDB commands for ours, HTTP requests for S3 (counted by "
            "monitoring); the local files have none.",
            "S3Storage has no endpoint option: the benchmark hands it a boto3 client on "
            "moto's server. moto answers one request in several ms here, so S3's figures "
            "are mostly moto's; 3 repetitions for S3.",
            f"Median (min-max) of {ctx.config.repeats} runs of each operation; x = time "
            "relative to MongoDBStorage at the same length.",
        ],
        charts=[chart],
    )
