"""Downloads of a whole session from the viewer.

The viewer and ``msm sessions export`` share one exporter
(:mod:`mongodb_session_manager.lifecycle.export`): the same JSON, the same
Markdown transcript, in which stored text can never pass for structure.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from mongodb_session_manager.lifecycle.export import export_document, to_json, to_markdown


def export_body(document: Mapping[str, Any], format: str) -> tuple[str, str, str]:
    """``(body, media type, file extension)`` of the export of a stored session document.

    Redacted messages show their redaction only (the original is never served).
    """
    export = export_document(document)
    if format == "json":
        return to_json(export), "application/json", "json"
    return to_markdown(export), "text/markdown; charset=utf-8", "md"


def filename(session_id: str, extension: str) -> str:
    """A download file name safe in any header and file system."""
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", session_id).strip("._")[:80]
    return f"session-{safe or 'export'}.{extension}"
