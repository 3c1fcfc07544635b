"""Where tests keep their sessions: the backend the environment asks for.

No pytest here: :mod:`mongodb_session_manager.testing` must import without it
(``msm demo`` uses :class:`ScriptedModel` from an install without dev tools).

Backends, chosen by environment:

* ``MONGODB_URI`` set: that MongoDB;
* ``MSM_TEST_BACKEND=mock``: mongomock-motor, in process;
* otherwise: the embedded mongoeco wire server on 127.0.0.1 (Python 3.13+).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any


@dataclass
class MongoBackend:
    """Where the tests' sessions live."""

    kind: str
    """``"wire"`` (embedded server), ``"mongodb"`` (MONGODB_URI) or ``"mock"``."""
    uri: str | None = None
    client: Any | None = None
    server: Any | None = field(default=None, repr=False)

    @property
    def counts_commands(self) -> bool:
        """Whether PyMongo command monitoring sees this backend's traffic."""
        return self.kind != "mock"

    def options(self, database_name: str) -> dict[str, Any]:
        """Keyword arguments for a manager / factory / repository on this backend."""
        if self.client is not None:
            return {"client": self.client, "database_name": database_name}
        return {"connection_string": self.uri, "database_name": database_name}


def _mock_client() -> Any:
    import mongomock.database
    from mongomock_motor import AsyncMongoMockClient

    original = mongomock.database.Database.list_collection_names
    if not getattr(original, "_msm_shim", False):
        # Beanie passes driver-only kwargs that mongomock does not know.
        def list_collection_names(
            self: Any, filter: Any = None, session: Any = None, **_: Any
        ) -> Any:
            return original(self, filter, session)  # type: ignore[no-untyped-call]

        setattr(list_collection_names, "_msm_shim", True)  # noqa: B010 - a marker, not an API
        setattr(mongomock.database.Database, "list_collection_names", list_collection_names)  # noqa: B010
    return AsyncMongoMockClient(tz_aware=True)


def start_backend() -> MongoBackend:
    """Start (or connect to) the backend the environment asks for."""
    uri = os.environ.get("MONGODB_URI")
    if uri:
        return MongoBackend(kind="mongodb", uri=uri)
    if os.environ.get("MSM_TEST_BACKEND", "").lower() == "mock":
        return MongoBackend(kind="mock", client=_mock_client())
    from mongodb_session_manager.local import LocalMongoServer

    server = LocalMongoServer()
    return MongoBackend(kind="wire", uri=server.start(), server=server)
