"""``MetadataWebSocketHook``: metadata changes pushed to the user's browser, live.

The front end is connected to an API Gateway WebSocket API; its connection id is
stored in the session's metadata (``connection_id`` by default) when it connects.
Each later metadata change is pushed to that connection through the API Gateway
Management API (``PostToConnection``).
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from mongodb_session_manager.aws._base import DEFAULT_MAX_ATTEMPTS, AWSHook
from mongodb_session_manager.aws._boto import (
    region_from_execute_api,
    require_boto3,
    resolve_region,
)
from mongodb_session_manager.aws._encoding import as_dict
from mongodb_session_manager.aws._metadata import (
    DEFAULT_EVENT,
    encode_change,
    field_set,
    metadata_change,
)
from mongodb_session_manager.aws._worker import DEFAULT_EXIT_TIMEOUT, Delivery, Outcome
from mongodb_session_manager.errors import InvalidInputError

if TYPE_CHECKING:
    from mongodb_session_manager.repository import MongoDBSessionRepository

logger = logging.getLogger("mongodb_session_manager.aws")

WEBSOCKET_MAX_MESSAGE_BYTES = 128 * 1024
"""API Gateway's limit for a WebSocket message."""

ConnectionIdGetter = Callable[[str], "str | None"]
"""``getter(session_id) -> connection id or None``; called on the hook's thread."""


class MetadataWebSocketHook(AWSHook):
    """A metadata hook pushing each stored metadata change to the session's WebSocket client.

    The message is the same JSON as :class:`MetadataSQSHook`'s (``session_id``,
    ``event``, ``operation``, ``metadata``, ``timestamp``), with only
    ``metadata_fields``, and never the connection id itself.

    Where the connection id comes from, in order:

    1. the metadata updates this process stores: ``update_metadata({"connection_id":
       ...})`` (your ``$connect`` handler's) is remembered for the session;
    2. otherwise, on the hook's thread: ``connection_id_getter(session_id)`` if you
       give one (a connections table, a cache...), or with ``repository=`` the
       session's stored metadata (one read, then remembered).

    A connection that is gone (HTTP 410, the user closed the tab) is forgotten
    quietly (a debug log, no retry); if the store then has a newer connection id
    (the user reconnected through another server), the change is pushed there.
    Setting the connection id to None, or deleting it, forgets it too.

    Args:
        endpoint_url: The API's connection endpoint,
            ``https://{api-id}.execute-api.{region}.amazonaws.com/{stage}``
            (the ``wss://`` URL is accepted too).
        metadata_fields: Fields to push (None: all but the connection id).
        connection_id_key: The metadata key holding the connection id.
        repository: Read the connection id from the session's stored metadata
            when this process has not seen it.
        connection_id_getter: Or find it with this callable.
        event: The ``event`` value of the messages.
        region_name: Defaults to the region in the endpoint's host.
        client: A ready boto3 ``apigatewaymanagementapi`` client.
        boto3_session: The boto3 session to build the client from (credentials).
        max_attempts: Attempts per request (botocore standard retries, backoff).
        connect_timeout: Seconds to connect.
        read_timeout: Seconds to wait for the answer.
        max_queue_size: Pending notifications kept at most; more are dropped (logged).
        max_message_bytes: Larger messages are sent without their values.
        max_sessions_remembered: Connection ids kept in memory (least recent dropped).
        exit_timeout: Seconds the process's exit waits for pending notifications.
        name: The hook's name in logs.

    Raises:
        OptionalDependencyError: boto3 is not installed.
        InvalidInputError: a bad endpoint or key, both ``repository`` and
            ``connection_id_getter``, or no region known.
    """

    service = "apigatewaymanagementapi"

    def __init__(
        self,
        endpoint_url: str,
        metadata_fields: Iterable[str] | None = None,
        *,
        connection_id_key: str = "connection_id",
        repository: MongoDBSessionRepository | None = None,
        connection_id_getter: ConnectionIdGetter | None = None,
        event: str = DEFAULT_EVENT,
        region_name: str | None = None,
        client: Any | None = None,
        boto3_session: Any | None = None,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        connect_timeout: float = 5.0,
        read_timeout: float = 10.0,
        max_queue_size: int = 1000,
        max_message_bytes: int = WEBSOCKET_MAX_MESSAGE_BYTES,
        max_sessions_remembered: int = 10_000,
        exit_timeout: float = DEFAULT_EXIT_TIMEOUT,
        name: str = "metadata-websocket",
    ) -> None:
        boto3 = require_boto3(type(self).__name__)
        if not isinstance(endpoint_url, str) or not endpoint_url.startswith(
            ("https://", "http://", "wss://", "ws://")
        ):
            raise InvalidInputError(
                f"MetadataWebSocketHook: {endpoint_url!r} is not an endpoint URL "
                "(https://{api-id}.execute-api.{region}.amazonaws.com/{stage})"
            )
        if endpoint_url.startswith("ws"):
            endpoint_url = "http" + endpoint_url[2:]  # wss:// -> https://, ws:// -> http://
        endpoint_url = endpoint_url.rstrip("/")
        if (
            not isinstance(connection_id_key, str)
            or not connection_id_key
            or "." in connection_id_key
            or connection_id_key.startswith("$")
            or "\x00" in connection_id_key
        ):
            raise InvalidInputError(
                f"MetadataWebSocketHook: connection_id_key {connection_id_key!r} is not a "
                "usable metadata key (non-empty, no '.', not starting with '$')"
            )
        if repository is not None and connection_id_getter is not None:
            raise InvalidInputError(
                "MetadataWebSocketHook: pass repository= or connection_id_getter=, not both"
            )
        self.connection_id_key = connection_id_key
        self.metadata_fields = field_set(metadata_fields)
        self.event = event
        self.max_message_bytes = max_message_bytes
        self.max_sessions_remembered = max_sessions_remembered
        self._repository = repository
        self._getter = connection_id_getter
        self._connections: OrderedDict[str, str] = OrderedDict()
        self._connections_lock = threading.Lock()
        derived = region_from_execute_api(endpoint_url)
        if derived is None and region_name is None and boto3_session is None:
            boto3_session = boto3.session.Session()
        super().__init__(
            name=name,
            region_name=resolve_region(
                "MetadataWebSocketHook", derived, region_name, boto3_session
            ),
            endpoint_url=endpoint_url,
            client=client,
            boto3_session=boto3_session,
            max_attempts=max_attempts,
            connect_timeout=connect_timeout,
            read_timeout=read_timeout,
            max_queue_size=max_queue_size,
            max_batch_size=1,  # PostToConnection sends one message
            max_batch_bytes=max_message_bytes,
            exit_timeout=exit_timeout,
        )

    # ------------------------------------------------------------------ connection ids

    def connection_id(self, session_id: str) -> str | None:
        """The connection id this hook knows for ``session_id`` (no I/O)."""
        with self._connections_lock:
            return self._connections.get(session_id)

    def _remember(self, session_id: str, connection_id: str) -> None:
        with self._connections_lock:
            self._connections[session_id] = connection_id
            self._connections.move_to_end(session_id)
            while len(self._connections) > self.max_sessions_remembered:
                self._connections.popitem(last=False)

    def _forget(self, session_id: str, connection_id: str | None = None) -> str | None:
        with self._connections_lock:
            known = self._connections.get(session_id)
            if connection_id is None or known == connection_id:
                self._connections.pop(session_id, None)
            return known

    def _lookup(self, session_id: str) -> str | None:
        """The connection id from the getter or the store; runs on the hook's thread."""
        if self._getter is None and self._repository is None:
            return None
        try:
            found = (
                self._getter(session_id)
                if self._getter is not None
                else self._read_stored(session_id)
            )
        except Exception as exc:
            logger.warning(
                "aws.websocket.lookup_failed | hook=%s session_id=%s error=%s: %s",
                self.name,
                session_id,
                type(exc).__name__,
                exc,
            )
            return None
        if isinstance(found, str) and found:
            self._remember(session_id, found)
            return found
        return None

    def _read_stored(self, session_id: str) -> Any:
        repository = self._repository
        assert repository is not None
        path = f"metadata.{self.connection_id_key}"

        async def read() -> Any:
            raw = await repository.store.read_fields(session_id, {path: 1})
            return ((raw or {}).get("metadata") or {}).get(self.connection_id_key)

        return repository.pool.run(read())

    # ------------------------------------------------------------------ building

    def _prepare(self, action: str, session_id: str, kwargs: dict[str, Any]) -> list[Delivery]:
        key = self.connection_id_key
        resolve = True
        if action == "update" and "metadata" in kwargs:
            metadata = as_dict(kwargs["metadata"])
            if key in metadata:
                value = metadata[key]
                if isinstance(value, str) and value:
                    self._remember(session_id, value)
                else:
                    self._forget(session_id)
                    resolve = False
        connection = self.connection_id(session_id)
        if action == "delete" and "keys" in kwargs:
            keys = kwargs["keys"]
            if key == keys or (not isinstance(keys, str) and key in keys):
                self._forget(session_id)  # this change still goes to the client it was for
                resolve = False
        change = metadata_change(
            action,
            session_id,
            kwargs,
            fields=self.metadata_fields,
            exclude=frozenset({key}),
            event=self.event,
        )
        if change is None:
            return []
        if connection is None and not resolve:
            return []
        encoded = encode_change(change, self.max_message_bytes, self.name)
        if encoded is None:
            self._worker.count_failed()
            return []
        body, size = encoded
        options = {"connection_id": connection}
        return [Delivery(session_id, self.endpoint_url or "", body, size, options)]

    # ------------------------------------------------------------------ sending

    def _send_batch(self, target: str, batch: Sequence[Delivery]) -> Outcome:
        outcome = Outcome()
        for delivery in batch:
            connection = (
                delivery.options["connection_id"]
                or self.connection_id(delivery.session_id)  # found by an earlier lookup
                or self._lookup(delivery.session_id)
            )
            if connection is None:
                logger.debug(
                    "aws.websocket.no_connection | hook=%s session_id=%s",
                    self.name,
                    delivery.session_id,
                )
                outcome.skipped += 1
                continue
            result = self._post(delivery, connection)
            if result == "gone":
                self._forget(delivery.session_id, connection)
                fresh = self._lookup(delivery.session_id)
                if fresh is not None and fresh != connection:
                    result = self._post(delivery, fresh)
                    if result == "gone":
                        self._forget(delivery.session_id, fresh)
            if result == "sent":
                outcome.sent += 1
            elif result == "gone":
                outcome.skipped += 1
            else:
                outcome.failed += 1
        return outcome

    def _post(self, delivery: Delivery, connection: str) -> str:
        """``"sent"``, ``"gone"`` (HTTP 410) or ``"failed"`` (logged)."""
        from botocore.exceptions import ClientError

        try:
            self.client.post_to_connection(
                ConnectionId=connection, Data=delivery.body.encode("utf-8")
            )
        except ClientError as exc:
            error = exc.response.get("Error", {})
            status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if error.get("Code") == "GoneException" or status == 410:
                logger.debug(
                    "aws.websocket.gone | hook=%s session_id=%s connection_id=%s",
                    self.name,
                    delivery.session_id,
                    connection,
                )
                return "gone"
            self._log_failure(delivery, str(error.get("Code", status)), str(error.get("Message")))
            return "failed"
        return "sent"


REFERENCE_DEFAULT_REGION = "eu-west-1"
"""The reference library's default ``region`` (used when the endpoint names none)."""


def create_metadata_websocket_hook(
    api_gateway_endpoint: str | None = None,
    metadata_fields: Iterable[str] | None = None,
    region: str | None = None,
    **options: Any,
) -> MetadataWebSocketHook:
    """Build a :class:`MetadataWebSocketHook` with the reference library's arguments.

    ``api_gateway_endpoint`` is the API's connection endpoint (``endpoint_url=``
    is accepted too). ``region``: the API's region; by default the one in an
    ``execute-api`` host, else ``"eu-west-1"`` as in the reference. ``options``
    are :class:`MetadataWebSocketHook`'s keyword arguments.

    Example::

        hook = create_metadata_websocket_hook(
            api_gateway_endpoint="https://abc123.execute-api.eu-west-1.amazonaws.com/prod",
            metadata_fields=["status", "progress"],
            region="eu-west-1",
            repository=factory.repository,  # to find connection ids stored by others
        )

    Raises:
        OptionalDependencyError: boto3 is not installed
            (``pip install 'mongodb-session-manager[aws]'``). The reference returned
            ``None`` instead; see ``docs/upgrading.md``.
        InvalidInputError: no endpoint, or both ``api_gateway_endpoint`` and ``endpoint_url``.
    """
    endpoint = options.pop("endpoint_url", None)
    if api_gateway_endpoint is not None and endpoint is not None:
        raise InvalidInputError(
            "create_metadata_websocket_hook: pass api_gateway_endpoint or endpoint_url, not both"
        )
    endpoint = api_gateway_endpoint if api_gateway_endpoint is not None else endpoint
    if endpoint is None:
        raise InvalidInputError("create_metadata_websocket_hook: api_gateway_endpoint is required")
    if region is not None:
        options.setdefault("region_name", region)
    elif (
        "region_name" not in options
        and "boto3_session" not in options
        and isinstance(endpoint, str)
        and region_from_execute_api(endpoint.replace("wss://", "https://", 1)) is None
    ):
        options["region_name"] = REFERENCE_DEFAULT_REGION
    return MetadataWebSocketHook(endpoint, metadata_fields, **options)


def is_metadata_websocket_hook_available() -> bool:
    """Whether :func:`create_metadata_websocket_hook` can work (boto3 is installed)."""
    from mongodb_session_manager.aws._boto import is_boto3_available

    return is_boto3_available()
