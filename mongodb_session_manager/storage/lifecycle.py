"""``MongoDBStorage``'s methods beyond Strands' protocol: what lifecycle tools need.

Sizes and write times without the bytes, keys grouped by a segment, and deleting
a whole prefix, each in a fixed number of commands (``SnapshotSessions``, the
viewer and ``msm sessions snapshots`` are built on them).
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Coroutine
from dataclasses import replace
from datetime import datetime
from typing import Any, TypeVar

from strands.types.exceptions import StorageError

from mongodb_session_manager.models.storage_layout import KeyGroup, StoredValue
from mongodb_session_manager.storage.keys import normalize_prefix
from mongodb_session_manager.store.storage_scan import delete_prefix, describe, summarize
from mongodb_session_manager.store.storage_values import StorageValueStore

__all__ = ["StorageLifecycle"]

T = TypeVar("T")


class StorageLifecycle:
    """Listing with sizes, grouping and prefix deletes (mixed into ``MongoDBStorage``)."""

    store: StorageValueStore
    _prefix: str

    async def _call(
        self, what: str, op: Callable[[], Coroutine[Any, Any, T]], *, prepare: bool = True
    ) -> T:
        raise NotImplementedError  # MongoDBStorage's

    async def describe(
        self,
        prefix: str = "",
        *,
        pattern: str | None = None,
        newest_first: bool = False,
        before: datetime | None = None,
        limit: int | None = None,
    ) -> builtins.list[StoredValue]:
        """The values under ``prefix`` with their sizes and write times, not their bytes.

        One query. What ``list`` returns, plus what a lifecycle tool needs.

        Args:
            prefix: A key prefix, as for :meth:`list`.
            pattern: A regular expression the rest of each key must match entirely
                (trusted code only: it goes to the server as it is).
            newest_first: Newest write first (otherwise sorted by key).
            before: Only values written before this time.
            limit: At most this many values.

        Raises:
            StorageError: The prefix is invalid or the query fails.
        """
        stored = self._prefix + normalize_prefix(prefix)
        values = await self._call(
            f"describe keys with prefix '{prefix}'",
            lambda: describe(
                self.store,
                stored,
                pattern=pattern,
                newest_first=newest_first,
                before=before,
                limit=limit,
            ),
            prepare=False,
        )
        return [replace(value, key=value.key[len(self._prefix) :]) for value in values]

    async def summarize(
        self,
        prefix: str = "",
        *,
        pattern: str | None = None,
        before: datetime | None = None,
        limit: int = 50,
    ) -> builtins.list[KeyGroup]:
        """The values under ``prefix`` grouped by the key segment it ends in, newest first.

        One aggregation: how ``SnapshotSessions`` lists sessions (``session/<id>/...``).

        Args:
            prefix: A key prefix, as for :meth:`list`.
            pattern: A regular expression the rest of each key must match entirely
                (trusted code only).
            before: Only groups whose newest write is older than this (the next page).
            limit: At most this many groups.

        Raises:
            StorageError: The prefix is invalid or the query fails.
        """
        stored = self._prefix + normalize_prefix(prefix)
        return await self._call(
            f"summarize keys with prefix '{prefix}'",
            lambda: summarize(self.store, stored, pattern=pattern, before=before, limit=limit),
            prepare=False,
        )

    async def delete_prefix(self, prefix: str) -> int:
        """Delete every value whose key starts with ``prefix``; how many were deleted.

        Two commands (heads, then any chunks), however many keys.

        Raises:
            StorageError: The prefix is invalid or empty (that would be every key of
                the storage: delete the collection instead), or the delete fails.
        """
        stored = self._prefix + normalize_prefix(prefix)
        if not stored:
            raise StorageError("delete_prefix needs a non-empty prefix")
        return await self._call(
            f"delete keys with prefix '{prefix}'",
            lambda: delete_prefix(self.store, stored),
            prepare=False,
        )
