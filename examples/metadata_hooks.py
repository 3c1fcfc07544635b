"""Metadata hooks: audit, validation and caching, alone and chained, plus the metadata tool.

A metadata hook wraps every metadata operation of a manager::

    def hook(original_func, action, session_id, **kwargs):   # action: update / get / delete
        ...                                                   # audit, validate, enrich, cache
        return original_func(...)                             # let the operation happen

Runs offline: an embedded MongoDB-compatible server (unless MONGODB_URI is set)
and a scripted model (no API key)::

    uv run python examples/metadata_hooks.py
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from _support import database, model
from strands import Agent

from mongodb_session_manager import MongoDBSessionManager
from mongodb_session_manager.features import chain_hooks

DATABASE = "examples"
SESSION = "metadata-hooks-demo"
audit_log: list[str] = []


def audit_hook(original: Callable[..., Any], action: str, session_id: str, **kwargs: Any) -> Any:
    """Audit: record who touched what, then let the operation happen unchanged."""
    detail = kwargs.get("metadata") or kwargs.get("keys") or ""
    audit_log.append(f"{datetime.now(UTC):%H:%M:%S} {action} {session_id} {detail}")
    print(f"  [audit] {action} {detail}")
    return original()


ALLOWED_PRIORITIES = {"low", "normal", "high"}


def validation_hook(
    original: Callable[..., Any], action: str, session_id: str, **kwargs: Any
) -> Any:
    """Validation: refuse bad values (raise) and enrich good ones before they are stored."""
    if action == "update":
        metadata = dict(kwargs["metadata"])
        priority = metadata.get("priority")
        if priority is not None and priority not in ALLOWED_PRIORITIES:
            raise ValueError(f"priority must be one of {sorted(ALLOWED_PRIORITIES)}")
        metadata["last_modified_by"] = "support-app"
        return original(metadata)
    if action == "delete" and "customer_id" in kwargs["keys"]:
        raise PermissionError("customer_id is owned by the CRM and cannot be deleted here")
    return original()


class CachingHook:
    """Caching: answer whole-metadata reads from memory; any write invalidates."""

    def __init__(self) -> None:
        self.cache: dict[str, dict[str, Any]] = {}
        self.database_reads = 0

    def __call__(
        self, original: Callable[..., Any], action: str, session_id: str, **kwargs: Any
    ) -> Any:
        if action == "get" and "keys" not in kwargs:
            if session_id not in self.cache:
                self.database_reads += 1
                self.cache[session_id] = original()
            return dict(self.cache[session_id])
        self.cache.pop(session_id, None)
        return original()


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    with database() as uri:
        MongoDBSessionManager(SESSION, uri, DATABASE).repository.delete_session(SESSION)

        print("1. Audit hook")
        manager = MongoDBSessionManager(SESSION, uri, DATABASE, metadata_hook=audit_hook)
        manager.update_metadata({"customer_id": "c-42", "priority": "normal"})
        print(f"  metadata: {manager.get_session_metadata().model_dump()}")
        manager.close()

        print("2. Validation hook")
        manager = MongoDBSessionManager(SESSION, uri, DATABASE, metadata_hook=validation_hook)
        manager.update_metadata({"priority": "high"})
        for attempt in (
            lambda: manager.update_metadata({"priority": "urgent!!"}),
            lambda: manager.delete_metadata(["customer_id"]),
        ):
            try:
                attempt()
            except (ValueError, PermissionError) as exc:
                print(f"  refused: {exc}")
        print(f"  stored: {manager.get_session_metadata().model_dump()}")
        manager.close()

        print("3. Caching hook")
        cache = CachingHook()
        manager = MongoDBSessionManager(SESSION, uri, DATABASE, metadata_hook=cache)
        for _ in range(3):
            manager.get_metadata()
        manager.update_metadata({"priority": "low"})
        priority = manager.get_session_metadata().model_dump()["priority"]
        print(f"  4 reads, {cache.database_reads} from MongoDB; priority after update: {priority}")
        manager.close()

        print("4. All three chained, with an agent using the manage_metadata tool")
        cache = CachingHook()
        manager = MongoDBSessionManager(
            SESSION, uri, DATABASE, metadata_hook=chain_hooks(audit_hook, validation_hook, cache)
        )
        tool = manager.get_metadata_tool(protected_keys=["customer_id"])
        scripted = model(
            [
                {
                    "tool": "manage_metadata",
                    "input": {"action": "set", "metadata": {"language": "es"}},
                },
                {
                    "tool": "manage_metadata",
                    "input": {"action": "set", "metadata": {"priority": "???"}},
                },
                "Anotado: responderé en español.",
            ]
        )
        agent = Agent(model=scripted, tools=[tool], session_manager=manager, callback_handler=None)
        print(f"  agent: {agent('Please answer in Spanish.')}".rstrip())
        for message in agent.messages:
            for block in message["content"]:
                if "toolResult" in block:
                    result = block["toolResult"]
                    print(f"  tool {result['status']}: {result['content'][0]['text']}")
        print(f"  final metadata: {manager.get_session_metadata().model_dump()}")
        print(f"  audit entries: {len(audit_log)}")
        manager.close()


if __name__ == "__main__":
    main()
