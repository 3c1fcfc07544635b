"""Helper processes of the benchmark: the database servers and the delay proxy.

``null`` is the do-nothing MongoDB wire server of the hot-path case
(:mod:`benchmarks.null_server`).

Run as ``python -m benchmarks._serve KIND ...``. Each prints one line, the address
it serves on, then serves until its standard input reaches end of file (the
parent closed it or died), so no helper outlives the benchmark.

Why separate processes: the embedded database and moto are Python programs; in
the benchmark's own process they would compete with the code being measured for
the GIL, and the process's CPU time would mix the library's work with the
server's. In their own processes the split "CPU of the application process"
versus "waiting for the store" is clean.

The delay proxy simulates a network round trip: it holds each request (the first
bytes a client sends after the server last answered on that connection) for a
fixed delay before forwarding it. One delay per request/response exchange, on
every connection, whatever the protocol (MongoDB wire protocol or S3's HTTP), so
every round trip pays the same price. It is a simulation: a real network also
adds bandwidth limits, jitter and the handshake cost of new connections.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import threading

MAX_DELAY_MS = 1_000.0
"""Upper bound of the simulated delay, so a typo cannot hang a run."""


def _wait_for_stdin_eof() -> None:
    """Block until the parent closes our stdin (or exits)."""
    with contextlib.suppress(Exception):
        while sys.stdin.buffer.read(4096):
            pass


def serve_mongo(path: str | None) -> None:
    """The embedded mongoeco wire server (memory engine unless ``path`` is given)."""
    from mongodb_session_manager.local import LocalMongoServer

    server = LocalMongoServer(path)
    uri = server.start()
    print(uri, flush=True)
    _wait_for_stdin_eof()
    server.stop()


def serve_s3() -> None:
    """moto's S3 on 127.0.0.1 (a free port)."""
    import socket

    from moto.server import ThreadedMotoServer

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    print(f"http://127.0.0.1:{port}", flush=True)
    _wait_for_stdin_eof()
    server.stop()


class _Exchange:
    """Per-connection flag: the next client bytes start a new request."""

    def __init__(self) -> None:
        self.new_request = True


async def _pump(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    exchange: _Exchange,
    delay: float,
    client_to_server: bool,
) -> None:
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            if client_to_server:
                if exchange.new_request and delay:
                    await asyncio.sleep(delay)
                exchange.new_request = False
            else:
                exchange.new_request = True
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        with contextlib.suppress(Exception):
            writer.close()


async def _proxy(target_host: str, target_port: int, delay: float) -> None:
    async def handle(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        try:
            server_r, server_w = await asyncio.open_connection(target_host, target_port)
        except OSError:
            client_w.close()
            return
        exchange = _Exchange()
        await asyncio.gather(
            _pump(client_r, server_w, exchange, delay, True),
            _pump(server_r, client_w, exchange, delay, False),
        )

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    print(f"127.0.0.1:{port}", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    threading.Thread(
        target=lambda: (_wait_for_stdin_eof(), loop.call_soon_threadsafe(stop.set)), daemon=True
    ).start()
    async with server:
        await stop.wait()


def serve_null() -> None:
    """The do-nothing wire server (:mod:`benchmarks.null_server`) on a free port."""
    from benchmarks.null_server import serve

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        threading.Thread(
            target=lambda: (_wait_for_stdin_eof(), loop.call_soon_threadsafe(stop.set)),
            daemon=True,
        ).start()
        await serve(stop)

    asyncio.run(run())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks._serve")
    sub = parser.add_subparsers(dest="kind", required=True)
    mongo = sub.add_parser("mongo")
    mongo.add_argument("--path", default=None)
    sub.add_parser("s3")
    sub.add_parser("null", help="the do-nothing MongoDB wire server")
    proxy = sub.add_parser("proxy")
    proxy.add_argument("--target", required=True, help="host:port to forward to")
    proxy.add_argument("--delay-ms", type=float, required=True)
    args = parser.parse_args(argv)
    if args.kind == "mongo":
        serve_mongo(args.path)
    elif args.kind == "s3":
        serve_s3()
    elif args.kind == "null":
        serve_null()
    else:
        if not 0 <= args.delay_ms <= MAX_DELAY_MS:
            parser.error(f"--delay-ms must be between 0 and {MAX_DELAY_MS}")
        host, _, port = args.target.rpartition(":")
        asyncio.run(_proxy(host, int(port), args.delay_ms / 1000))


if __name__ == "__main__":
    main()
