"""What ``client=`` may be, and how the library reaches a user's deployment with it.

The reference library took a synchronous ``pymongo.MongoClient`` (its docs pass
one in eleven places). Our store runs on PyMongo's native async client on the
store loop, so for a sync client we build an ``AsyncMongoClient`` with the same
seeds, options and credentials (the arguments the user's client was built
with), once per sync client. The user's client stays theirs: never closed here.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, Generic, TypeVar, overload

import pymongo.common
from pymongo import AsyncMongoClient, MongoClient

T = TypeVar("T")

PYMONGO_OPTION_NAMES: frozenset[str] = frozenset(name.lower() for name in pymongo.common.VALIDATORS)
"""Lower-cased names of the keyword options ``MongoClient`` accepts."""

ACCEPTED_CLIENTS = (
    "a pymongo.MongoClient, a pymongo.AsyncMongoClient or a MongoDBConnectionPool "
    "(or None with a connection_string)"
)

# Arguments of the user's client that our async client sets its own way: the
# library reads aware UTC datetimes into plain dicts; `connect` has no async meaning.
_OVERRIDDEN = frozenset({"tz_aware", "document_class", "connect", "tzinfo"})


def split_client_options(options: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """``options`` split into PyMongo client options and the rest (for Strands)."""
    client: dict[str, Any] = {}
    rest: dict[str, Any] = {}
    for name, value in options.items():
        (client if name.lower() in PYMONGO_OPTION_NAMES else rest)[name] = value
    return client, rest


def is_sync_client(client: object) -> bool:
    """Whether ``client`` is a synchronous PyMongo client."""
    return isinstance(client, MongoClient)


def is_mock_client(client: object) -> bool:
    """Whether ``client`` is an in-process mongomock(-motor) client (tests)."""
    return any(cls.__module__.startswith("mongomock") for cls in type(client).__mro__)


def check_client(client: object) -> None:
    """Raise ``TypeError`` unless ``client`` is a kind of client the library accepts."""
    if client is None or isinstance(client, MongoClient | AsyncMongoClient):
        return
    if is_mock_client(client):
        return
    kind = f"{type(client).__module__}.{type(client).__qualname__}"
    raise TypeError(f"client must be {ACCEPTED_CLIENTS}; got {kind}")


def async_arguments_of(client: MongoClient[Any]) -> tuple[Any, dict[str, Any]]:
    """``(host, keyword options)`` that build an async client like the sync ``client``.

    PyMongo keeps the constructor's arguments (URI with credentials, port and every
    keyword option) on the client; reusing them reaches the same deployment with
    the same options, TLS files, credentials and listeners.
    """
    given: dict[str, Any] | None = getattr(client, "_init_kwargs", None)
    if not isinstance(given, dict):  # pragma: no cover - every PyMongo 4.x client has it
        raise TypeError(
            "cannot read the connection arguments of this pymongo.MongoClient; "
            "pass connection_string= (and its options) instead"
        )
    options = {k: v for k, v in given.items() if k not in _OVERRIDDEN and v is not None}
    host = options.pop("host", None)
    port = options.pop("port", None)
    if port is not None:
        options["port"] = port
    return host, options


def describe_host(host: Any, port: Any = None) -> str:
    """A connection string-like text for stats and logs (password hidden by the caller)."""
    if isinstance(host, str):
        return host
    if isinstance(host, list | tuple) and host:
        return ",".join(str(h) for h in host)
    return f"localhost:{port or 27017}"


def sync_view_of_mock(client: Any) -> Any:
    """The synchronous mongomock client inside a mongomock-motor client (same data)."""
    return getattr(client, "_AsyncMongoMockClient__client", None)


class hybridmethod(Generic[T]):
    """A method that does one thing on the class and another on an instance.

    ``MongoDBConnectionPool.get_pool_stats()`` is the reference library's
    singleton API; ``pool.get_pool_stats()`` is ours: both must work.
    """

    def __init__(self, on_instance: Callable[..., T]) -> None:
        self._on_instance = on_instance
        self._on_class: Callable[..., Any] | None = None
        functools.update_wrapper(self, on_instance)  # type: ignore[arg-type]

    def classmethod(self, on_class: Callable[..., Any]) -> hybridmethod[T]:
        """Register the function called when the attribute is used on the class."""
        self._on_class = on_class
        return self

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> Callable[..., Any]: ...

    @overload
    def __get__(self, obj: object, owner: type | None = None) -> Callable[..., T]: ...

    def __get__(self, obj: object, owner: type | None = None) -> Callable[..., Any]:
        if obj is None:
            assert self._on_class is not None
            return functools.partial(self._on_class, owner)
        return functools.partial(self._on_instance, obj)
