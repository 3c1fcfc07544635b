"""Stored Strands content blocks -> the viewer's typed blocks (moved to :mod:`models.content`).

The viewer, both exports and the playground share one reading of content
blocks: :mod:`mongodb_session_manager.models.content`. This module keeps the old
import path.
"""

from mongodb_session_manager.models.content import (
    IMAGE_MIME_TYPES,
    document_block,
    image_block,
    json_safe,
    plain_text,
    to_block,
    to_blocks,
)

__all__ = [
    "IMAGE_MIME_TYPES",
    "document_block",
    "image_block",
    "json_safe",
    "plain_text",
    "to_block",
    "to_blocks",
]
