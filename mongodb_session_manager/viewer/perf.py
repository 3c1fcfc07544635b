"""Measuring the viewer: round trips and bytes per screen.

Used by the viewer's budget tests and by the benchmark
(``python -m mongodb_session_manager.demo.synthetic``, which fills a scratch
database with synthetic sessions first)::

    from mongodb_session_manager.viewer.perf import measure_screens

    report = queries.pool.run(measure_screens(queries, "synthetic-000042"))

Round trips and bytes come from PyMongo command monitoring, so they mean the
same on any server; timings depend on the server (the embedded test server is
far slower than MongoDB).
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any

from mongodb_session_manager.viewer.filters import MetaFilter, SessionSearch
from mongodb_session_manager.viewer.queries import SessionQueries

__all__ = ["ScreenCost", "measure", "measure_screens"]


@dataclass
class ScreenCost:
    """What one screen (one API call) cost."""

    round_trips: int
    reads: int
    bytes_sent: int
    bytes_received: int
    milliseconds: float


async def measure(queries: SessionQueries, call: Any) -> ScreenCost:
    """Run ``call`` (a zero-argument coroutine function) and record its database traffic."""
    with queries.pool.command_stats.capture() as log:
        started = time.perf_counter()
        await call()
        elapsed = (time.perf_counter() - started) * 1000
    return ScreenCost(
        round_trips=log.round_trips,
        reads=log.reads,
        bytes_sent=log.bytes_sent,
        bytes_received=log.bytes_received,
        milliseconds=round(elapsed, 1),
    )


async def measure_screens(
    queries: SessionQueries, session_id: str, page_size: int = 20
) -> dict[str, dict[str, Any]]:
    """Cost of each screen: result pages (plain and filtered), header, timeline, metrics.

    Run it with ``asyncio.run(...)`` or ``queries.pool.run(...)``; either way the
    queries themselves run on the store loop.
    """
    await queries.fields()  # discovery is cached; measure the screens themselves
    filtered = SessionSearch(limit=page_size, meta=[MetaFilter("customer_tier", "eq", ["gold"])])
    screens = {
        "search_page": lambda: queries.search(SessionSearch(limit=page_size)),
        "search_filtered": lambda: queries.search(filtered),
        "search_deep_page": lambda: queries.search(SessionSearch(limit=page_size, offset=5000)),
        "session_header": lambda: queries.session(session_id),
        "timeline_page": lambda: queries.timeline(session_id, None, 50),
        "metrics": lambda: queries.metrics(session_id),
    }
    return {name: asdict(await measure(queries, call)) for name, call in screens.items()}
