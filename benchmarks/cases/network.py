"""A simulated network round trip: how round-trip counts turn into latency."""

from __future__ import annotations

import gc
import itertools
import statistics
import time
from collections.abc import Callable
from typing import Any

from pymongo import MongoClient

from benchmarks import charts
from benchmarks.context import BUCKET, BenchContext
from benchmarks.conversation import lookup_order, make_conversation, prompts
from benchmarks.report import Section
from benchmarks.stats import Timing, fmt_ms, fmt_spread, summary

OURS = "mongodb-session-manager"
S3 = "S3SessionManager"


def _calibrate(ctx: BenchContext, delay: float) -> dict[str, float]:
    """Median time of one trivial round trip through the proxies at ``delay``."""
    uri, endpoint = ctx.delayed_mongo(delay), ctx.delayed_s3(delay)
    client: MongoClient[Any] = MongoClient(uri, serverSelectionTimeoutMS=5000)
    try:
        client.admin.command("ping")
        mongo = []
        for _ in range(15):
            started = time.perf_counter()
            client.admin.command("ping")
            mongo.append(time.perf_counter() - started)
    finally:
        client.close()
    s3_client = ctx.boto.client("s3", endpoint_url=endpoint)
    s3_client.head_bucket(Bucket=BUCKET)
    s3 = []
    for _ in range(8):
        started = time.perf_counter()
        s3_client.head_bucket(Bucket=BUCKET)
        s3.append(time.perf_counter() - started)
    return {"mongo": statistics.median(mongo), "s3": statistics.median(s3)}


def _slope(xs: list[float], ys: list[float]) -> float:
    """Least-squares slope of ``ys`` over ``xs``."""
    mean_x, mean_y = statistics.fmean(xs), statistics.fmean(ys)
    spread = sum((x - mean_x) ** 2 for x in xs)
    if not spread:
        return 0.0
    return sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / spread


def run(ctx: BenchContext) -> Section:
    """Resume, chat turn and tool turn at each simulated delay, ours against S3.

    The delays are interleaved inside each repetition, so a slow spell of the
    machine hits every delay alike.
    """
    config = ctx.config
    title = "Simulated network round trip"
    try:
        ctx.delayed_mongo(config.delays_ms[0])
    except ValueError as exc:  # a replica-set or SRV URI: no single address to proxy
        print(f"note: network simulation skipped: {exc}")
        return Section(id="network", title=title, skipped=str(exc))
    repeats = max(1, min(5, config.repeats))
    n = config.network_resume_messages
    history = make_conversation(n)
    stored = {OURS: ctx.session_id("net-ours"), S3: ctx.session_id("net-s3")}
    ctx.agent(ctx.ours(stored[OURS]), messages=list(history))
    ctx.agent(ctx.s3(stored[S3]), messages=list(history))
    asks = itertools.cycle(prompts(8, seed=5))
    resume_label = f"open + resume ({n} messages)"

    def operations_at(delay: float) -> dict[tuple[str, str], tuple[Callable[[], Any], Any]]:
        """(operation, manager) -> (prepare, capture); ``prepare()`` returns the action."""
        uri, endpoint = ctx.delayed_mongo(delay), ctx.delayed_s3(delay)
        factory = ctx.ours_factory(uri)
        ours_capture = factory.pool.command_stats.capture
        s3_capture = ctx.http.capture

        async def resume_async() -> None:
            ctx.agent(await factory.create_session_manager_async(stored[OURS]))

        def turn(make: Callable[[], Any], tool: bool) -> Callable[[], Callable[[], Any]]:
            # Each timed turn is the second turn of a fresh agent, so every one meets a
            # session of the same size (the embedded server's update cost grows with it).
            def prepare() -> Callable[[], Any]:
                agent = ctx.agent(make(), tools=[lookup_order])  # empty script: echo
                agent(next(asks))  # the first turn also creates the agent record
                if tool:
                    agent.model.extend(
                        [{"tool": "lookup_order", "input": {"order_id": "A-10001"}}, "Shipped."]
                    )
                return lambda: agent(next(asks))

            return prepare

        def new_ours() -> Any:
            return factory.create_session_manager(ctx.session_id("net-turn"))

        def new_s3() -> Any:
            return ctx.s3(ctx.session_id("net-turn"), endpoint)

        return {
            (resume_label, f"{OURS} (sync)"): (
                lambda: lambda: ctx.agent(factory.create_session_manager(stored[OURS])),
                ours_capture,
            ),
            (resume_label, f"{OURS} (create_async)"): (
                lambda: lambda: ctx.loop.run(resume_async()),
                ours_capture,
            ),
            (resume_label, S3): (
                lambda: lambda: ctx.agent(ctx.s3(stored[S3], endpoint)),
                s3_capture,
            ),
            ("chat turn", OURS): (turn(new_ours, False), ours_capture),
            ("chat turn", S3): (turn(new_s3, False), s3_capture),
            ("tool-use turn", OURS): (turn(new_ours, True), ours_capture),
            ("tool-use turn", S3): (turn(new_s3, True), s3_capture),
        }

    delays = list(config.delays_ms)
    calibration = {str(d): _calibrate(ctx, d) for d in delays}
    plans = {d: operations_at(d) for d in delays}
    trips: dict[tuple[str, str], int] = {}
    for key, (prepare, capture) in plans[delays[0]].items():
        action = prepare()
        with capture() as log:
            action()  # counted once (also a warm-up)
        trips[key] = log.round_trips
    samples: dict[tuple[str, str], dict[float, list[float]]] = {
        key: {d: [] for d in delays} for key in trips
    }
    for _ in range(repeats):
        for delay in delays:
            for key, (prepare, _capture) in plans[delay].items():
                action = prepare()
                gc.collect()
                with Timing() as t:
                    action()
                samples[key][delay].append(t.wall)

    operations: dict[str, dict[str, Any]] = {}
    rows = []
    for key, by_delay in samples.items():
        op, who = key
        cells = [summary(by_delay[d]) for d in delays]
        # The slope uses each cell's fastest run: interference from other work on the
        # machine only ever adds time, so the minimum is the cleanest estimate of what
        # the delay itself adds.
        slope = _slope(delays, [c["min"] * 1000 for c in cells])
        operations[f"{op}|{who}"] = {
            "op": op,
            "who": who,
            "round_trips": trips[key],
            "by_delay": {str(d): c for d, c in zip(delays, cells, strict=True)},
            "ms_per_ms_of_delay": slope,
        }
        rows.append([op, who, f"{trips[key]:,}", *(fmt_spread(c) for c in cells), f"{slope:.1f}"])
    chart = "network.png"
    charts.lines(
        ctx.chart_dir / chart,
        "Latency vs simulated round-trip delay (fastest of each cell's runs)",
        delays,
        {
            f"{e['who']}: {e['op']}": [e["by_delay"][str(d)]["min"] * 1000 for d in delays]
            for e in operations.values()
        },
        "simulated delay per round trip (ms)",
        "ms",
        log=False,
        named_colors=False,
    )
    measured = ", ".join(
        f"{d:g} ms: MongoDB {fmt_ms(calibration[str(d)]['mongo'])} ms, "
        f"S3 {fmt_ms(calibration[str(d)]['s3'])} ms"
        for d in delays
    )
    return Section(
        id="network",
        title=title,
        intro=(
            "**A simulation.** A proxy process holds every request for a fixed delay before "
            "passing it on (one delay per round trip, MongoDB and S3 alike; 0 ms is the same "
            "proxy without delay). What it shows is how each design's round trips add up "
            "once every round trip costs what a network costs."
        ),
        columns=[
            "Operation",
            "Manager",
            "Round trips",
            *(f"ms at {d:g} ms delay" for d in delays),
            "ms added per 1 ms of delay",
        ],
        rows=rows,
        data={"operations": operations, "calibration": calibration, "repeats": repeats},
        notes=[
            f"Measured cost of one trivial round trip through the proxy ({measured}).",
            "*ms added per 1 ms of delay* is the least-squares slope, over the delays, of each "
            "cell's fastest run (other work on the machine only adds time, so the fastest run "
            "is the cleanest estimate): about the number of round trips made one after "
            "another. "
            "S3SessionManager reads messages with a thread pool, so its slope is below its "
            "request count; it still pays each request's server time, and on real S3 each "
            "request is billed.",
            f"Cells: median (min-max) of {repeats} runs, the delays interleaved in each "
            "repetition, after one counted warm-up run per operation. Each chat or tool-use "
            "turn is the second turn of a fresh agent (same session size every time).",
            "Each S3 PUT pays two round trips: botocore sends `Expect: 100-continue` and waits "
            "for the server's go-ahead before the body, as it does against real S3. moto closes "
            "the connection after every response, so each S3 request also opens a new TCP "
            "connection through the proxy; that connect is not delayed.",
        ],
        charts=[chart],
    )
