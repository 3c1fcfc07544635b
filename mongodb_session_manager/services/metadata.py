"""Session metadata: partial updates, reads, deletes; one round trip each.

``update({"a": 1})`` sets ``metadata.a`` and keeps every other key; a dotted key
(``"profile.tier"``) updates that nested path only (see
:mod:`mongodb_session_manager.features.keys` for the rules). Each write is one
``findAndModify`` that also hands back the values it replaced, so the session's
size estimate stays right (:class:`~.SizedWrites`).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Coroutine, Iterable, Mapping
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from mongodb_session_manager.errors import InvalidInputError, SessionNotFoundError
from mongodb_session_manager.models import Metadata, utcnow
from mongodb_session_manager.models.keys import (
    MAX_UPDATE_BYTES,
    get_path,
    validate_key,
    validate_keys,
    validate_value,
)
from mongodb_session_manager.services._sized import SizedService
from mongodb_session_manager.services.hooks import (
    Hook,
    operation_forms,
    run_hooked,
    run_hooked_async,
)
from mongodb_session_manager.store.codec import encoded_size
from mongodb_session_manager.store.failures import shape_error as shape_error

__all__ = [
    "MetadataInput",
    "MetadataService",
    "entry_bytes",
    "key_list",
    "measure_paths",
    "prepare_metadata",
    "shape_error",
    "typed_metadata",
]

logger = logging.getLogger(__name__)

T = TypeVar("T")

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


def key_list(keys: Iterable[str] | str | None) -> list[str] | None:
    """Validated keys (a single str is one key); ``None`` stays ``None``."""
    if keys is None:
        return None
    if isinstance(keys, str):
        keys = [keys]
    elif isinstance(keys, Mapping) or not isinstance(keys, Iterable):
        raise InvalidInputError(f"keys must be a list of str, got {type(keys).__name__}")
    return validate_keys(keys)


def prepare_metadata(metadata: Any, model: type[Metadata] | None = None) -> dict[str, Any]:
    """Validate an update; the returned dict is what gets written.

    Raises:
        InvalidInputError: Not a dict / Metadata, a bad key or value, or over the
            per-update size limit.
    """
    if isinstance(metadata, BaseModel):
        payload = metadata.model_dump(exclude_unset=True)
    elif isinstance(metadata, Mapping):
        payload = dict(metadata)
    else:
        raise InvalidInputError(
            f"metadata must be a dict (or a Metadata model), got {type(metadata).__name__}"
        )
    validate_keys(payload)
    if model is not None:
        payload = _validate_with_model(model, payload)
    for key, value in payload.items():
        validate_value(value, f"metadata[{key!r}]")
    size = encoded_size(payload, "metadata")
    if size > MAX_UPDATE_BYTES:
        raise InvalidInputError(
            f"metadata update is {size} bytes encoded; the limit per update is "
            f"{MAX_UPDATE_BYTES} bytes. Nothing was written"
        )
    return payload


def typed_metadata(found: Any, model: type[Metadata] | None, session_id: str) -> Metadata:
    """What ``get`` returned (or its hook) as a typed model (``model``, else Metadata).

    Raises:
        SessionNotFoundError: ``found`` is ``None`` (no session).
        InvalidInputError: The hook returned something that is not metadata.
    """
    if found is None:
        raise SessionNotFoundError(session_id)
    values = found.get("metadata", found) if isinstance(found, Mapping) else found
    if isinstance(values, Metadata):
        return values
    if not isinstance(values, Mapping):
        raise InvalidInputError(
            f"the metadata hook returned {type(found).__name__}; expected "
            '{"_id": ..., "metadata": {...}}'
        )
    model = model or Metadata
    try:
        return model.model_validate(dict(values))
    except ValidationError:
        # A partial read (some keys) may lack required fields: keep the values as stored.
        return model.model_construct(**dict(values))


class MetadataService(SizedService):
    """Metadata of one session: the writes and reads, and their hooked forms.

    Args:
        sizes: The session's sized writes (shared with the configuration service).
    """

    def _forms(
        self, op: Callable[[Any], Coroutine[Any, Any, T]]
    ) -> tuple[Callable[[Any], T], Callable[[Any], Awaitable[T]]]:
        """The blocking and awaitable forms of ``op`` (what a hook's ``original_func`` runs)."""
        return operation_forms(self.runner, op)

    # ------------------------------------------------------------------ hooked operations

    def update(
        self, metadata: MetadataInput, *, hook: Hook | None, model: type[Metadata] | None
    ) -> Any:
        """Set the given keys through ``hook`` (blocking); see the manager's method."""
        payload = prepare_metadata(metadata, model)
        forms = self._forms(lambda value: self.write(prepare_metadata(value, model)))
        return run_hooked(hook, "update", self.session_id, "metadata", payload, *forms)

    async def update_async(
        self, metadata: MetadataInput, *, hook: Hook | None, model: type[Metadata] | None
    ) -> Any:
        """Async form of :meth:`update`."""
        payload = prepare_metadata(metadata, model)
        forms = self._forms(lambda value: self.write(prepare_metadata(value, model)))
        return await run_hooked_async(hook, "update", self.session_id, "metadata", payload, *forms)

    def get(self, keys: Iterable[str] | str | None, *, hook: Hook | None) -> Any:
        """The metadata document through ``hook`` (blocking); see the manager's method."""
        forms = self._forms(lambda value: self.read_document(key_list(value)))
        return run_hooked(hook, "get", self.session_id, "keys", key_list(keys), *forms)

    async def get_async(self, keys: Iterable[str] | str | None, *, hook: Hook | None) -> Any:
        """Async form of :meth:`get`."""
        forms = self._forms(lambda value: self.read_document(key_list(value)))
        return await run_hooked_async(hook, "get", self.session_id, "keys", key_list(keys), *forms)

    def delete(self, keys: Iterable[str] | str, *, hook: Hook | None) -> Any:
        """Remove keys through ``hook`` (blocking); see the manager's method."""
        forms = self._forms(lambda value: self.remove(key_list(value) or []))
        return run_hooked(hook, "delete", self.session_id, "keys", key_list(keys) or [], *forms)

    async def delete_async(self, keys: Iterable[str] | str, *, hook: Hook | None) -> Any:
        """Async form of :meth:`delete`."""
        forms = self._forms(lambda value: self.remove(key_list(value) or []))
        selected = key_list(keys) or []
        return await run_hooked_async(hook, "delete", self.session_id, "keys", selected, *forms)

    # ------------------------------------------------------------------ store-loop coroutines

    async def write(self, payload: dict[str, Any]) -> None:
        """Set ``payload`` (validated keys and values) in one guarded write."""
        if not payload:
            return
        update: dict[str, Any] = {
            "$set": {**{f"metadata.{k}": v for k, v in payload.items()}, "updated_at": utcnow()}
        }
        added = sum(entry_bytes(key.rsplit(".", 1)[-1], value) for key, value in payload.items())
        await self._guarded(update, added, list(payload))
        logger.info(
            "metadata.updated | session_id=%s keys=%s", self.session_id, sorted(payload)[:20]
        )

    async def _guarded(self, update: dict[str, Any], added: int, keys: list[str]) -> None:
        """One sized write of ``update`` touching ``metadata.<key>``."""
        await self.sizes.write(
            None,
            {},
            update,
            added,
            {f"metadata.{key}": 1 for key in keys},
            lambda previous: measure_paths(previous, "metadata", keys),
        )

    async def read_document(self, keys: list[str] | None) -> dict[str, Any] | None:
        """``{"_id", "metadata"}`` with only ``keys`` (all if ``None``); ``None``: no session."""
        projection: dict[str, Any] = {"metadata": 1}
        if keys is not None:
            projection = {f"metadata.{key}": 1 for key in keys} if keys else {"_id": 1}
        raw = await self.sizes.access.read_fields(self.session_id, projection)
        if raw is None:
            return None
        return {"_id": self.session_id, "metadata": dict(raw.get("metadata") or {})}

    async def read(self, keys: list[str] | None = None) -> dict[str, Any]:
        """The metadata dict.

        Raises:
            SessionNotFoundError: The session does not exist (any more).
        """
        document = await self.read_document(keys)
        if document is None:
            raise SessionNotFoundError(self.session_id)
        metadata: dict[str, Any] = document["metadata"]
        return metadata

    async def remove(self, keys: list[str]) -> None:
        """Unset ``keys`` (validated) in one guarded write."""
        if not keys:
            return
        update: dict[str, Any] = {
            "$unset": {f"metadata.{key}": "" for key in keys},
            "$set": {"updated_at": utcnow()},
        }
        await self._guarded(update, 0, keys)
        logger.info("metadata.deleted | session_id=%s keys=%s", self.session_id, keys[:20])


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
