"""The process-wide connection pool: one async client per connection string.

Every manager, repository, factory and the viewer in a process share one
:class:`MongoDBConnectionPool` per connection string (and client options), so a
stateless server opens its connections once. The client lives on the store loop
(:mod:`mongodb_session_manager.store.loop`).
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
from collections.abc import Coroutine
from typing import Any, ClassVar, TypeVar

from pymongo import AsyncMongoClient, MongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import ConfigurationError

from mongodb_session_manager._redact import redact_text, redact_uri
from mongodb_session_manager.errors import (
    InvalidInputError,
    StoreClosedError,
)
from mongodb_session_manager.store.clients import (
    async_arguments_of,
    check_client,
    describe_host,
    hybridmethod,
    is_sync_client,
    sync_view_of_mock,
)
from mongodb_session_manager.store.compat import Backend, backend_of
from mongodb_session_manager.store.connection_errors import translate_errors
from mongodb_session_manager.store.inline import InlineClient, drive
from mongodb_session_manager.store.loop import StoreLoop
from mongodb_session_manager.store.monitoring import CommandStats
from mongodb_session_manager.store.pool_options import (
    DEFAULT_CONNECTION_STRING,
    client_options,
    registry_key,
)
from mongodb_session_manager.store.pool_options import (
    DEFAULT_POOL_OPTIONS as DEFAULT_POOL_OPTIONS,
)

T = TypeVar("T")
logger = logging.getLogger(__name__)


class MongoDBConnectionPool:
    """A shared async MongoDB client plus the bookkeeping around it.

    Get one with :meth:`acquire` (shared per connection string and options) and
    give it back with :meth:`release`; the client closes when the last user
    releases it, or at interpreter exit.

    Args:
        connection_string: MongoDB URI. Ignored when ``client`` is given.
        client: An already built client: a synchronous ``pymongo.MongoClient``
            (the pool then runs an ``AsyncMongoClient`` built with the same seeds,
            options and credentials), an ``AsyncMongoClient``, or a mongomock-motor
            ``AsyncMongoMockClient`` for in-process tests. The pool never closes a
            client it did not create.
        **pool_options: PyMongo client options (``maxPoolSize``, ``tls`` ...).

    The reference library's singleton API works on the class too:
    ``MongoDBConnectionPool.initialize(uri, **options)`` returns a synchronous
    ``MongoClient`` (the same one for the same arguments), and
    ``MongoDBConnectionPool.get_client()`` / ``.get_pool_stats()`` / ``.close()``
    act on that default pool.
    """

    _registry: ClassVar[dict[tuple[Any, ...], MongoDBConnectionPool]] = {}
    _registry_lock: ClassVar[threading.Lock] = threading.Lock()
    _default: ClassVar[MongoDBConnectionPool | None] = None

    def __init__(
        self,
        connection_string: str | None = None,
        *,
        client: Any | None = None,
        **pool_options: Any,
    ) -> None:
        check_client(client)
        # A user's sync client: the async twin is built from its own arguments.
        self._sync_client: Any | None = client if is_sync_client(client) else None
        self._owns_sync_client = False
        self._derived: tuple[Any, dict[str, Any]] | None = None
        if self._sync_client is not None:
            self._derived = async_arguments_of(self._sync_client)
            connection_string = describe_host(self._derived[0], self._derived[1].get("port"))
            client = None
        self.connection_string = connection_string or DEFAULT_CONNECTION_STRING
        self.options = client_options(
            self.connection_string, pool_options, defaults=self._derived is None
        )
        self.command_stats = CommandStats()
        self._external_client = client
        self._client: Any | None = client
        self._owns_client = client is None
        self._pid = os.getpid()
        self._users = 0
        self._closed = False
        self._indexed: set[tuple[str, str, tuple[str, ...]]] = set()
        self._lock = threading.Lock()
        self._key: tuple[Any, ...] | None = None
        self._inline = InlineClient(self._inline_client)

    # -- shared instances ------------------------------------------------------------------

    @classmethod
    def acquire(
        cls,
        connection_string: str | None = None,
        *,
        client: Any | None = None,
        **pool_options: Any,
    ) -> MongoDBConnectionPool:
        """The shared pool for these arguments, created on first use; counts one user.

        ``client`` may also be a pool (it is returned, with one more user).

        Raises:
            TypeError: ``client`` is none of the accepted kinds.
        """
        if isinstance(client, MongoDBConnectionPool):
            with cls._registry_lock:
                client._users += 1
            return client
        check_client(client)
        key = registry_key(connection_string, client, pool_options)
        with cls._registry_lock:
            pool = cls._registry.get(key)
            if pool is None or pool._closed or pool._pid != os.getpid():
                pool = cls(connection_string, client=client, **pool_options)
                pool._key = key
                cls._registry[key] = pool
            pool._users += 1
            return pool

    def release(self) -> None:
        """Give back one use; the last one closes the client."""
        with self._registry_lock:
            self._users = max(0, self._users - 1)
            last = self._users == 0
            if last:
                self._forget()
        if last:
            self.close()

    def _forget(self) -> None:
        """Drop every registry key of this pool (call with the registry lock held)."""
        for key in [k for k, pool in self._registry.items() if pool is self]:
            del self._registry[key]

    # Reference-compatible singleton API -----------------------------------------------------

    @classmethod
    def initialize(cls, connection_string: str, **pool_options: Any) -> Any:
        """The process's default synchronous ``MongoClient``, as the reference library had.

        The same connection string and options give the same client; other ones
        replace the default (the previous client stays usable until closed). Pass
        the client as ``client=`` to managers, repositories and factories: they
        share this pool and its async twin.

        Returns:
            A ``pymongo.MongoClient`` (created lazily, owned by the pool).
        """
        with cls._registry_lock:
            current = cls._default
        wanted = registry_key(connection_string, None, pool_options)
        if current is not None and not current._closed and current._key == wanted:
            return current.sync_client()
        pool = cls.acquire(connection_string, **pool_options)
        cls._default = pool
        return pool.sync_client()

    @classmethod
    def get_instance(cls) -> MongoDBConnectionPool | None:
        """The default pool set by :meth:`initialize`, if any."""
        return cls._default

    def sync_client(self) -> Any:
        """A synchronous ``MongoClient`` to the same deployment (created once, lazily).

        The user's own client when they gave one; mongomock's sync view of the same
        data in tests; otherwise one built from this pool's URI and options,
        closed with the pool.
        """
        if self._closed:
            raise StoreClosedError(
                f"connection pool for {redact_uri(self.connection_string)} is closed"
            )
        if self._sync_client is None:
            with self._lock:
                if self._sync_client is None:
                    if self._external_client is not None:
                        view = sync_view_of_mock(self._external_client)
                        if view is None:
                            raise TypeError(
                                "this async client has no synchronous twin; "
                                "pass a pymongo.MongoClient as client= instead"
                            )
                        self._sync_client = view
                    else:  # naive datetimes, as the reference library's client had
                        self._sync_client = self._new_client(MongoClient, tz_aware=False)
                        self._owns_sync_client = True
                    with self._registry_lock:
                        self._registry.setdefault(("sync", id(self._sync_client)), self)
        return self._sync_client

    @classmethod
    def close_all(cls) -> None:
        """Close every pool of this process (used at exit and by tests)."""
        with cls._registry_lock:
            pools = list(cls._registry.values())
            cls._registry.clear()
        for pool in pools:
            pool.close()
        cls._default = None

    # -- the client ----------------------------------------------------------------------

    @property
    def store(self) -> StoreLoop:
        """The store loop every coroutine of this pool runs on."""
        return StoreLoop.get()

    def client(self) -> Any:
        """The async client. Call from coroutines running on the store loop."""
        if self._closed:
            raise StoreClosedError(
                f"connection pool for {redact_uri(self.connection_string)} is closed"
            )
        if self._pid != os.getpid():
            # A forked child must not reuse the parent's sockets.
            self._pid = os.getpid()
            self._client = self._external_client
            self._indexed.clear()
        if self._client is None:
            with self._lock:
                if self._client is None:
                    self._client = self._new_client()
        return self._client

    def _new_client(self, kind: type[Any] = AsyncMongoClient, *, tz_aware: bool = True) -> Any:
        host: Any = self.connection_string
        options = dict(self.options)
        if self._derived is not None:
            host, derived = self._derived
            options = {**derived, **options}
        # The application's own listeners run beside the pool's counter.
        listeners = [self.command_stats, *options.pop("event_listeners", ())]
        options.setdefault("appname", "mongodb-session-manager")
        try:
            client = kind(host, tz_aware=tz_aware, event_listeners=listeners, **options)
        except (ConfigurationError, ValueError) as exc:
            # PyMongo's message may quote the URI: show the redacted one only.
            raise InvalidInputError(
                f"invalid connection string {redact_uri(self.connection_string)}: "
                f"{redact_text(str(exc))}"
            ) from None
        self.command_stats.attach(client)
        return client

    def _inline_client(self) -> Any | None:
        """The sync callers' twin; none for a caller's client (a mock is not thread-safe)."""
        # mongomock on callers' threads: two guarded updates of one document both
        # applied (duplicate message ids). The store loop runs one at a time.
        if self._closed or self._external_client is not None:
            return None
        return self._new_client(MongoClient)

    def server_selection_timeout_ms(self) -> int:
        """The effective server selection timeout (the URI may override the options)."""
        client_options = getattr(self._client, "options", None)
        seconds = getattr(client_options, "server_selection_timeout", None)
        if isinstance(seconds, int | float):
            return int(seconds * 1000)
        return int(self.options.get("serverSelectionTimeoutMS", 0))

    @hybridmethod
    def get_client(self) -> Any:
        """Alias of :meth:`client`; on the class, the reference's default ``MongoClient``."""
        return self.client()

    @get_client.classmethod
    def _default_client(cls: type[MongoDBConnectionPool]) -> Any:
        """``MongoDBConnectionPool.get_client()``: the client of :meth:`initialize`, or None."""
        pool = cls._default
        if pool is None or pool._closed:
            return None
        return pool.sync_client()

    def collection(self, database_name: str, collection_name: str) -> AsyncCollection[Any]:
        """The collection object (call from the store loop)."""
        return self.client()[database_name][collection_name]  # type: ignore[no-any-return]

    @property
    def backend(self) -> Backend:
        """What the server behind this pool can do (see :mod:`~.store.compat`)."""
        return backend_of(self._external_client)

    # -- running coroutines -------------------------------------------------------------------

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` on the store loop, blocking; translate connection failures."""
        return self.store.run(translate_errors(coro, self))

    async def call(self, coro: Coroutine[Any, Any, T]) -> T:
        """Await ``coro`` on the store loop; translate connection failures."""
        return await self.store.call(translate_errors(coro, self))

    def run_here(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run ``coro`` on this thread through the synchronous twin (:mod:`~.store.inline`).

        For sync callers of coroutines that use only their gateway's collection.
        Without a twin (a caller's ``AsyncMongoClient``): :meth:`run`.
        """
        binding = self._inline.binding()
        if binding is None:
            return self.run(coro)
        return drive(translate_errors(coro, self), binding)

    # -- indexes -------------------------------------------------------------------------

    def is_indexed(
        self, database_name: str, collection_name: str, metadata_fields: tuple[str, ...]
    ) -> bool:
        """Whether this process created these indexes already (``metadata_fields`` sorted)."""
        return (database_name, collection_name, metadata_fields) in self._indexed

    def mark_indexed(
        self, database_name: str, collection_name: str, metadata_fields: tuple[str, ...]
    ) -> None:
        """Remember that this process created these indexes (``metadata_fields`` sorted)."""
        self._indexed.add((database_name, collection_name, metadata_fields))

    # -- stats and closing ------------------------------------------------------------------

    @hybridmethod
    def get_pool_stats(self) -> dict[str, Any]:
        """Connection string (password hidden), options, users and command counts."""
        return {
            "connection_string": redact_uri(self.connection_string),
            "status": "closed" if self._closed else ("connected" if self._client else "idle"),
            "users": self._users,
            "options": {k: v for k, v in self.options.items() if k != "event_listeners"},
            "external_client": not self._owns_client or self._derived is not None,
            "commands": self.command_stats.snapshot(),
            "failed_commands": self.command_stats.failed_count,
            "indexed_collections": sorted(f"{db}.{coll}" for db, coll, _ in self._indexed),
        }

    @get_pool_stats.classmethod
    def _default_pool_stats(cls: type[MongoDBConnectionPool]) -> dict[str, Any]:
        """``MongoDBConnectionPool.get_pool_stats()``: the default pool's figures."""
        pool = cls._default
        if pool is None:
            return {"status": "not_initialized"}
        stats: dict[str, Any] = pool.get_pool_stats()
        return stats

    @hybridmethod
    def close(self) -> None:
        """Close the client (if this pool created it). Further use raises."""
        if self._closed:
            return
        self._closed = True
        with self._registry_lock:
            self._forget()
        self._inline.close()
        sync_client, self._sync_client = self._sync_client, None
        if sync_client is not None and self._owns_sync_client and self._pid == os.getpid():
            sync_client.close()
        client, self._client = self._client, None
        if client is None or not self._owns_client or self._pid != os.getpid():
            return
        store = StoreLoop._instance
        if store is None or store.closed or store.pid != os.getpid():
            return
        try:
            store.run(client.close())
        except Exception:
            logger.exception("pool.close | failed to close client cleanly")

    @close.classmethod
    def _close_default(cls: type[MongoDBConnectionPool]) -> None:
        """``MongoDBConnectionPool.close()``: close the default pool and its client."""
        pool, cls._default = cls._default, None
        if pool is not None:
            pool.close()


atexit.register(MongoDBConnectionPool.close_all)
