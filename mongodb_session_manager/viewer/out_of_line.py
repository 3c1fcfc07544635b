"""A message's out-of-line values (its ``blobs``) as the viewer links them: never loaded.

The store keeps a value too big for its message beside it and the leaf empty
(:mod:`~mongodb_session_manager.store.blobs`); the timeline shows such a value as a
link to ``GET /api/v1/sessions/{session_id}/blobs/{blob_id}`` (:mod:`.blobs`) with
its size and media type, the same type that route serves it with.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from pydantic import ValidationError

from mongodb_session_manager.models.blob_links import BlobLink, BlobLinks
from mongodb_session_manager.models.pages import BlobRef
from mongodb_session_manager.store.blob_values import Leaf, media_type_of

__all__ = ["blob_links", "blob_url", "shown_links"]

logger = logging.getLogger(__name__)


def blob_url(session_id: str, blob_id: str) -> str:
    """The viewer's download route of one out-of-line value (the session id URL-quoted)."""
    return f"/api/v1/sessions/{quote(session_id, safe='')}/blobs/{quote(blob_id, safe='')}"


def blob_links(session_id: str, raw: Mapping[str, Any]) -> list[BlobLink]:
    """The message's out-of-line values (its ``blobs``) as download links, never loaded.

    A malformed reference is skipped (logged): the leaf it names shows as stored, empty.
    """
    links: list[BlobLink] = []
    for item in _refs(raw):
        try:
            ref = BlobRef.model_validate(item)
        except ValidationError:
            logger.warning("viewer.read.lenient | model=BlobRef")
            continue
        leaf = Leaf(list(ref.path), b"", ref.kind, 0)
        links.append(
            BlobLink(
                path=list(ref.path),
                blob_url=blob_url(session_id, ref.blob_id),
                kind=ref.kind,
                media_type=media_type_of(dict(raw), leaf),
                size_bytes=ref.size,
            )
        )
    return links


def shown_links(
    session_id: str | None, raw: Mapping[str, Any], redacted: bool
) -> tuple[list[BlobLink], BlobLinks]:
    """The links of the content the timeline shows, and those of its ``content`` by path.

    A redacted message shows its redaction only: the values of the original
    content are never linked (nor those of a redaction, for one that is not).
    ``session_id`` ``None``: no links (the caller cannot name the route).
    """
    if session_id is None or not raw.get("blobs"):
        return [], {}
    links = [
        link
        for link in blob_links(session_id, raw)
        if (link.path[:1] == ["redact_message"]) == redacted
    ]
    content = ("redact_message", "content") if redacted else ("content",)
    n = len(content)
    by_path = {tuple(link.path[n:]): link for link in links if tuple(link.path[:n]) == content}
    return links, by_path


def _refs(raw: Mapping[str, Any]) -> list[Any]:
    refs = raw.get("blobs")
    return refs if isinstance(refs, list) else []
