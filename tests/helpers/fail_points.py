"""Server fail points (``configureFailPoint failCommand``): a database that breaks on cue.

The wire server (mongoeco) and a real MongoDB started with test commands both take
them; mongomock has none, so callers skip there. ``data.namespace`` (one
``db.collection``) is the spelling both servers know.
"""

from __future__ import annotations

from typing import Any

from mongodb_session_manager.store.pool import MongoDBConnectionPool

__all__ = ["fail_next", "fail_point"]


def fail_point(
    command: str,
    *,
    namespace: str | None = None,
    times: int = 1,
    error_code: int = 2,
    error_labels: list[str] | None = None,
) -> dict[str, Any]:
    """The command that fails the next ``times`` ``command``s (``times=0`` turns it off).

    Args:
        command: The command name to fail (``"find"``, ``"findAndModify"``, ...).
        namespace: Only on this ``database.collection``.
        times: How many; 0 switches the fail point off.
        error_code: The server error to answer with (2, BadValue, is never retried;
            8, UnknownError, with ``error_labels=[]`` is not retried either).
        error_labels: Labels on the error (``[]``: none, so no retry label is added).
    """
    data: dict[str, Any] = {"failCommands": [command], "errorCode": error_code}
    if namespace is not None:
        data["namespace"] = namespace
    if error_labels is not None:
        data["errorLabels"] = error_labels
    mode: Any = {"times": times} if times else "off"
    return {"configureFailPoint": "failCommand", "mode": mode, "data": data}


def fail_next(pool: MongoDBConnectionPool, command: str, *, namespace: str, times: int = 1) -> None:
    """Make the server behind ``pool`` fail the next ``times`` ``command``s on ``namespace``."""
    pool.run(pool.client().admin.command(fail_point(command, namespace=namespace, times=times)))
