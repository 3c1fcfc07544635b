"""``manage_metadata``: a Strands tool through which an agent reads and writes session metadata.

The tool goes through the manager's public methods (:class:`MetadataAccess`),
so validation, hooks and the one-round-trip writes all apply. What the agent may
touch is restricted by allow-lists (``readable_keys`` / ``writable_keys``) and a deny-list
(``protected_keys``), so an LLM cannot overwrite fields the application owns.
Every call returns the reference library's text (``"All metadata: {...}"``,
``"Successfully updated metadata fields: [...]"``, ``"Error: ..."``), which is
what code calling the tool directly and the model both read; the tool never raises.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable, Mapping
from typing import Any, Protocol

from strands import ToolContext, tool
from strands.tools.decorator import DecoratedFunctionTool

from mongodb_session_manager.errors import InvalidInputError, SessionManagerError
from mongodb_session_manager.models.keys import get_path, validate_key

__all__ = ["TOOL_NAME", "KeyPolicy", "MetadataAccess", "metadata_tool"]

logger = logging.getLogger(__name__)

TOOL_NAME = "manage_metadata"
_ACTIONS = {"get": "get", "set": "set", "update": "set", "delete": "delete"}


class KeyPolicy:
    """Which metadata keys an agent may read and write.

    A key is covered by an entry when it equals the entry or lies under it
    (``"prefs"`` covers ``"prefs.theme"``). Writing a key is refused when it is
    protected, when it lies under a protected key, or when it would replace a
    parent of one (writing ``"billing"`` whole when ``"billing.plan"`` is protected).
    """

    def __init__(
        self,
        readable: Iterable[str] | None,
        writable: Iterable[str] | None,
        protected: Iterable[str] | None,
    ) -> None:
        self.readable = _key_set(readable, "readable_keys")
        self.writable = _key_set(writable, "writable_keys")
        self.protected = _key_set(protected, "protected_keys") or frozenset()

    def can_read(self, key: str) -> bool:
        """Whether the agent may read ``key``."""
        return self.readable is None or _covered(key, self.readable)

    def can_write(self, key: str) -> bool:
        """Whether the agent may set or delete ``key``."""
        if self.writable is not None and not _covered(key, self.writable):
            return False
        if _covered(key, self.protected):
            return False
        return not any(p.startswith(key + ".") for p in self.protected)

    def readable_roots(self) -> list[str] | None:
        """The readable entries without those already under another (for one projection)."""
        if self.readable is None:
            return None
        return sorted(k for k in self.readable if not _covered(k, self.readable - {k}))


def _covered(key: str, entries: frozenset[str]) -> bool:
    parts = key.split(".")
    return any(".".join(parts[:n]) in entries for n in range(1, len(parts) + 1))


def _key_set(keys: Iterable[str] | None, what: str) -> frozenset[str] | None:
    if keys is None:
        return None
    if isinstance(keys, str):
        keys = [keys]
    return frozenset(".".join(validate_key(k, f"{what} entry")) for k in keys)


def _parse_metadata(value: Any) -> dict[str, Any]:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise InvalidInputError(
                f"metadata must be a JSON object, could not parse it: {exc.msg}"
            ) from exc
    if not isinstance(value, Mapping):
        raise InvalidInputError(
            'metadata must be an object of key -> value, e.g. {"language": "es"}'
        )
    return dict(value)


def _parse_keys(value: Any) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        text = value.strip()
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            value = [part.strip() for part in text.split(",") if part.strip()]
        if isinstance(value, str):
            value = [value]
    if not isinstance(value, list | tuple) or not all(isinstance(k, str) for k in value):
        raise InvalidInputError('keys must be a list of key names, e.g. ["language"]')
    return list(value)


def _json(value: Any) -> str:
    return json.dumps(value, default=str, ensure_ascii=False)


class _ToolRefusal(InvalidInputError):
    """A refusal the tool reports with the reference's exact text (no prefix)."""


class MetadataAccess(Protocol):
    """The metadata methods the tool calls (a manager's, so validation and hooks apply)."""

    session_id: str

    def get_metadata(self, keys: Iterable[str] | str | None = None) -> Any:
        """``{"_id", "metadata"}`` of the session (or what the hook returned)."""
        ...

    def update_metadata(self, metadata: Any) -> Any:
        """Set these keys."""
        ...

    def delete_metadata(self, keys: Iterable[str] | str) -> Any:
        """Remove these keys."""
        ...


def metadata_tool(
    target: MetadataAccess,
    readable_keys: Iterable[str] | None = None,
    writable_keys: Iterable[str] | None = None,
    protected_keys: Iterable[str] | None = None,
    *,
    allow_delete: bool = True,
) -> DecoratedFunctionTool[..., Any]:
    """A Strands tool named ``manage_metadata`` reading and writing ``target``'s metadata.

    See the manager's ``get_metadata_tool`` for the arguments and the texts it returns.
    """
    policy = KeyPolicy(readable_keys, writable_keys, protected_keys)

    def manage_metadata(
        action: str,
        metadata: dict[str, Any] | str | None = None,
        keys: list[str] | str | None = None,
        tool_context: ToolContext | None = None,
    ) -> Any:
        """Read or change facts stored with this conversation (its metadata).

        Args:
            action: "get" reads all metadata, or only `keys`; "set" (or "update")
                stores the entries of `metadata` and keeps all other keys;
                "delete" removes `keys`.
            metadata: For "set": an object of key -> value, e.g. {"language": "es"}.
                A dotted key such as "profile.city" sets one nested field.
            keys: For "get" and "delete": a list of key names, e.g. ["language"].
            tool_context: Given by Strands when an agent calls the tool (not in its spec).
        """
        text, failed = _answer(target, policy, allow_delete, action, metadata, keys)
        if tool_context is None:  # called directly: the reference library's string
            return text
        # Called by an agent: the same text, and a failure is a tool error the model sees.
        return {"status": "error" if failed else "success", "content": [{"text": text}]}

    return tool(name=TOOL_NAME, context=True)(manage_metadata)


def _answer(
    target: MetadataAccess,
    policy: KeyPolicy,
    allow_delete: bool,
    action: str,
    metadata: Any,
    keys: Any,
) -> tuple[str, bool]:
    """The tool's text and whether it is an error; never raises."""
    try:
        return _run(target, policy, allow_delete, action, metadata, keys), False
    except _ToolRefusal as exc:
        return str(exc), True
    except (SessionManagerError, ValueError, TypeError) as exc:
        logger.info(
            "metadata_tool.refused | session_id=%s action=%s error=%s",
            target.session_id,
            action,
            exc,
        )
        return f"Error managing metadata: {exc}", True
    except Exception as exc:
        logger.exception(
            "metadata_tool.failed | session_id=%s action=%s", target.session_id, action
        )
        return f"Error managing metadata: {type(exc).__name__}: {exc}", True


def _run(
    target: MetadataAccess,
    policy: KeyPolicy,
    allow_delete: bool,
    action: str,
    metadata: Any,
    keys: Any,
) -> str:
    verb = _ACTIONS.get(str(action).strip().lower())
    if verb is None or (verb == "delete" and not allow_delete):
        offered = (
            "'get', 'set', 'update', or 'delete'" if allow_delete else "'get', 'set', or 'update'"
        )
        raise _ToolRefusal(f"Error: Unknown action '{action}'. Use {offered}")
    if verb == "get":
        return _get(target, policy, keys)
    if verb == "set":
        return _set(target, policy, metadata)
    return _delete(target, policy, keys)


def _get(target: MetadataAccess, policy: KeyPolicy, keys: Any) -> str:
    requested = _parse_keys(keys)
    if requested is None:
        stored = _metadata_of(target.get_metadata(policy.readable_roots()))
        return f"All metadata: {_json(stored)}" if stored else "No metadata stored in session"
    denied = [k for k in requested if not policy.can_read(k)]
    if denied:
        raise InvalidInputError(f"not allowed to read: {', '.join(denied)}")
    stored = _metadata_of(target.get_metadata(requested))
    found = {}
    for key in requested:
        present, value = get_path(stored, key.split("."))
        if present:
            found[key] = value
    if not found:
        return f"No metadata found for keys: {requested}"
    return f"Metadata retrieved: {_json(found)}"


def _set(target: MetadataAccess, policy: KeyPolicy, metadata: Any) -> str:
    if metadata is None or metadata == {} or metadata == "":
        raise _ToolRefusal("Error: metadata dictionary required for set/update action")
    values = _parse_metadata(metadata)
    denied = [k for k in values if not policy.can_write(k)]
    if denied:
        raise InvalidInputError(f"not allowed to write: {', '.join(denied)}")
    target.update_metadata(values)
    return f"Successfully updated metadata fields: {list(values)}"


def _delete(target: MetadataAccess, policy: KeyPolicy, keys: Any) -> str:
    requested = _parse_keys(keys)
    if not requested:
        raise _ToolRefusal("Error: keys list required for delete action")
    denied = [k for k in requested if not policy.can_write(k)]
    if denied:
        raise InvalidInputError(f"not allowed to delete: {', '.join(denied)}")
    target.delete_metadata(requested)
    return f"Successfully deleted metadata fields: {requested}"


def _metadata_of(found: Any) -> dict[str, Any]:
    """The metadata dict out of what ``get_metadata`` (or its hook) returned."""
    if isinstance(found, Mapping):
        inner = found.get("metadata", {})
        return dict(inner) if isinstance(inner, Mapping) else {}
    return {}
