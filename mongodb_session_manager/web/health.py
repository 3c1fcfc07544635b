"""The database ping both apps' health checks use (bounded, errors redacted)."""

from __future__ import annotations

import asyncio
import logging

from mongodb_session_manager._redact import redact_text
from mongodb_session_manager.store.gateway import CollectionGateway

logger = logging.getLogger(__name__)

HEALTH_TIMEOUT_SECONDS = 3.0


async def ping_error(gateway: CollectionGateway, app_name: str) -> str | None:
    """``None`` if the database answered a ping within 3 s, else why not (redacted).

    Args:
        gateway: Any gateway on the app's pool (the ping goes to its server).
        app_name: The app, for the log line (``<app>.health.unavailable``).
    """
    try:
        await asyncio.wait_for(gateway.runner.call(gateway.ping()), HEALTH_TIMEOUT_SECONDS)
    except Exception as exc:  # any failure means "not reachable"; say which, redacted
        error = "timed out" if isinstance(exc, TimeoutError) else str(exc).split("\n")[0]
        error = redact_text(error)[:300]
        logger.warning("%s.health.unavailable | error=%s", app_name, error)
        return error
    return None
