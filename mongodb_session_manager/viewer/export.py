"""Downloads of a whole session from the viewer.

The viewer and ``msm sessions export`` share one exporter
(:mod:`mongodb_session_manager.lifecycle.export`): the same JSON, the same
Markdown transcript, in which stored text can never pass for structure.
"""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator, Mapping
from typing import Any, Literal

from mongodb_session_manager.lifecycle.export import export_document, to_json, to_markdown
from mongodb_session_manager.lifecycle.stream import ExportWriter
from mongodb_session_manager.models import storage_key
from mongodb_session_manager.viewer.queries import SessionQueries

MEDIA = {"json": "application/json", "markdown": "text/markdown; charset=utf-8"}
EXTENSION = {"json": "json", "markdown": "md"}


def export_body(document: Mapping[str, Any], format: str) -> tuple[str, str, str]:
    """``(body, media type, file extension)`` of the export of a stored session document.

    Redacted messages show their redaction only (the original is never served).
    """
    export = export_document(document)
    if format == "json":
        return to_json(export), "application/json", "json"
    return to_markdown(export), "text/markdown; charset=utf-8", "md"


async def export_chunks(
    queries: SessionQueries,
    document: Mapping[str, Any],
    format: Literal["json", "markdown"],
) -> AsyncIterator[str]:
    """The export of ``document`` (read by :meth:`SessionQueries.header`) as text chunks.

    Each agent's paged messages are read a batch at a time, then its recent ones:
    the text is :func:`export_body`'s, but never more than a batch is held.
    """
    out = io.StringIO()

    def flush() -> str:
        text = out.getvalue()
        out.seek(0)
        out.truncate()
        return text

    writer = ExportWriter(document, out, format=format)
    yield flush()
    session_id = str(document.get("session_id") or document.get("_id"))
    agents = document.get("agents") or {}
    for index, agent_id in enumerate(writer.agent_ids):
        key = storage_key(agent_id)
        agent = {**agents.get(key, {}), "key": key}
        writer.begin_agent(index)
        async for batch in queries.older_messages(session_id, agent):
            writer.add(batch)
            yield flush()
        recent = agent.get("messages")
        recent = recent if isinstance(recent, list) else []
        await queries.resolve(session_id, recent)
        writer.add(recent)
        writer.end_agent()
        yield flush()
    writer.finish()
    yield flush()


def filename(session_id: str, extension: str) -> str:
    """A download file name safe in any header and file system."""
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", session_id).strip("._")[:80]
    return f"session-{safe or 'export'}.{extension}"
