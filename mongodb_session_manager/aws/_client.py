"""A hook's boto3 client: the settings every AWS hook takes, the region, the client itself."""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

from mongodb_session_manager.aws._boto import require_boto3, resolve_region
from mongodb_session_manager.errors import InvalidInputError

DEFAULT_MAX_ATTEMPTS = 5
"""Attempts per request (botocore ``standard`` retries: exponential backoff with jitter)."""


@dataclass(frozen=True)
class ClientSettings:
    """How a hook reaches AWS: the constructor arguments the three hooks share.

    Attributes:
        region_name: The region given (the resource's own region wins; see
            :meth:`resolved`).
        endpoint_url: Another endpoint (LocalStack, moto); None: AWS.
        client: A ready boto3 client to use instead of building one.
        boto3_session: The boto3 session to build the client from (credentials).
        max_attempts: Attempts per request (botocore standard retries, backoff).
        connect_timeout: Seconds to connect.
        read_timeout: Seconds to wait for the answer.
    """

    region_name: str | None = None
    endpoint_url: str | None = None
    client: Any | None = None
    boto3_session: Any | None = None
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    connect_timeout: float = 5.0
    read_timeout: float = 10.0

    @classmethod
    def from_arguments(cls, arguments: Mapping[str, Any]) -> ClientSettings:
        """The settings among a hook constructor's arguments, picked by name.

        Each hook's constructor lists these parameters itself (its public
        signature); it hands them over as ``ClientSettings.from_arguments(locals())``
        instead of forwarding seven names one by one, after adjusting any of them
        (an endpoint derived from the queue URL, a normalised WebSocket URL).
        """
        return cls(**{field.name: arguments[field.name] for field in fields(cls)})

    def resolved(self, feature: str, resource_region: str | None) -> ClientSettings:
        """These settings with the region decided (and checked) for ``feature``.

        The region in the resource's name (ARN, queue URL, endpoint) wins; else
        the one given; else the default boto3 session's (built here when no
        session was given, and then used for the client too).

        Raises:
            InvalidInputError: The given region contradicts the resource's, none
                is known, or an attempt count / timeout is out of range.
        """
        session = self.boto3_session
        if resource_region is None and self.region_name is None and session is None:
            session = require_boto3(feature).session.Session()
        region = resolve_region(feature, resource_region, self.region_name, session)
        return replace(self, region_name=region, boto3_session=session)

    def check(self, name: str) -> None:
        """Refuse attempt counts below 1 and timeouts that are not positive.

        Raises:
            InvalidInputError: One of them is out of range.
        """
        if self.max_attempts < 1 or self.connect_timeout <= 0 or self.read_timeout <= 0:
            raise InvalidInputError(
                f"{name}: max_attempts must be at least 1 and the timeouts positive "
                f"(got {self.max_attempts}, {self.connect_timeout}, {self.read_timeout})"
            )


class BotoClient:
    """One boto3 client per hook, built on first use and reused (rebuilt after a fork).

    Args:
        service: The boto3 service name (``"sns"``, ``"sqs"``...).
        feature: What needs boto3, for the error raised without it.
        settings: Resolved settings (:meth:`ClientSettings.resolved`).
    """

    def __init__(self, service: str, feature: str, settings: ClientSettings) -> None:
        self.service = service
        self.feature = feature
        self.settings = settings
        self._client: Any | None = settings.client
        self._pid = os.getpid()
        self._lock = threading.Lock()

    def get(self) -> Any:
        """The client: the one given to the hook, else one built for this process."""
        if self._client is not None and self._pid == os.getpid():
            return self._client
        with self._lock:
            if self._client is None or self._pid != os.getpid():
                self._client = self.settings.client or self._make()
                self._pid = os.getpid()
            return self._client

    def _make(self) -> Any:
        boto3 = require_boto3(self.feature)
        from botocore.config import Config

        settings = self.settings
        session = settings.boto3_session or boto3.session.Session()
        config = Config(
            retries={"mode": "standard", "total_max_attempts": settings.max_attempts},
            connect_timeout=settings.connect_timeout,
            read_timeout=settings.read_timeout,
            max_pool_connections=2,  # one sending thread per hook
            user_agent_extra="mongodb-session-manager",
        )
        return session.client(
            self.service,
            region_name=settings.region_name,
            endpoint_url=settings.endpoint_url,
            config=config,
        )
