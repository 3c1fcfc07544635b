"""Counting database round trips and bytes with PyMongo command monitoring.

Monitoring is not free: while a client has a command listener, PyMongo builds a
started and a succeeded event (with copies of the command) for every command,
56-136 us each on these machines. So the pool's listener publishes only while
someone counts (a :meth:`CommandStats.capture`, or :meth:`CommandStats.enable`);
the rest of the time the clients run PyMongo's fast path, unless the
application registered command listeners of its own.
"""

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


# PyMongo decides per command whether to publish events from this flag of the
# client's listener set (``_EventListeners.enabled_for_commands``, read on every
# command); it has no public setter, so it is flipped here, and only when every
# command listener of the client is ours.
_ENABLED_FLAG = "_EventListeners__enabled_for_commands"


class CommandStats(monitoring.CommandListener):
    """A command listener: totals while counting, plus captures for tests and benchmarks.

    Application commands only: the driver's own handshakes and heartbeats are left
    out. Commands are seen only while a capture runs or after :meth:`enable`.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.totals: Counter[str] = Counter()
        self.failed_count = 0
        self._captures: list[CommandLog] = []
        self._enabled = 0
        self._switches: list[Any] = []
        """The listener sets of the clients whose publishing follows :attr:`counting`."""

    # -- on only while counting ---------------------------------------------------------

    @property
    def counting(self) -> bool:
        """Whether commands are being counted now (a capture runs, or :meth:`enable` was called)."""
        return bool(self._captures) or self._enabled > 0

    def attach(self, client: Any) -> None:
        """Let this listener switch ``client``'s event publishing on and off (see the module)."""
        listeners = getattr(client, "_event_listeners", None)
        if listeners is None or not hasattr(listeners, _ENABLED_FLAG):
            return  # another driver version or a mock client: publishing stays as it is
        others = [
            listener
            for listener in listeners.event_listeners()
            if isinstance(listener, monitoring.CommandListener) and listener is not self
        ]
        if others:
            return  # the application listens too: it must see every command
        with self._lock:
            self._switches.append(listeners)
            setattr(listeners, _ENABLED_FLAG, self.counting)

    def _switch(self) -> None:
        on = self.counting
        for listeners in self._switches:
            setattr(listeners, _ENABLED_FLAG, on)

    def enable(self) -> None:
        """Count every command (``get_pool_stats()["commands"]``) until :meth:`disable`."""
        with self._lock:
            self._enabled += 1
            self._switch()

    def disable(self) -> None:
        """Undo one :meth:`enable`."""
        with self._lock:
            self._enabled = max(0, self._enabled - 1)
            self._switch()

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
            self._switch()
        try:
            yield log
        finally:
            with self._lock:
                self._captures.remove(log)
                self._switch()

    def snapshot(self) -> dict[str, Any]:
        """Totals per command name, of the commands sent while counting."""
        with self._lock:
            return dict(self.totals)
