"""Event-loop health: concurrent streaming chats in one FastAPI process."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from benchmarks import charts
from benchmarks.context import BenchContext
from benchmarks.conversation import prompts
from benchmarks.report import Section
from benchmarks.servers import chat_app
from benchmarks.stats import fmt_ms, percentile, summary

VARIANTS = {
    "none": "no session manager",
    "async": "mongodb-session-manager (async)",
    "sync-hooks": "Strands sync hooks (blocking)",
}


READY_TIMEOUT = 60.0


async def _wait_ready(client: httpx.AsyncClient, base: str) -> None:
    deadline = time.monotonic() + READY_TIMEOUT
    while True:
        try:
            if (await client.get(f"{base}/loop")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError("the chat app did not answer")
        await asyncio.sleep(0.1)


async def _chat(client: httpx.AsyncClient, url: str, asks: list[str]) -> list[tuple[float, float]]:
    """One user: ``len(asks)`` turns in a row; (turn latency, time to first byte) each."""
    out = []
    for ask in asks:
        started = time.perf_counter()
        first: float | None = None
        async with client.stream("POST", url, params={"prompt": ask}) as r:
            r.raise_for_status()
            async for _chunk in r.aiter_bytes():
                if first is None:
                    first = time.perf_counter()
        done = time.perf_counter()
        out.append((done - started, (first or done) - started))
    return out


async def _round(
    client: httpx.AsyncClient, base: str, ctx: BenchContext, variant: str
) -> dict[str, Any]:
    config = ctx.config
    await client.post(f"{base}/loop/reset")
    asks = prompts(config.chat_turns)
    started = time.perf_counter()
    per_chat = await asyncio.gather(
        *(
            _chat(client, f"{base}/chat/{variant}/{ctx.session_id('loop')}", asks)
            for _ in range(config.chats)
        )
    )
    elapsed = time.perf_counter() - started
    loop = (await client.get(f"{base}/loop")).json()
    latencies = [lat for chat in per_chat for lat, _ in chat]
    ttfbs = [ttfb for chat in per_chat for _, ttfb in chat]
    return {
        "loop": loop,
        "elapsed": elapsed,
        "p50": percentile(latencies, 50),
        "p99": percentile(latencies, 99),
        "ttfb_p50": percentile(ttfbs, 50),
        "ttfb_p99": percentile(ttfbs, 99),
        "turns": len(latencies),
    }


async def _measure(ctx: BenchContext, uri: str, repeats: int) -> dict[str, list[dict[str, Any]]]:
    """One app process; rounds of the variants interleaved, so they share conditions."""
    app = chat_app(
        "--mongo-uri",
        uri,
        "--database",
        ctx.database,
        "--latency-ms",
        str(ctx.config.model_latency_ms),
    )
    results: dict[str, list[dict[str, Any]]] = {variant: [] for variant in VARIANTS}
    try:
        limits = httpx.Limits(max_connections=ctx.config.chats + 10)
        async with httpx.AsyncClient(timeout=300, limits=limits) as client:
            await _wait_ready(client, app.address)
            for variant in VARIANTS:  # warm-up: imports, first connections
                url = f"{app.address}/chat/{variant}/{ctx.session_id('loop-warm')}"
                await _chat(client, url, prompts(1))
            for _ in range(repeats):
                for variant in VARIANTS:
                    results[variant].append(await _round(client, app.address, ctx, variant))
    finally:
        app.close()
    return results


def run(ctx: BenchContext) -> Section:
    """Each variant in its own app process, ``repeats`` rounds of all chats at once."""
    config = ctx.config
    repeats = max(1, min(3, config.repeats))
    uri = ctx.mongo_uri
    delayed = bool(config.loop_delay_ms)
    if delayed:
        try:
            uri = ctx.delayed_mongo(config.loop_delay_ms)
        except ValueError as exc:  # a replica-set or SRV URI: no single address to proxy
            print(f"note: event-loop case runs without a simulated delay: {exc}")
            delayed = False
    results = ctx.loop.run(_measure(ctx, uri, repeats))

    def med(variant: str, pick: Any) -> dict[str, Any]:
        return summary([pick(r) for r in results[variant]])

    rows = []
    figures: dict[str, dict[str, Any]] = {}
    for variant, label in VARIANTS.items():
        f = {
            "blocking_calls": med(variant, lambda r: r["loop"].get("blocking_calls", 0)),
            "max_stall": med(variant, lambda r: r["loop"].get("max_stall_ms", 0) / 1000),
            "stalls_over_50ms": med(variant, lambda r: r["loop"].get("stalls_over_50ms", 0)),
            "blocked": med(variant, lambda r: r["loop"].get("blocked_ms_total", 0) / 1000),
            "p50": med(variant, lambda r: r["p50"]),
            "p99": med(variant, lambda r: r["p99"]),
            "ttfb_p50": med(variant, lambda r: r["ttfb_p50"]),
            "ttfb_p99": med(variant, lambda r: r["ttfb_p99"]),
        }
        figures[variant] = f
        rows.append(
            [
                label,
                f"{f['blocking_calls']['median']:,.0f}",
                _spread(f["max_stall"]),
                f"{f['stalls_over_50ms']['median']:.0f}",
                fmt_ms(f["blocked"]["median"]),
                _spread(f["p50"]),
                _spread(f["p99"]),
                fmt_ms(f["ttfb_p99"]["median"]),
            ]
        )
    chart = "event_loop.png"
    charts.grouped_bars(
        ctx.chart_dir / chart,
        f"{config.chats} concurrent streaming chats (median of {repeats} rounds)",
        ["longest loop stall", "p50 turn latency", "p99 turn latency"],
        {
            label: [
                figures[variant]["max_stall"]["median"] * 1000,
                figures[variant]["p50"]["median"] * 1000,
                figures[variant]["p99"]["median"] * 1000,
            ]
            for variant, label in VARIANTS.items()
        },
        "ms",
    )
    delay = (
        f"every MongoDB round trip delayed by {config.loop_delay_ms:g} ms (simulated network)"
        if delayed
        else "no simulated network delay"
    )
    return Section(
        id="event_loop",
        title="Event-loop health under concurrent streaming chats",
        intro=(
            f"{config.chats} clients chat at once with one FastAPI app (uvicorn, one process, "
            f"one event loop), {config.chat_turns} turn(s) each; every turn opens a manager "
            f"for its session (a stateless server), resumes the agent and streams a reply "
            f"from the offline model, which streams for {config.model_latency_ms} ms; "
            f"{delay}. A task in the app sleeps 5 ms at a time and records how late it "
            "wakes: that lateness is how long the loop could not serve anyone."
        ),
        columns=[
            "App",
            "database calls that blocked the loop",
            "longest loop stall ms",
            "stalls > 50 ms",
            "loop blocked ms (stalls > 10 ms, summed)",
            "p50 turn ms",
            "p99 turn ms",
            "p99 time to first byte ms",
        ],
        rows=rows,
        data={"rounds": results, "figures": figures, "repeats": repeats},
        notes=[
            f"Median (min-max) over {repeats} round(s) of all chats per app variant, the "
            "variants' rounds interleaved, after a warm-up chat each. The app runs in its own "
            "process, the clients in the benchmark process.",
            "The embedded server answers one command at a time (a few milliseconds each): with "
            "this many chats the commands queue there, which lengthens the turns of both "
            "persisting rows alike. The loop-stall columns are what separates them: a stall "
            "delays every chat of the process, not only the one that caused it.",
            "*Strands sync hooks* is this library's manager registered with Strands' stock "
            "`SessionManager.register_hooks` and opened with its blocking constructor: the same "
            "round trips, but each one blocks the loop, as with any synchronous session manager "
            "(File, S3, or the reference implementation) inside `stream_async`.",
            "*Database calls that blocked the loop* counts the library's blocking entry point "
            "(`StoreLoop.run`) called from the app's event-loop thread; it does not depend on "
            "the machine. The stall figures do: on a loaded machine the whole process is also "
            "descheduled at times, which shows in every row, the baseline's included.",
            "The async row's stalls are not database waits (it makes none on the loop): the "
            "library's store thread does its encoding and decoding in the same process, "
            "sharing the interpreter lock and the machine's cores with the app's loop, so "
            "with more work in the process the loop is descheduled more often on a loaded "
            "machine. The blocking row adds every database wait on top.",
            "The model's streaming time is part of every turn; what differs between the rows is "
            "how long chats wait for each other.",
        ],
        charts=[chart],
    )


def _spread(s: dict[str, Any]) -> str:
    if s["n"] <= 1:
        return fmt_ms(s["median"])
    return f"{fmt_ms(s['median'])} ({fmt_ms(s['min'])}-{fmt_ms(s['max'])})"
