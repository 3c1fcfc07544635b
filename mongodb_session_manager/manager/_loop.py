"""Whether the calling thread runs an event loop, and the log line when it blocks one."""

from __future__ import annotations

import asyncio
import logging

__all__ = ["running_loop", "warn_if_blocking_loop"]

logger = logging.getLogger("mongodb_session_manager.manager.manager")


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
