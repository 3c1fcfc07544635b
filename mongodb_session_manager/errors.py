"""Every exception the library raises on purpose, in one place.

All of them derive from :class:`SessionManagerError`, so an application can catch
the library's errors with one ``except`` clause. Where a built-in exception is the
natural type (a bad argument is a ``ValueError``), the library's class inherits
from both so existing ``except ValueError`` code keeps working.

The tree (built-in second bases in brackets)::

    SessionManagerError
    ├── InvalidIdentifierError [ValueError]
    ├── InvalidInputError [ValueError]
    │   ├── InvalidFilterError
    │   └── CalculatorError                 (the demo's calculator tool)
    ├── SessionNotFoundError [LookupError, ValueError]
    ├── SessionConflictError
    │   └── MessageIdError [ValueError]
    ├── SessionTooLargeError
    ├── StoreUnavailableError [ConnectionError]
    ├── StoreThreadError [RuntimeError]
    ├── StoreClosedError [RuntimeError]
    ├── OptionalDependencyError [ImportError]
    ├── SchemaVersionError
    ├── StoredDataError                     (an out-of-line value is missing or altered)
    ├── StoredSnapshotError [ValueError]    (a stored Strands snapshot cannot be loaded)
    ├── MigrationError
    │   └── DocumentConversionError [ValueError]
    ├── ModelUnavailableError [RuntimeError]
    ├── LocalServerUnavailableError [RuntimeError]
    └── TurnInProgressError                 (the playground: one turn at a time)

Driver errors never leave the library as they are: ``store/`` translates them
into these, once, where the call is made.
"""

from __future__ import annotations


class SessionManagerError(Exception):
    """Base class of every error this library raises on purpose."""


class InvalidIdentifierError(SessionManagerError, ValueError):
    """A session id, agent id or multi-agent id cannot be stored safely."""


class InvalidInputError(SessionManagerError, ValueError):
    """An argument (metadata, feedback, configuration...) was refused; nothing was written."""


class InvalidFilterError(InvalidInputError):
    """A session search (viewer filters, sort, cursor) was refused; ``details`` says why.

    Each detail is ``{"location": [...], "message": str}``, e.g.
    ``{"location": ["query", "meta.priority:prefix"], "message": "..."}``.
    """

    def __init__(self, message: str, details: list[dict[str, object]] | None = None) -> None:
        self.details = details or []
        super().__init__(message)


class SessionNotFoundError(SessionManagerError, LookupError, ValueError):
    """The session (or the agent inside it) does not exist.

    Also a ``ValueError``: the reference library raised one for an unknown agent.
    """

    def __init__(self, session_id: str, agent_id: str | None = None) -> None:
        self.session_id = session_id
        self.agent_id = agent_id
        what = (
            f"agent {agent_id!r} in session {session_id!r}"
            if agent_id
            else f"session {session_id!r}"
        )
        super().__init__(f"{what} does not exist")


class SessionConflictError(SessionManagerError):
    """Another writer changed the same agent first; this write was not applied.

    Raised when two managers append to the same agent of the same session at
    once: the message counter stored with the agent guards every append, so one
    of them wins and the other gets this error instead of a duplicate or a lost
    message. Call ``manager.reload(agent)`` (or ``reload_async``) and retry; the
    failed message is not in ``agent.messages`` (docs/failures.md).
    """

    def __init__(
        self,
        message: str,
        *,
        session_id: str,
        agent_id: str | None = None,
        expected: int | None = None,
        actual: int | None = None,
    ) -> None:
        self.session_id = session_id
        self.agent_id = agent_id
        self.expected = expected
        self.actual = actual
        super().__init__(message)


class MessageIdError(SessionConflictError, ValueError):
    """``create_message`` got a ``message_id`` other than the agent's next position.

    Messages are stored by position (``message_id`` is the index), which is what
    makes appends one guarded write and reads a slice. A caller-chosen id that
    skips or reuses a position is refused (nothing is written); it is also what a
    concurrent writer looks like, hence a :class:`SessionConflictError` too.
    """


class SessionTooLargeError(SessionManagerError):
    """The write would push the session document past its configured size limit.

    Nothing was written. MongoDB refuses documents over 16 MiB; the library
    refuses earlier, at ``max_document_bytes``.
    """

    def __init__(
        self, session_id: str, current_bytes: int, added_bytes: int, limit_bytes: int
    ) -> None:
        self.session_id = session_id
        self.current_bytes = current_bytes
        self.added_bytes = added_bytes
        self.limit_bytes = limit_bytes
        super().__init__(
            f"session {session_id!r} is {current_bytes} bytes; adding {added_bytes} bytes would "
            f"exceed the limit of {limit_bytes} bytes; nothing was written"
        )


class StoreUnavailableError(SessionManagerError, ConnectionError):
    """The database could not be reached within the configured timeout."""


class StoreThreadError(SessionManagerError, RuntimeError):
    """An operation ran on the wrong thread.

    A blocking call from the library's own store thread (it would deadlock), or an
    operation run on the caller's thread that needed the store loop (a bug).
    """


class StoreClosedError(SessionManagerError, RuntimeError):
    """The store (or the pool) was closed; it accepts no more work."""


class OptionalDependencyError(SessionManagerError, ImportError):
    """A feature needs a package that is not installed; the message says what to install."""

    def __init__(self, feature: str, package: str, extra: str) -> None:
        self.feature = feature
        self.package = package
        self.extra = extra
        super().__init__(
            f"{feature} needs {package}, which is not installed: "
            f"pip install 'mongodb-session-manager[{extra}]'",
            name=package,
        )


class SchemaVersionError(SessionManagerError):
    """A stored session has a schema version this library cannot read; run the migrations."""

    def __init__(self, session_id: str, found: int, supported: int) -> None:
        self.session_id = session_id
        self.found = found
        self.supported = supported
        if found < supported:
            what = " (the reference implementation's layout)" if found == 0 else ""
            hint = (
                "run `msm migrate up` (or mongodb_session_manager.migrate_up()); "
                "see docs/migrations.md"
            )
        else:
            what, hint = "", "upgrade mongodb-session-manager"
        super().__init__(
            f"session {session_id!r} has schema_version {found}{what}, this library reads "
            f"{supported}: {hint}"
        )


class StoredDataError(SessionManagerError):
    """A message's out-of-line value is missing from the database or does not match its reference.

    A value moved out of line (``<sessions>_blobs``) is checked on read against the
    size and SHA-256 the message recorded; chunks that are missing, extra or
    altered raise this instead of returning wrong bytes.
    """

    def __init__(self, session_id: str, message_id: object, blob_id: str, problem: str) -> None:
        self.session_id = session_id
        self.message_id = message_id
        self.blob_id = blob_id
        self.problem = problem
        super().__init__(
            f"value {blob_id!r} of message {message_id!r} in session {session_id!r} "
            f"cannot be read back: {problem}"
        )


class StoredSnapshotError(SessionManagerError, ValueError):
    """A value under a snapshot key is not a snapshot Strands can load.

    Raised by :class:`~mongodb_session_manager.snapshots.SnapshotSessions` when it
    reads a snapshot back (the viewer, ``msm sessions``): the value is not JSON, not
    an object, or not a current-schema Strands ``Snapshot``.

    Attributes:
        key: The storage key.
        problem: What is wrong with the value.
    """

    def __init__(self, key: str, problem: str) -> None:
        self.key = key
        self.problem = problem
        super().__init__(f"the snapshot under {key!r} cannot be loaded: {problem}")


class MigrationError(SessionManagerError):
    """A migration could not run (bad plan, options, or state); nothing more was written."""


class DocumentConversionError(MigrationError, ValueError):
    """One stored document cannot be converted by a migration; it is left as it was."""


class ModelUnavailableError(SessionManagerError, RuntimeError):
    """The model asked for (``--model`` / ``MSM_MODEL``) cannot be used here.

    Raised by the demo, the playground and the examples when the model spec is
    malformed, or a real provider's package or credentials are missing.
    """


class LocalServerUnavailableError(SessionManagerError, RuntimeError):
    """The embedded server cannot run here (Python too old, or mongoeco missing).

    Raised by :mod:`mongodb_session_manager.local` (``msm demo``, ``msm viewer``,
    ``msm playground`` without ``MONGODB_URI``); the message says what to do.
    """


class TurnInProgressError(SessionManagerError):
    """A playground reply is still being written in this session (one turn at a time).

    Nothing was written; the page may send the message again once the reply is stored.
    """


class CalculatorError(InvalidInputError):
    """The demo calculator's expression is not plain arithmetic, or cannot be computed.

    An :class:`InvalidInputError` (hence a ``ValueError``, as before): the
    expression was refused.
    """


__all__ = [
    "CalculatorError",
    "DocumentConversionError",
    "InvalidFilterError",
    "InvalidIdentifierError",
    "InvalidInputError",
    "LocalServerUnavailableError",
    "MigrationError",
    "ModelUnavailableError",
    "OptionalDependencyError",
    "SchemaVersionError",
    "SessionConflictError",
    "SessionManagerError",
    "SessionNotFoundError",
    "SessionTooLargeError",
    "StoreClosedError",
    "StoreThreadError",
    "StoreUnavailableError",
    "StoredDataError",
    "StoredSnapshotError",
    "TurnInProgressError",
]
