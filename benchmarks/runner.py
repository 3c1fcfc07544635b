"""Run the cases in order and write the report."""

from __future__ import annotations

import importlib
import logging
import time
import traceback
from pathlib import Path

from benchmarks import environment, report
from benchmarks.config import Config
from benchmarks.context import BenchContext
from benchmarks.report import Section

CASES: tuple[tuple[str, str], ...] = (
    ("round_trips", "Round trips and bytes per operation"),
    ("resume", "Resume time versus session length"),
    ("append_scaling", "Append cost versus session length"),
    ("resume_window", "Resume with a fixed window versus session length"),
    ("big_session", "One big session: 1 MB tool results, tens of thousands of messages"),
    ("overhead", "Per-turn overhead of persistence"),
    ("hot_path", "Hot path: CPU, writes and memory per message"),
    ("event_loop", "Event-loop health under concurrent streaming chats"),
    ("network", "Simulated network round trip"),
    ("memory", "Memory while resuming a long session"),
    ("viewer", "Viewer: listing and opening sessions"),
    ("snapshots", "Snapshot sessions: save and restore against LocalFileStorage and S3Storage"),
    ("memory_search", "Long-term memory: search latency"),
    ("startup", "Start-up time"),
)
"""(module in ``benchmarks.cases``, title) in report order."""


def run(config: Config, out_dir: Path) -> Path:
    """Run every case not skipped; write the report under ``out_dir``; return its path."""
    logging.getLogger("mongodb_session_manager").setLevel(logging.WARNING)
    out_dir.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    print(f"benchmarks: {'quick' if config.quick else 'full'} run, writing to {out_dir}")
    ctx = BenchContext(config)
    ctx.chart_dir = out_dir / report.CHART_DIR
    ctx.chart_dir.mkdir(parents=True, exist_ok=True)
    sections: list[Section] = []
    try:
        env = environment.describe(ctx.backend)
        env["load_start"] = environment.load_average()
        for name, title in CASES:
            if name in config.skip:
                sections.append(Section(id=name, title=title, skipped="skipped with --skip"))
                continue
            print(f"  {name} ...", flush=True)
            case_started = time.perf_counter()
            try:
                module = importlib.import_module(f"benchmarks.cases.{name}")
                section: Section = module.run(ctx)
            except Exception as exc:
                traceback.print_exc()
                section = Section(id=name, title=title, skipped=f"the case failed: {exc!r}")
            section.seconds = time.perf_counter() - case_started
            print(f"  {name}: {section.seconds:.1f} s", flush=True)
            sections.append(section)
    finally:
        ctx.close()
    env["load_end"] = environment.load_average()
    env["run_seconds"] = round(time.perf_counter() - started, 1)
    path = report.write(out_dir, sections, env, config.quick)
    print(f"benchmarks: done in {env['run_seconds']} s -> {path}")
    return path
