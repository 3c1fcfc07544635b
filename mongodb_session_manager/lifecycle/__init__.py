"""Data lifecycle: list, export and delete sessions (retention itself is the ``ttl`` option).

See ``docs/migrations.md`` (upgrading) and the README's "Retention, export and
deletion" section.
"""

from mongodb_session_manager.lifecycle.export import (
    EXPORT_FORMAT,
    export_document,
    to_json,
    to_markdown,
)
from mongodb_session_manager.lifecycle.operations import (
    ExportFormat,
    StoreTarget,
    delete_session,
    delete_session_async,
    delete_sessions,
    delete_sessions_async,
    export_session,
    export_session_async,
    export_session_data,
    export_session_to,
    export_session_to_async,
    list_sessions,
    list_sessions_async,
)
from mongodb_session_manager.lifecycle.query import SessionQuery
from mongodb_session_manager.models.results import DeletionReport, SessionSummary

__all__ = [
    "EXPORT_FORMAT",
    "DeletionReport",
    "ExportFormat",
    "SessionQuery",
    "SessionSummary",
    "StoreTarget",
    "delete_session",
    "delete_session_async",
    "delete_sessions",
    "delete_sessions_async",
    "export_document",
    "export_session",
    "export_session_async",
    "export_session_data",
    "export_session_to",
    "export_session_to_async",
    "list_sessions",
    "list_sessions_async",
    "to_json",
    "to_markdown",
]
