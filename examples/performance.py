"""Performance: one factory per process versus a new client per request.

A stateless API serves each request with a fresh session manager. Built from a
factory, the managers share one connection pool and the indexes are created
once; built on a new client per request, every request opens connections,
handshakes and (for new sessions) re-creates indexes. The example serves the
same requests both ways and counts connections, commands and time.

Offline by default (embedded database, scripted model)::

    uv run python examples/performance.py
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from _support import database, model
from pymongo import AsyncMongoClient, monitoring
from rich.console import Console
from rich.table import Table
from strands import Agent

from mongodb_session_manager import MongoDBSessionManager, MongoDBSessionManagerFactory

DATABASE = "examples_performance"
REQUESTS = 20
SESSIONS = 4


class Counter(monitoring.CommandListener, monitoring.ConnectionPoolListener):
    """Counts connections opened and commands sent by every client of the process."""

    def __init__(self) -> None:
        self.connections = 0
        self.commands = 0

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        self.commands += 1

    def connection_created(self, event: monitoring.ConnectionCreatedEvent) -> None:
        self.connections += 1

    # The other events are not counted.
    def succeeded(self, event: Any) -> None: ...
    def failed(self, event: Any) -> None: ...
    def pool_created(self, event: Any) -> None: ...
    def pool_ready(self, event: Any) -> None: ...
    def pool_cleared(self, event: Any) -> None: ...
    def pool_closed(self, event: Any) -> None: ...
    def connection_ready(self, event: Any) -> None: ...
    def connection_closed(self, event: Any) -> None: ...
    def connection_check_out_started(self, event: Any) -> None: ...
    def connection_check_out_failed(self, event: Any) -> None: ...
    def connection_checked_out(self, event: Any) -> None: ...
    def connection_checked_in(self, event: Any) -> None: ...


counter = Counter()
monitoring.register(counter)  # every client created from now on reports to it


@dataclass
class Result:
    mode: str
    seconds: float
    connections: int
    commands: int


def one_request(manager: MongoDBSessionManager, number: int) -> None:
    agent = Agent(
        model=model([f"Answer number {number}."]),
        session_manager=manager,
        callback_handler=None,
    )
    agent(f"Question number {number}")


def per_request_clients(uri: str) -> None:
    for number in range(REQUESTS):
        client: Any = AsyncMongoClient(uri, tz_aware=True)  # what a naive handler does
        manager = MongoDBSessionManager(
            f"per-request-{number % SESSIONS}", client=client, database_name=DATABASE
        )
        one_request(manager, number)
        manager.repository.pool.run(client.close())
        manager.close()


def with_factory(uri: str) -> None:
    factory = MongoDBSessionManagerFactory(uri, DATABASE)  # at start-up, once
    for number in range(REQUESTS):
        manager = factory.create_session_manager(f"factory-{number % SESSIONS}")
        one_request(manager, number)
        manager.close()
    factory.close()


def measure(mode: str, run: Any, uri: str) -> Result:
    counter.connections = counter.commands = 0
    started = time.perf_counter()
    run(uri)
    return Result(mode, time.perf_counter() - started, counter.connections, counter.commands)


def main() -> None:
    with database() as uri:
        cleanup = MongoDBSessionManagerFactory(uri, DATABASE, ensure_indexes=False)
        cleanup.pool.run(cleanup.pool.client().drop_database(DATABASE))
        cleanup.close()
        results = [
            measure("new client per request", per_request_clients, uri),
            measure("one factory (shared pool)", with_factory, uri),
        ]
        table = Table(title=f"{REQUESTS} requests on {SESSIONS} sessions, one agent turn each")
        for header in ("pattern", "connections opened", "commands", "total", "per request"):
            table.add_column(header, justify="left" if header == "pattern" else "right")
        for result in results:
            table.add_row(
                result.mode,
                str(result.connections),
                str(result.commands),
                f"{result.seconds * 1000:,.0f} ms",
                f"{result.seconds * 1000 / REQUESTS:,.1f} ms",
            )
        Console(width=100).print(table)
        naive, factory = results
        print(
            f"The factory opened {naive.connections - factory.connections} fewer connections "
            f"and sent {naive.commands - factory.commands} fewer commands."
        )
        print(
            "On localhost a connection is cheap; to a cloud cluster each one costs a TCP and "
            "TLS handshake plus authentication (several round trips, tens of milliseconds), "
            "so the time saved grows with the distance."
        )


if __name__ == "__main__":
    main()
