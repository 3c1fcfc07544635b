"""The stored size of each multi-agent state a repository read or wrote, bounded."""

from __future__ import annotations

import threading
from collections import OrderedDict

__all__ = ["MultiAgentSizes"]


class MultiAgentSizes:
    """Least recently used sizes of multi-agent states, per (session id, storage key).

    Keeps the ``size_bytes`` estimate right when a Graph / Swarm state is rewritten:
    the next write adds only the difference. A forgotten size (an evicted entry, or
    a state written by another process) makes the next write count the whole state
    again, which overestimates the session: the safe side.

    Args:
        limit: At most this many sizes are kept (a factory's shared repository
            serves every session of a process).
    """

    def __init__(self, limit: int = 1024) -> None:
        self.limit = limit
        self._sizes: OrderedDict[tuple[str, str], int] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, session_id: str, key: str) -> int:
        """The known size of that state (0 if unknown)."""
        with self._lock:
            size = self._sizes.get((session_id, key))
            if size is None:
                return 0
            self._sizes.move_to_end((session_id, key))
            return size

    def remember(self, session_id: str, key: str, size: int) -> None:
        """Record the stored size of that state (evicting the least recently used)."""
        with self._lock:
            self._sizes[(session_id, key)] = size
            self._sizes.move_to_end((session_id, key))
            while len(self._sizes) > self.limit:
                self._sizes.popitem(last=False)

    def __len__(self) -> int:
        return len(self._sizes)
