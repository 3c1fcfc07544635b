"""Import sessions written by the reference implementation: schema 0 -> 1.

Schema 0 is the reference implementation's layout (no ``schema_version`` field);
see :mod:`mongodb_session_manager.migrations.reference_layout` for what changes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from mongodb_session_manager.migrations.base import DocumentMigration
from mongodb_session_manager.migrations.reference_layout import reference_to_v1, v1_to_reference

DESCRIPTION = "reference implementation layout -> schema 1"


class Forward(DocumentMigration):
    """Reference layout -> schema 1."""

    source_version: ClassVar[int] = 0
    target_version: ClassVar[int] = 1

    def convert(
        self,
        document: dict[str, Any],
        pages: Sequence[dict[str, Any]] = (),
        values: Mapping[str, bytes] | None = None,
    ) -> dict[str, Any]:
        """See :func:`~mongodb_session_manager.migrations.reference_layout.reference_to_v1`."""
        return reference_to_v1(document)


class Backward(DocumentMigration):
    """Schema 1 -> reference layout."""

    source_version: ClassVar[int] = 1
    target_version: ClassVar[int] = 0

    def convert(
        self,
        document: dict[str, Any],
        pages: Sequence[dict[str, Any]] = (),
        values: Mapping[str, bytes] | None = None,
    ) -> dict[str, Any]:
        """See :func:`~mongodb_session_manager.migrations.reference_layout.v1_to_reference`."""
        return v1_to_reference(document)
