"""What differs between backends, in one place.

Production code asks a :class:`Backend` what the connected server can do; it
never tests for a particular test double. The in-process mongomock backend lacks
a few server features (``$slice`` on a nested path, raw batches, bulk writes of
some shapes, transactions, some aggregation stages); each difference is one
method here, so a reader sees every quirk side by side.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mongodb_session_manager.store.clients import is_mock_client

__all__ = ["Backend", "backend_of"]


@dataclass(frozen=True, slots=True)
class Backend:
    """The capabilities of the server behind a client.

    Attributes:
        name: ``"server"`` (a MongoDB wire-protocol server) or ``"mongomock"``.
    """

    name: str

    @property
    def slices_nested_arrays(self) -> bool:
        """Whether ``{"a.b.messages": {"$slice": [skip, n]}}`` projections work."""
        return self.name == "server"

    @property
    def reads_raw_batches(self) -> bool:
        """Whether ``find(..., batch_size=...)`` can return raw BSON batches."""
        return self.name == "server"

    @property
    def bulk_writes(self) -> bool:
        """Whether ``bulk_write`` with ``UpdateOne`` compare-and-set requests works."""
        return self.name == "server"

    @property
    def transactions(self) -> bool:
        """Whether client sessions with transactions can be started at all."""
        return self.name == "server"

    @property
    def full_aggregation(self) -> bool:
        """Whether every aggregation stage the viewer uses is supported."""
        return self.name == "server"

    @property
    def types_in_expressions(self) -> bool:
        """Whether aggregation expressions have ``$type`` (and keep a missing path as missing).

        mongomock lacks ``$type`` and drops a whole expression over a missing path
        unless it is wrapped in ``$ifNull``.
        """
        return self.name == "server"

    @property
    def code_point_substrings(self) -> bool:
        """Whether ``$substrCP`` exists (mongomock only has the byte-based ``$substr``)."""
        return self.name == "server"

    @property
    def computed_slices(self) -> bool:
        """Whether ``$slice`` in an expression accepts computed offsets (``$switch``...)."""
        return self.name == "server"

    @property
    def text_search(self) -> bool:
        """Whether ``$text`` queries (and text indexes) can be used at all."""
        return self.name == "server"

    @property
    def atlas_search(self) -> bool:
        """Whether a ``$search`` stage can be sent at all (the server may still lack it)."""
        return self.name == "server"

    @property
    def vector_search(self) -> bool:
        """Whether a ``$vectorSearch`` stage can be sent at all (the server may still lack it)."""
        return self.name == "server"


SERVER = Backend("server")
MONGOMOCK = Backend("mongomock")


def backend_of(client: Any | None) -> Backend:
    """The :class:`Backend` of ``client`` (a user's client, or ``None`` for our own)."""
    return MONGOMOCK if client is not None and is_mock_client(client) else SERVER
