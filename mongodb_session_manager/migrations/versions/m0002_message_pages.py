"""Message pages: schema 1 -> 2 (each agent's older messages move to ``<sessions>_pages``).

See :mod:`mongodb_session_manager.migrations.message_pages` for both directions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from mongodb_session_manager.migrations.base import DocumentMigration
from mongodb_session_manager.migrations.message_pages import Converted, v1_to_v2, v2_to_v1

DESCRIPTION = "older messages in pages (<sessions>_pages) -> schema 2"


class Forward(DocumentMigration):
    """Schema 1 -> 2: pages cut by the default bounds, the tail stays inline."""

    source_version: ClassVar[int] = 1
    target_version: ClassVar[int] = 2

    def convert(
        self,
        document: dict[str, Any],
        pages: Sequence[dict[str, Any]] = (),
        values: Mapping[str, bytes] | None = None,
    ) -> Converted:
        """See :func:`~mongodb_session_manager.migrations.message_pages.v1_to_v2`."""
        return v1_to_v2(document)


class Backward(DocumentMigration):
    """Schema 2 -> 1: committed pages and recent messages inline again; pages deleted."""

    source_version: ClassVar[int] = 2
    target_version: ClassVar[int] = 1
    reads_pages: ClassVar[bool] = True

    def convert(
        self,
        document: dict[str, Any],
        pages: Sequence[dict[str, Any]] = (),
        values: Mapping[str, bytes] | None = None,
    ) -> Converted:
        """See :func:`~mongodb_session_manager.migrations.message_pages.v2_to_v1`."""
        return v2_to_v1(document, pages, values=values)
