"""Selecting sessions for listing and deletion, safely.

A :class:`SessionQuery` is turned into a MongoDB filter by this module only:
metadata keys are checked (no operators, no empty path segments) and values must
be scalars, so a filter taken from a command line or an HTTP request can never
inject a query operator. Dates may be naive (read as UTC) or aware.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from mongodb_session_manager.errors import InvalidInputError
from mongodb_session_manager.models import as_utc, utcnow, validate_id
from mongodb_session_manager.models.keys import validate_key

Scalar = str | int | float | bool | None


@dataclass(frozen=True)
class SessionQuery:
    """Which sessions: every given condition must hold (an empty query matches all).

    Attributes:
        session_ids: Only these sessions.
        application_name: Sessions of this application.
        updated_before: Last written before this time.
        updated_after: Last written after this time.
        created_before: Created before this time.
        created_after: Created after this time.
        inactive_for: Not written for at least this long (``updated_before`` now - it).
        metadata: Metadata fields equal to these scalar values (dotted keys reach
            nested fields).
        schema_version: Stored schema version (0: the reference layout).
    """

    session_ids: Sequence[str] | None = None
    application_name: str | None = None
    updated_before: datetime | None = None
    updated_after: datetime | None = None
    created_before: datetime | None = None
    created_after: datetime | None = None
    inactive_for: timedelta | None = None
    metadata: Mapping[str, Scalar] | None = None
    schema_version: int | None = None

    @property
    def is_empty(self) -> bool:
        """Whether no condition is set (the query matches every session)."""
        return not any(
            value is not None and value != {} and value != []
            for value in (
                self.session_ids,
                self.application_name,
                self.updated_before,
                self.updated_after,
                self.created_before,
                self.created_after,
                self.inactive_for,
                self.metadata,
                self.schema_version,
            )
        )

    def to_filter(self, now: datetime | None = None) -> dict[str, Any]:
        """The MongoDB filter; raises :class:`InvalidInputError` on a bad condition.

        Args:
            now: The time ``inactive_for`` counts back from (default: now).
        """
        conditions: dict[str, Any] = {}
        if self.session_ids is not None:
            if isinstance(self.session_ids, str):
                raise InvalidInputError("session_ids must be a list of ids, not one string")
            conditions["_id"] = {"$in": [validate_id(i, "session_id") for i in self.session_ids]}
        if self.application_name is not None:
            conditions["application_name"] = _scalar(self.application_name, "application_name")
        updated = self._updated_range(now)
        if updated:
            conditions["updated_at"] = updated
        created = _range(self.created_before, self.created_after, "created")
        if created:
            conditions["created_at"] = created
        for key, value in (self.metadata or {}).items():
            path = ".".join(validate_key(key, "metadata key"))  # the metadata feature's rules
            conditions[f"metadata.{path}"] = _scalar(value, f"metadata {key!r}")
        if self.schema_version is not None:
            conditions["schema_version"] = _schema_condition(self.schema_version)
        return conditions

    def _updated_range(self, now: datetime | None) -> dict[str, Any]:
        """``updated_at`` bounds: before / after, and ``inactive_for`` as of ``now``."""
        updated: dict[str, Any] = {}
        if self.updated_before is not None:
            updated["$lt"] = _date(self.updated_before, "updated_before")
        if self.inactive_for is not None:
            if not isinstance(self.inactive_for, timedelta) or self.inactive_for < timedelta(0):
                raise InvalidInputError(
                    f"inactive_for must be a timedelta >= 0: {self.inactive_for!r}"
                )
            cutoff = (now or utcnow()) - self.inactive_for
            updated["$lt"] = min(updated.get("$lt", cutoff), cutoff)
        if self.updated_after is not None:
            updated["$gt"] = _date(self.updated_after, "updated_after")
        return updated


def _range(before: datetime | None, after: datetime | None, name: str) -> dict[str, Any]:
    bounds: dict[str, Any] = {}
    if before is not None:
        bounds["$lt"] = _date(before, f"{name}_before")
    if after is not None:
        bounds["$gt"] = _date(after, f"{name}_after")
    return bounds


def _schema_condition(version: object) -> Any:
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        raise InvalidInputError(f"schema_version must be an int >= 0: {version!r}")
    return {"$in": [None, 0]} if version == 0 else version


def _scalar(value: object, what: str) -> Scalar:
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise InvalidInputError(f"{what} must be a string, number, boolean or null, got {value!r}")


def _date(value: object, what: str) -> datetime:
    if not isinstance(value, datetime):
        raise InvalidInputError(f"{what} must be a datetime, got {value!r}")
    return as_utc(value)
