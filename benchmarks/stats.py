"""Repetition and summaries: every timed figure is a median with its spread."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any


def summary(values: Sequence[float]) -> dict[str, Any]:
    """Median, min, max and the raw values of a repeated measurement."""
    ordered = sorted(values)
    if not ordered:
        return {"median": None, "min": None, "max": None, "n": 0, "values": []}
    return {
        "median": statistics.median(ordered),
        "min": ordered[0],
        "max": ordered[-1],
        "n": len(ordered),
        "values": list(values),
    }


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100), nearest-rank, of ``values``."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


class Timing:
    """Wall time, process CPU time and store wait of one block (``with Timing() as t:``).

    ``store`` is the time the clients waited for MongoDB / S3 inside the block
    (:class:`benchmarks.context.StoreClock`); ``wall - store`` is the library,
    Strands and the rest of the process.
    """

    wall: float
    cpu: float
    store: float

    def __enter__(self) -> Timing:
        from benchmarks.context import STORE_CLOCK

        self._clock = STORE_CLOCK.capture()
        self._spent = self._clock.__enter__()
        self._wall = time.perf_counter()
        self._cpu = time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall = time.perf_counter() - self._wall
        self.cpu = time.process_time() - self._cpu
        self._clock.__exit__(None, None, None)
        self.store = self._spent[0]


def repeat(fn: Callable[[int], Timing], times: int) -> list[Timing]:
    """Call ``fn(i)`` ``times`` times; each call returns the Timing of its measured part."""
    return [fn(i) for i in range(times)]


def fmt_ms(seconds: float | None) -> str:
    """Seconds as a short millisecond figure."""
    if seconds is None:
        return "-"
    ms = seconds * 1000
    if ms >= 100:
        return f"{ms:,.0f}"
    if ms >= 10:
        return f"{ms:.1f}"
    return f"{ms:.2f}"


def fmt_spread(s: dict[str, Any]) -> str:
    """``median (min-max)`` in milliseconds."""
    if not s.get("n"):
        return "-"
    if s["n"] == 1:
        return fmt_ms(s["median"])
    return f"{fmt_ms(s['median'])} ({fmt_ms(s['min'])}-{fmt_ms(s['max'])})"


def fmt_bytes(n: float | None) -> str:
    """A byte count, human readable."""
    if n is None:
        return "-"
    if n >= 1024 * 1024:
        return f"{n / 1024 / 1024:.2f} MiB"
    if n >= 10 * 1024:
        return f"{n / 1024:.1f} KiB"
    return f"{int(n):,} B"
