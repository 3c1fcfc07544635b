"""Measure memory while resuming one stored session, in a fresh process.

``python -m benchmarks._memory_probe KIND SESSION_ID WARM_SESSION_ID LOCATION [DATABASE]``
prints one JSON line. KIND is ``ours`` (LOCATION: MongoDB URI), ``ours-async``,
``file`` (LOCATION: storage directory) or ``s3`` (LOCATION: endpoint URL).

A fresh process, because resident memory is never handed back reliably: after
the other cases the benchmark's own process would hide the growth. The probe
resumes a small session first (imports, clients, caches), then measures:

* peak RSS growth: the highest resident set size, sampled every 2 ms, minus the
  size just before the resume;
* with tracemalloc (a second resume): the peak of Python allocations during the
  resume and what is still held afterwards (the restored agent, mostly its
  messages); peak minus held is what the resume allocated only to throw away.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import threading
import time
import tracemalloc
from typing import Any

_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def rss() -> int:
    """Resident set size of this process, in bytes (Linux)."""
    with open("/proc/self/statm", encoding="ascii") as f:
        return int(f.read().split()[1]) * _PAGE


class PeakSampler:
    """Samples RSS every 2 ms in a thread; ``peak`` is the highest seen."""

    def __init__(self) -> None:
        self.peak = rss()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, rss())
            time.sleep(0.002)

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.peak = max(self.peak, rss())


def main(argv: list[str]) -> None:
    kind, session_id, warm_session_id, location = argv[:4]
    database = argv[4] if len(argv) > 4 else "unused"
    from strands import Agent

    from mongodb_session_manager.testing import ScriptedModel

    factory: Any = None
    if kind in ("ours", "ours-async"):
        from benchmarks.context import CLIENT_OPTIONS
        from mongodb_session_manager import MongoDBSessionManagerFactory

        factory = MongoDBSessionManagerFactory(location, database_name=database, **CLIENT_OPTIONS)

    def resume(sid: str) -> Agent:
        if kind == "ours":
            manager: Any = factory.create_session_manager(sid)
        elif kind == "ours-async":
            import asyncio

            async def open_() -> Any:
                return await factory.create_session_manager_async(sid)

            manager = asyncio.run(open_())
        elif kind == "file":
            from strands.session.file_session_manager import FileSessionManager

            manager = FileSessionManager(sid, storage_dir=location)
        else:
            import boto3
            from strands.session.s3_session_manager import S3SessionManager

            session = boto3.Session(
                aws_access_key_id="bench", aws_secret_access_key="bench", region_name="us-east-1"
            )
            manager = S3SessionManager(
                sid, bucket="msm-bench", boto_session=session, endpoint_url=location
            )
        return Agent(model=ScriptedModel(), session_manager=manager, callback_handler=None)

    resume(warm_session_id)
    gc.collect()
    before = rss()
    started = time.perf_counter()
    with PeakSampler() as sampler:
        agent = resume(session_id)
    wall = time.perf_counter() - started
    messages = len(agent.messages)
    after = rss()
    del agent
    gc.collect()
    tracemalloc.start()
    agent = resume(session_id)
    gc.collect()
    held, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        json.dumps(
            {
                "messages": messages,
                "rss_before": before,
                "rss_peak_growth": sampler.peak - before,
                "rss_after_growth": after - before,
                "traced_peak": peak,
                "traced_held": held,
                "wall": wall,
                "agent_messages": len(agent.messages),
            }
        ),
        flush=True,
    )
    if factory is not None:
        factory.close()


if __name__ == "__main__":
    main(sys.argv[1:])
