"""Running a store coroutine on the caller's own thread, through a synchronous client.

Why: a sync caller (a script, Strands' sync ``agent("...")``, which runs the
agent on a private bridge loop in a worker thread) is blocked until its write is
done anyway. Sending that write through the store loop costs two thread
wake-ups and the event-loop machinery, 166-218 us a message on these machines,
more than the driver's own work. So the hot writes of sync callers run the very
same gateway coroutine *here*: while it runs, :meth:`CollectionGateway.collection`
hands out :class:`InlineCollection` (the async surface of a synchronous PyMongo
collection), whose awaits never suspend, so the coroutine finishes in one step.

The synchronous client is the pool's second client, to the same deployment with
the same options (its own connections: up to ``maxPoolSize`` more, plus its
monitor). It is built on first use; pools on a caller's ``AsyncMongoClient``
have no twin and keep using the store loop.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Coroutine
from contextvars import ContextVar
from typing import Any, TypeVar

from mongodb_session_manager.errors import StoreThreadError

__all__ = [
    "InlineBinding",
    "InlineClient",
    "InlineCollection",
    "InlineCursor",
    "current_binding",
    "drive",
]

T = TypeVar("T")

_BINDING: ContextVar[InlineBinding | None] = ContextVar("msm_inline_binding", default=None)


def current_binding() -> InlineBinding | None:
    """The binding of the coroutine running inline in this context, if any."""
    return _BINDING.get()


class InlineCollection:
    """The part of ``AsyncCollection`` the hot paths use, over a synchronous collection.

    Every method is a coroutine that returns at once (it never suspends).
    """

    __slots__ = ("_sync",)

    def __init__(self, sync: Any) -> None:
        self._sync = sync

    async def update_one(self, *args: Any, **kwargs: Any) -> Any:
        """``Collection.update_one``."""
        return self._sync.update_one(*args, **kwargs)

    async def find_one(self, *args: Any, **kwargs: Any) -> Any:
        """``Collection.find_one``."""
        return self._sync.find_one(*args, **kwargs)

    async def find_one_and_update(self, *args: Any, **kwargs: Any) -> Any:
        """``Collection.find_one_and_update``."""
        return self._sync.find_one_and_update(*args, **kwargs)

    async def insert_one(self, *args: Any, **kwargs: Any) -> Any:
        """``Collection.insert_one``."""
        return self._sync.insert_one(*args, **kwargs)

    async def insert_many(self, *args: Any, **kwargs: Any) -> Any:
        """``Collection.insert_many``."""
        return self._sync.insert_many(*args, **kwargs)

    async def replace_one(self, *args: Any, **kwargs: Any) -> Any:
        """``Collection.replace_one``."""
        return self._sync.replace_one(*args, **kwargs)

    async def update_many(self, *args: Any, **kwargs: Any) -> Any:
        """``Collection.update_many``."""
        return self._sync.update_many(*args, **kwargs)

    async def delete_many(self, *args: Any, **kwargs: Any) -> Any:
        """``Collection.delete_many``."""
        return self._sync.delete_many(*args, **kwargs)

    def aggregate(self, *args: Any, **kwargs: Any) -> InlineCursor:
        """``Collection.aggregate``: a cursor whose ``to_list`` never suspends."""
        return InlineCursor(self._sync.aggregate(*args, **kwargs))

    def find(self, *args: Any, **kwargs: Any) -> InlineCursor:
        """``Collection.find``: a cursor with ``sort`` / ``skip`` / ``limit`` and ``to_list``."""
        return InlineCursor(self._sync.find(*args, **kwargs))


class InlineCursor:
    """The part of ``AsyncCursor`` the gateways use, over a synchronous cursor.

    ``sort``, ``skip`` and ``limit`` chain as on the driver's cursors; ``to_list``
    and ``async for`` read it without ever suspending.
    """

    __slots__ = ("_sync",)

    def __init__(self, sync: Any) -> None:
        self._sync = sync

    def sort(self, *args: Any, **kwargs: Any) -> InlineCursor:
        """``Cursor.sort``."""
        self._sync.sort(*args, **kwargs)
        return self

    def skip(self, count: int) -> InlineCursor:
        """``Cursor.skip``."""
        self._sync.skip(count)
        return self

    def limit(self, count: int) -> InlineCursor:
        """``Cursor.limit``."""
        self._sync.limit(count)
        return self

    async def to_list(self, length: int | None = None) -> list[Any]:
        """Every document (or the first ``length``), as ``AsyncCursor.to_list``."""
        if length is None:
            return list(self._sync)
        return [document for _, document in zip(range(length), self._sync, strict=False)]

    def __aiter__(self) -> InlineCursor:
        return self

    async def __anext__(self) -> Any:
        try:
            return next(self._sync)
        except StopIteration:
            raise StopAsyncIteration from None


class InlineBinding:
    """A synchronous client's collections, as the gateways see them while running inline."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self._collections: dict[tuple[str, str], InlineCollection] = {}

    def collection(self, database_name: str, collection_name: str) -> InlineCollection:
        """The collection (cached)."""
        key = (database_name, collection_name)
        found = self._collections.get(key)
        if found is None:
            found = InlineCollection(self.client[database_name][collection_name])
            self._collections[key] = found
        return found


def drive(coro: Coroutine[Any, Any, T], binding: InlineBinding) -> T:
    """Run ``coro`` to its end on this thread, its collections bound to ``binding``.

    Raises:
        StoreThreadError: ``coro`` waited on something else than an inline collection
            (a bug of the library: such a coroutine must run on the store loop).
    """
    token = _BINDING.set(binding)
    try:
        try:
            coro.send(None)
        except StopIteration as stop:
            result: T = stop.value
            return result
        coro.close()
        raise StoreThreadError("an inline store operation waited on I/O outside its collections")
    finally:
        _BINDING.reset(token)


class InlineClient:
    """Builds and keeps the pool's synchronous twin (lazily; again after a fork).

    Args:
        build: Makes the client (closed with this), or returns ``None`` when there can be none.
    """

    def __init__(self, build: Callable[[], Any | None]) -> None:
        self._build = build
        self._lock = threading.Lock()
        self._binding: InlineBinding | None = None
        self._built = False
        self._pid = os.getpid()

    def binding(self) -> InlineBinding | None:
        """The binding to run inline with, or ``None`` (then use the store loop)."""
        if self._built and self._pid == os.getpid():
            return self._binding
        with self._lock:
            if not self._built or self._pid != os.getpid():
                self._pid = os.getpid()  # a forked child must not reuse the parent's sockets
                client = self._build()
                self._binding = InlineBinding(client) if client is not None else None
                self._built = True
        return self._binding

    def close(self) -> None:
        """Close the client built in this process, if any."""
        binding, self._binding = self._binding, None
        self._built = True  # closed: no new client either
        if binding is not None and self._pid == os.getpid():
            binding.client.close()
