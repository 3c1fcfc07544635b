"""Whether the calling thread runs an event loop, and the log line when it blocks one."""

from __future__ import annotations

import asyncio
import logging

__all__ = ["on_sync_bridge", "running_loop", "warn_if_blocking_loop"]

logger = logging.getLogger("mongodb_session_manager.manager.manager")

try:  # Strands marks the private loop its sync ``agent("...")`` runs on (1.62+).
    from strands._async import is_run_async_bridge as _is_run_async_bridge
except ImportError:  # pragma: no cover - other Strands versions: always hop

    def _is_run_async_bridge() -> bool:
        return False


def on_sync_bridge() -> bool:
    """Whether this runs on the loop of a sync Strands call (``agent("...")``).

    That loop is Strands' own, in a worker thread whose caller blocks until the
    call ends: a write may block it, as every sync session manager's does, and
    skip the hop to the store loop. An application's loop is never one.
    """
    return _is_run_async_bridge()


def running_loop() -> asyncio.AbstractEventLoop | None:
    """The running event loop of this thread, or ``None``."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def warn_if_blocking_loop(what: str, agent_id: str) -> None:
    """Log that a blocking read is about to run inside an event loop (``what % agent_id``)."""
    if running_loop() is not None:
        logger.info(
            "store.blocking_call_in_event_loop | %s; build the manager with "
            "`await MongoDBSessionManager.create_async(..., preload_agents=[...])` to avoid it",
            what % (agent_id,),
        )
