"""Session metadata: partial updates, reads, deletes; one round trip each.

``update_metadata({"a": 1})`` sets ``metadata.a`` and keeps every other key; a
dotted key (``"profile.tier"``) updates that nested path only (see
:mod:`.keys` for the rules). Each call is one ``findAndModify`` that also hands
back the values it replaced, so the session's size estimate stays right.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import BaseModel, ValidationError
from pymongo.errors import OperationFailure

from mongodb_session_manager.errors import InvalidInputError, SessionNotFoundError
from mongodb_session_manager.features._base import FeatureBase
from mongodb_session_manager.features.hooks import run_hooked, run_hooked_async
from mongodb_session_manager.features.keys import (
    MAX_UPDATE_BYTES,
    get_path,
    validate_key,
    validate_keys,
    validate_value,
)
from mongodb_session_manager.models import Metadata, utcnow
from mongodb_session_manager.repository.codec import encoded_size

logger = logging.getLogger(__name__)

# Server codes of updates MongoDB refuses for their shape (nothing is written):
# BadValue, PathNotViable, ConflictingUpdateOperators, DollarPrefixed / Empty / Dotted names.
_SHAPE_ERROR_CODES = frozenset({2, 28, 40, 52, 56, 57})

MetadataInput = Mapping[str, Any] | BaseModel


def entry_bytes(name: str, value: Any) -> int:
    """Encoded size of one ``name: value`` element (what it adds to a document)."""
    return encoded_size({name: value}, f"metadata {name!r}") - 5


def measure_paths(previous: Mapping[str, Any], root: str, keys: Iterable[str]) -> int:
    """Bytes of the values found at ``root.<key>`` in a returned pre-image."""
    container = previous.get(root)
    if not isinstance(container, Mapping):
        return 0
    total = 0
    for key in keys:
        segments = key.split(".")
        found, value = get_path(container, segments)
        if found:
            total += entry_bytes(segments[-1], value)
    return total


def shape_error(exc: OperationFailure, what: str) -> InvalidInputError:
    """A server refusal of an update's shape, as the library's typed error."""
    detail = (exc.details or {}).get("errmsg") or str(exc)
    return InvalidInputError(f"MongoDB refused the {what}: {detail}; nothing was written")


class MetadataMixin(FeatureBase):
    """``update_metadata`` / ``get_metadata`` / ``delete_metadata`` and their async twins."""

    metadata_model: type[Metadata] | None = None
    """A :class:`~mongodb_session_manager.Metadata` subclass whose declared fields
    validate updates (set it on a manager instance or a subclass). Undeclared keys
    are accepted as they are."""

    # ------------------------------------------------------------------ update

    def update_metadata(self, metadata: MetadataInput) -> Any:
        """Set the given keys; every other key is kept (one round trip).

        Args:
            metadata: Keys and values to set. A dotted key updates a nested path.
                A :class:`~mongodb_session_manager.Metadata` instance writes the
                fields that were set on it.

        Returns:
            ``None``, or what the metadata hook returned.

        Raises:
            InvalidInputError: A key or value cannot be stored (``$``-leading, empty,
                NUL, overlapping or over-long key; unencodable or oversize value).
            SessionNotFoundError: The session does not exist (any more).
            SessionTooLargeError: The session would exceed its size limit.
        """
        payload = self._prepare_metadata(metadata)
        return run_hooked(
            self.metadata_hook,
            "update",
            self.session_id,
            "metadata",
            payload,
            lambda value: self._run(self._write_metadata(self._prepare_metadata(value))),
            lambda value: self._call(self._write_metadata(self._prepare_metadata(value))),
        )

    async def update_metadata_async(self, metadata: MetadataInput) -> Any:
        """Async twin of :meth:`update_metadata`."""
        payload = self._prepare_metadata(metadata)
        return await run_hooked_async(
            self.metadata_hook,
            "update",
            self.session_id,
            "metadata",
            payload,
            lambda value: self._run(self._write_metadata(self._prepare_metadata(value))),
            lambda value: self._call(self._write_metadata(self._prepare_metadata(value))),
        )

    def _prepare_metadata(self, metadata: Any) -> dict[str, Any]:
        """Validate an update; the returned dict is what gets written."""
        if isinstance(metadata, BaseModel):
            payload = metadata.model_dump(exclude_unset=True)
        elif isinstance(metadata, Mapping):
            payload = dict(metadata)
        else:
            raise InvalidInputError(
                f"metadata must be a dict (or a Metadata model), got {type(metadata).__name__}"
            )
        validate_keys(payload)
        if self.metadata_model is not None:
            payload = _validate_with_model(self.metadata_model, payload)
        for key, value in payload.items():
            validate_value(value, f"metadata[{key!r}]")
        size = encoded_size(payload, "metadata")
        if size > MAX_UPDATE_BYTES:
            raise InvalidInputError(
                f"metadata update is {size} bytes encoded; the limit per update is "
                f"{MAX_UPDATE_BYTES} bytes. Nothing was written"
            )
        return payload

    async def _write_metadata(self, payload: dict[str, Any]) -> None:
        if not payload:
            return
        update: dict[str, Any] = {
            "$set": {**{f"metadata.{k}": v for k, v in payload.items()}, "updated_at": utcnow()}
        }
        added = sum(entry_bytes(key.rsplit(".", 1)[-1], value) for key, value in payload.items())
        try:
            await self._sized_write(
                None,
                {},
                update,
                added,
                {f"metadata.{key}": 1 for key in payload},
                lambda previous: measure_paths(previous, "metadata", payload),
            )
        except OperationFailure as exc:
            if exc.code in _SHAPE_ERROR_CODES:
                raise shape_error(exc, "metadata update") from exc
            raise
        logger.info(
            "metadata.updated | session_id=%s keys=%s", self.session_id, sorted(payload)[:20]
        )

    # ------------------------------------------------------------------ get

    def get_metadata(self, keys: Iterable[str] | str | None = None) -> Any:
        """The session's metadata as the reference library returned it (one read).

        Args:
            keys: Only these keys (dotted paths allowed); all when ``None``.

        Returns:
            ``{"_id": session_id, "metadata": {...}}`` (nested as stored), ``None``
            when the session does not exist, or what the metadata hook returned.
            For a typed value use :meth:`get_session_metadata`.
        """
        selected = _key_list(keys)
        return run_hooked(
            self.metadata_hook,
            "get",
            self.session_id,
            "keys",
            selected,
            lambda value: self._run(self._read_metadata_document(_key_list(value))),
            lambda value: self._call(self._read_metadata_document(_key_list(value))),
        )

    async def get_metadata_async(self, keys: Iterable[str] | str | None = None) -> Any:
        """Async twin of :meth:`get_metadata`."""
        selected = _key_list(keys)
        return await run_hooked_async(
            self.metadata_hook,
            "get",
            self.session_id,
            "keys",
            selected,
            lambda value: self._run(self._read_metadata_document(_key_list(value))),
            lambda value: self._call(self._read_metadata_document(_key_list(value))),
        )

    def get_session_metadata(self, keys: Iterable[str] | str | None = None) -> Metadata:
        """The session's metadata as a typed model (``metadata_model``, else :class:`Metadata`).

        Goes through the metadata hook like :meth:`get_metadata`; ``.model_dump()``
        gives the plain dict.

        Raises:
            SessionNotFoundError: The session does not exist (any more).
        """
        return self._typed_metadata(self.get_metadata(keys))

    async def get_session_metadata_async(self, keys: Iterable[str] | str | None = None) -> Metadata:
        """Async twin of :meth:`get_session_metadata`."""
        return self._typed_metadata(await self.get_metadata_async(keys))

    def _typed_metadata(self, found: Any) -> Metadata:
        if found is None:
            raise SessionNotFoundError(self.session_id)
        values = found.get("metadata", found) if isinstance(found, Mapping) else found
        if isinstance(values, Metadata):
            return values
        if not isinstance(values, Mapping):
            raise InvalidInputError(
                f"the metadata hook returned {type(found).__name__}; expected "
                '{"_id": ..., "metadata": {...}}'
            )
        model = self.metadata_model or Metadata
        try:
            return model.model_validate(dict(values))
        except ValidationError:
            # A partial read (some keys) may lack required fields: keep the values as stored.
            return model.model_construct(**dict(values))

    async def _read_metadata_document(self, keys: list[str] | None) -> dict[str, Any] | None:
        projection: dict[str, Any] = {"metadata": 1}
        if keys is not None:
            projection = {f"metadata.{key}": 1 for key in keys} if keys else {"_id": 1}
        raw = await self._repo._collection().find_one({"_id": self.session_id}, projection)
        if raw is None:
            return None
        return {"_id": self.session_id, "metadata": dict(raw.get("metadata") or {})}

    async def _read_metadata(self, keys: list[str] | None) -> dict[str, Any]:
        """The metadata dict; SessionNotFoundError if the session is gone."""
        document = await self._read_metadata_document(keys)
        if document is None:
            raise SessionNotFoundError(self.session_id)
        metadata: dict[str, Any] = document["metadata"]
        return metadata

    # ------------------------------------------------------------------ delete

    def delete_metadata(self, keys: Iterable[str] | str) -> Any:
        """Remove the given keys (dotted paths remove nested fields); one round trip.

        Keys that are not there are ignored.

        Raises:
            InvalidInputError: A key is not a valid metadata key.
            SessionNotFoundError: The session does not exist (any more).
        """
        selected = _key_list(keys) or []
        return run_hooked(
            self.metadata_hook,
            "delete",
            self.session_id,
            "keys",
            selected,
            lambda value: self._run(self._delete_metadata(_key_list(value) or [])),
            lambda value: self._call(self._delete_metadata(_key_list(value) or [])),
        )

    async def delete_metadata_async(self, keys: Iterable[str] | str) -> Any:
        """Async twin of :meth:`delete_metadata`."""
        selected = _key_list(keys) or []
        return await run_hooked_async(
            self.metadata_hook,
            "delete",
            self.session_id,
            "keys",
            selected,
            lambda value: self._run(self._delete_metadata(_key_list(value) or [])),
            lambda value: self._call(self._delete_metadata(_key_list(value) or [])),
        )

    async def _delete_metadata(self, keys: list[str]) -> None:
        if not keys:
            return
        update: dict[str, Any] = {
            "$unset": {f"metadata.{key}": "" for key in keys},
            "$set": {"updated_at": utcnow()},
        }
        try:
            await self._sized_write(
                None,
                {},
                update,
                0,
                {f"metadata.{key}": 1 for key in keys},
                lambda previous: measure_paths(previous, "metadata", keys),
            )
        except OperationFailure as exc:
            if exc.code in _SHAPE_ERROR_CODES:
                raise shape_error(exc, "metadata delete") from exc
            raise
        logger.info("metadata.deleted | session_id=%s keys=%s", self.session_id, keys[:20])


def _key_list(keys: Iterable[str] | str | None) -> list[str] | None:
    """Validated keys (a single str is one key); ``None`` stays ``None``."""
    if keys is None:
        return None
    if isinstance(keys, str):
        keys = [keys]
    elif isinstance(keys, Mapping) or not isinstance(keys, Iterable):
        raise InvalidInputError(f"keys must be a list of str, got {type(keys).__name__}")
    return validate_keys(keys)


def _validate_with_model(model: type[Metadata], payload: dict[str, Any]) -> dict[str, Any]:
    """Validate the declared fields named in a partial update against ``model``."""
    declared = model.model_fields
    checked = dict(payload)
    for key, value in payload.items():
        head, *rest = validate_key(key)
        if head not in declared:
            continue
        if rest:
            raise InvalidInputError(
                f"metadata key {key!r} reaches inside {head!r}, a field declared by "
                f"{model.__name__}; set {head!r} whole so it can be validated"
            )
        instance = model.model_construct()
        try:
            model.__pydantic_validator__.validate_assignment(instance, head, value)
        except ValidationError as exc:
            error = exc.errors()[0]
            raise InvalidInputError(
                f"metadata[{head!r}] is invalid for {model.__name__}: {error['msg']}"
            ) from exc
        checked[key] = instance.model_dump(include={head})[head]
    return checked
