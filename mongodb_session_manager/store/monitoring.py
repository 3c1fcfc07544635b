"""Counting database round trips and bytes with PyMongo command monitoring."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import bson
from pymongo import monitoring

# Commands the driver sends on its own; they are not round trips the library asked for.
_DRIVER_COMMANDS = frozenset(
    {
        "hello",
        "ismaster",
        "isMaster",
        "ping",
        "endSessions",
        "saslStart",
        "saslContinue",
        "buildInfo",
        "buildinfo",
        "getnonce",
        "killCursors",
    }
)


@dataclass
class CommandLog:
    """What one capture saw: command names in order, and bytes each way."""

    commands: list[str] = field(default_factory=list)
    bytes_sent: int = 0
    bytes_received: int = 0
    failures: int = 0

    @property
    def round_trips(self) -> int:
        """Number of commands sent (each is one round trip)."""
        return len(self.commands)

    def count(self, *names: str) -> int:
        """How many of the commands have one of ``names``."""
        return sum(1 for name in self.commands if name in names)

    @property
    def writes(self) -> int:
        """Write commands (insert / update / delete / findAndModify)."""
        return self.count("insert", "update", "delete", "findAndModify")

    @property
    def reads(self) -> int:
        """Read commands (find / aggregate / getMore / count)."""
        return self.count("find", "aggregate", "getMore", "count")


class CommandStats(monitoring.CommandListener):
    """A command listener: running totals, plus captures for tests and benchmarks.

    Application commands only: the driver's own handshakes and heartbeats are left out.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.totals: Counter[str] = Counter()
        self.failed_count = 0
        self._captures: list[CommandLog] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        """Count an application command (and its size, while a capture runs)."""
        if event.command_name in _DRIVER_COMMANDS:
            return
        with self._lock:
            self.totals[event.command_name] += 1
            if self._captures:
                size = len(bson.encode(event.command))
                for log in self._captures:
                    log.commands.append(event.command_name)
                    log.bytes_sent += size

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        """Add a reply's size to the running captures."""
        if event.command_name in _DRIVER_COMMANDS or not self._captures:
            return
        size = len(bson.encode(event.reply))
        with self._lock:
            for log in self._captures:
                log.bytes_received += size

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        """Count a failed application command."""
        if event.command_name in _DRIVER_COMMANDS:
            return
        with self._lock:
            self.failed_count += 1
            for log in self._captures:
                log.failures += 1

    @contextmanager
    def capture(self) -> Iterator[CommandLog]:
        """Record every application command sent inside the ``with`` block."""
        log = CommandLog()
        with self._lock:
            self._captures.append(log)
        try:
            yield log
        finally:
            with self._lock:
                self._captures.remove(log)

    def snapshot(self) -> dict[str, Any]:
        """Totals per command name since the client was created."""
        with self._lock:
            return dict(self.totals)
