"""The shape of a migration: Beanie-style ``Forward`` / ``Backward`` classes per module.

As with Beanie, each migration is a module whose ``Forward`` class moves documents
one schema version up and whose ``Backward`` class moves them back. Unlike
Beanie's iterative migrations, a class converts one raw document (a ``dict``) at a
time and never sees the collection: the runner (:mod:`.runner`) reads in bounded
batches, writes each document with a compare-and-set on its ``schema_version``,
and records progress, so a conversion function cannot break resumability.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from mongodb_session_manager.migrations.message_pages import Converted


class DocumentMigration(ABC):
    """One direction of a migration: converts a session document between two versions."""

    source_version: ClassVar[int]
    """The ``schema_version`` of the documents this class reads (0: no field at all)."""
    target_version: ClassVar[int]
    """The ``schema_version`` of the documents it returns."""
    reads_pages: ClassVar[bool] = False
    """Whether :meth:`convert` needs the session's stored pages and values
    (``<sessions>_pages``, ``<sessions>_blobs``)."""

    @abstractmethod
    def convert(
        self,
        document: dict[str, Any],
        pages: Sequence[dict[str, Any]] = (),
        values: Mapping[str, bytes] | None = None,
    ) -> dict[str, Any] | Converted:
        """Return the converted document (same ``_id``); never mutate ``document``.

        A :class:`~.message_pages.Converted` also names page documents to write
        first, or asks for the session's pages to be deleted once it is written.

        Args:
            document: The stored document, decoded.
            pages: The session's stored pages, when :attr:`reads_pages` (else empty).
            values: The session's out-of-line values by ``blob_id`` (chunks joined),
                when :attr:`reads_pages` (else ``None``).

        Raises:
            DocumentConversionError: the document cannot be converted; the runner
                leaves it as it is and reports it.
        """


@dataclass(frozen=True)
class Migration:
    """A registered migration: its module name, the version it produces, both directions."""

    name: str
    version: int
    description: str
    forward: DocumentMigration
    backward: DocumentMigration


def version_filter(version: int) -> dict[str, Any]:
    """The query selecting documents of ``version`` (0 also matches a missing field)."""
    if version == 0:
        return {"schema_version": {"$in": [None, 0]}}
    return {"schema_version": version}


def document_version(document: dict[str, Any]) -> int | None:
    """A document's schema version (missing -> 0); ``None`` if it is not an integer."""
    value = document.get("schema_version")
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int):
        return None
    return value
