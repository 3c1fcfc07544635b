"""Memory while resuming a long session, each contender in a fresh process."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

from benchmarks import charts
from benchmarks.cases.resume import FILE, OURS, S3, populate
from benchmarks.context import BenchContext
from benchmarks.conversation import make_conversation
from benchmarks.report import Section
from benchmarks.servers import REPO_ROOT
from benchmarks.stats import fmt_bytes

KINDS = {OURS: "ours", FILE: "file", S3: "s3"}


def _start_probe(
    ctx: BenchContext, name: str, session_id: str, warm_id: str
) -> subprocess.Popen[str]:
    location = {
        OURS: ctx.mongo_uri,
        FILE: str(ctx.tmp / "file-sessions"),
        S3: ctx.s3_endpoint,
    }[name]
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "benchmarks._memory_probe",
            KINDS[name],
            session_id,
            warm_id,
            location,
            ctx.database,
        ],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _result(name: str, probe: subprocess.Popen[str]) -> dict[str, Any]:
    try:
        out, err = probe.communicate(timeout=600)
    except subprocess.TimeoutExpired:
        probe.kill()
        raise RuntimeError(f"memory probe for {name} did not finish") from None
    if probe.returncode != 0:
        raise RuntimeError(f"memory probe for {name} failed: {err[-2000:]}")
    return dict(json.loads(out.strip().splitlines()[-1]))


def run(ctx: BenchContext) -> Section:
    """Resume an ``n``-message session once per contender, in its own process."""
    n = ctx.config.memory_messages
    messages = make_conversation(n)
    # The async open restores through the same code as the sync one: one row is enough.
    contenders = [OURS, FILE]
    notes: list[str] = []
    if n <= ctx.config.s3_max_messages:
        contenders.append(S3)
    else:
        notes.append(
            f"S3SessionManager is left out at {n:,} messages (storing them in moto would take "
            "minutes; see the resume section)."
        )
    probes: dict[str, subprocess.Popen[str]] = {}
    for name in contenders:
        session_id = ctx.stored.get((name, n))
        if session_id is None:
            session_id = ctx.session_id(f"mem-{n}")
            populate(ctx, name, session_id, messages)
        warm_id = ctx.session_id("mem-warm")
        populate(ctx, name, warm_id, messages[:10])
        # Memory figures do not depend on timing, so the probes run side by side (each
        # on its own store: our manager on the database server, File on disk, S3 on moto).
        probes[name] = _start_probe(ctx, name, session_id, warm_id)
    results: dict[str, Any] = {name: _result(name, probe) for name, probe in probes.items()}
    rows = []
    for name in contenders:
        found = results[name]
        if found["messages"] != n:
            raise RuntimeError(f"{name} resumed {found['messages']} messages of {n}")
        rows.append(
            [
                name,
                fmt_bytes(found["rss_peak_growth"]),
                fmt_bytes(found["traced_peak"]),
                fmt_bytes(found["traced_held"]),
                fmt_bytes(max(0, found["traced_peak"] - found["traced_held"])),
            ]
        )
    chart = "memory.png"
    charts.grouped_bars(
        ctx.chart_dir / chart,
        f"Memory while resuming {n:,} messages (lower is better)",
        contenders,
        {
            "peak RSS growth": [results[c]["rss_peak_growth"] / 2**20 for c in contenders],
            "Python allocations, peak": [results[c]["traced_peak"] / 2**20 for c in contenders],
            "held by the agent afterwards": [results[c]["traced_held"] / 2**20 for c in contenders],
        },
        "MiB",
    )
    notes += [
        "Each row is a fresh process: it resumes a 10-message session first (imports, clients), "
        "then the long one. *Peak RSS growth* is resident memory sampled every 2 ms, minus the "
        "value just before the resume. The tracemalloc figures come from a second resume in "
        "the same process: the peak of Python allocations, and what is still held afterwards "
        "(the restored `agent.messages`, which every manager must build).",
        "Peak minus held is what the resume allocated only to throw away: for our manager the "
        "raw BSON reply and its decoded documents while they are turned into Strands messages.",
    ]
    return Section(
        id="memory",
        title="Memory while resuming a long session",
        intro=f"Resuming a {n:,}-message session (the resume section's conversation).",
        columns=[
            "Manager",
            "peak RSS growth",
            "Python allocations, peak",
            "held afterwards",
            "peak - held",
        ],
        rows=rows,
        data={"messages": n, "results": results},
        notes=notes,
        charts=[chart],
    )
