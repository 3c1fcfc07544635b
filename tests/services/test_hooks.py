"""Metadata and feedback hooks: audit, refuse, enrich, cache; sync, async and camelCase."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

import pytest

from mongodb_session_manager import (
    InvalidInputError,
    MongoDBSessionManager,
    MongoDBSessionManagerFactory,
)
from tests.helpers.types import MakeManager as Make
from tests.helpers.types import ReadRaw as Raw


def test_audit_hook_sees_every_metadata_operation(new_manager: Make) -> None:
    calls: list[tuple[str, str, dict[str, Any]]] = []

    def audit(original: Callable[..., Any], action: str, session_id: str, **kwargs: Any) -> Any:
        calls.append((action, session_id, kwargs))
        if action == "update":
            return original(kwargs["metadata"])
        if action == "delete":
            return original(kwargs["keys"])
        return original()

    manager = new_manager(metadata_hook=audit)
    manager.update_metadata({"a": 1, "b": 2})
    assert manager.get_metadata()["metadata"] == {"a": 1, "b": 2}
    assert manager.get_metadata(["a"])["metadata"] == {"a": 1}
    manager.delete_metadata(["b"])
    assert calls == [
        ("update", "session-1", {"metadata": {"a": 1, "b": 2}}),
        ("get", "session-1", {}),
        ("get", "session-1", {"keys": ["a"]}),
        ("delete", "session-1", {"keys": ["b"]}),
    ]
    assert new_manager().get_metadata()["metadata"] == {"a": 1}


def test_a_hook_that_refuses_leaves_the_data_unchanged(new_manager: Make, raw: Raw) -> None:
    def no_pii(original: Callable[..., Any], action: str, session_id: str, **kwargs: Any) -> Any:
        if action == "update" and "email" in kwargs["metadata"]:
            raise PermissionError("no personal data in metadata")
        return original()

    manager = new_manager(metadata_hook=no_pii)
    manager.update_metadata({"plan": "pro"})
    before = raw("session-1")
    with pytest.raises(PermissionError):
        manager.update_metadata({"email": "ana@example.com", "plan": "free"})
    assert raw("session-1") == before


def test_an_enriching_hook_is_validated_again(new_manager: Make, raw: Raw) -> None:
    def enrich(original: Callable[..., Any], action: str, session_id: str, **kwargs: Any) -> Any:
        if action == "update":
            return original({**kwargs["metadata"], **kwargs["metadata"].get("_extra", {})})
        return original()

    manager = new_manager(metadata_hook=enrich)
    manager.update_metadata({"a": 1, "_extra": {"by": "hook"}})
    assert manager.get_metadata()["metadata"]["by"] == "hook"
    before = raw("session-1")
    with pytest.raises(InvalidInputError):
        manager.update_metadata({"_extra": {"ok": 1}, "x": {"$bad": 1}})
    # the hook smuggles a key only it adds: still refused inside original_func
    with pytest.raises(InvalidInputError, match="may not start with"):
        manager.update_metadata({"_extra": {"$where": "1"}})
    assert raw("session-1") == before


def test_a_caching_hook_can_answer_get_without_the_database(
    new_manager: Make, factory: MongoDBSessionManagerFactory
) -> None:
    cache: dict[str, Any] = {}
    reads: list[str] = []

    def caching(original: Callable[..., Any], action: str, session_id: str, **kwargs: Any) -> Any:
        if action == "get" and "keys" not in kwargs:
            if session_id not in cache:
                reads.append(session_id)
                cache[session_id] = original()
            return dict(cache[session_id])
        cache.pop(session_id, None)  # any write invalidates
        return original()

    manager = new_manager(metadata_hook=caching)
    manager.update_metadata({"a": 1})
    assert manager.get_metadata()["metadata"] == {"a": 1}
    assert manager.get_metadata()["metadata"] == {"a": 1}
    manager.update_metadata({"a": 2})
    assert manager.get_metadata()["metadata"] == {"a": 2}
    assert reads == ["session-1", "session-1"]


def test_original_func_takes_its_argument_by_name_and_refuses_others(new_manager: Make) -> None:
    seen: list[Any] = []

    def hook(original: Callable[..., Any], action: str, session_id: str, **kwargs: Any) -> Any:
        if action == "update":
            with pytest.raises(TypeError, match="one argument"):
                original({"a": 1}, {"b": 2})
            return original(metadata={"named": True})
        seen.append(original(keys=["named"]))
        return seen[-1]

    manager = new_manager(metadata_hook=hook)
    manager.update_metadata({"ignored": True})
    assert manager.get_metadata()["metadata"] == {"named": True}


def test_feedback_hook_sees_validated_feedback_and_can_refuse(new_manager: Make) -> None:
    seen: list[dict[str, Any]] = []

    def moderation(
        original: Callable[..., Any], action: str, session_id: str, **kwargs: Any
    ) -> Any:
        assert action == "add"
        seen.append(kwargs["feedback"])
        if "spam" in kwargs["feedback"]["comment"]:
            raise ValueError("spam")
        return original(kwargs["feedback"])

    manager = new_manager(feedback_hook=moderation)
    stored = manager.add_feedback({"rating": "down", "comment": "slow answer"})
    assert stored.rating == "down"
    assert seen[0]["rating"] == "down"
    assert seen[0]["created_at"] is not None  # hooks get the validated, timestamped record
    with pytest.raises(ValueError, match="spam"):
        manager.add_feedback({"rating": None, "comment": "buy spam"})
    with pytest.raises(InvalidInputError):  # invalid feedback never reaches the hook
        manager.add_feedback({"rating": "meh"})
    assert len(seen) == 2
    assert [f.comment for f in manager.get_feedbacks()] == ["slow answer"]


def test_camel_case_hooks_still_work_with_a_deprecation_warning(
    factory: MongoDBSessionManagerFactory,
) -> None:
    actions: list[str] = []

    def hook(original: Callable[..., Any], action: str, session_id: str, **kwargs: Any) -> Any:
        actions.append(action)
        return original()

    with pytest.warns(DeprecationWarning, match="metadataHook"):
        manager = MongoDBSessionManager("camel", repository=factory.repository, metadataHook=hook)
    with pytest.warns(DeprecationWarning, match="feedbackHook"):
        other = MongoDBSessionManager("camel", repository=factory.repository, feedbackHook=hook)
    manager.update_metadata({"a": 1})
    other.add_feedback({"rating": "up"})
    assert actions == ["update", "add"]


async def test_async_twins_run_a_sync_hook_in_a_worker_thread(new_manager: Make) -> None:
    threads: list[threading.Thread] = []

    def hook(original: Callable[..., Any], action: str, session_id: str, **kwargs: Any) -> Any:
        threads.append(threading.current_thread())
        return original()

    manager = new_manager("async-hooks", metadata_hook=hook, feedback_hook=hook)
    ticks = 0

    async def ticker() -> None:
        nonlocal ticks
        while True:
            ticks += 1
            await asyncio.sleep(0)

    task = asyncio.create_task(ticker())
    await manager.update_metadata_async({"a": 1})
    assert (await manager.get_metadata_async())["metadata"] == {"a": 1}
    await manager.delete_metadata_async(["a"])
    await manager.add_feedback_async({"rating": "up"})
    task.cancel()
    assert len(threads) == 4
    assert threading.current_thread() not in threads  # the app loop's thread never ran a hook
    assert ticks > 0  # the loop kept running meanwhile
    assert manager.get_metadata()["metadata"] == {}


async def test_async_hooks_are_awaited_with_an_async_original(new_manager: Make) -> None:
    actions: list[str] = []

    async def hook(
        original: Callable[..., Any], action: str, session_id: str, **kwargs: Any
    ) -> Any:
        actions.append(action)
        await asyncio.sleep(0)
        return await original()

    manager = new_manager("async-hook-2", metadata_hook=hook, feedback_hook=hook)
    await manager.update_metadata_async({"a": 1})
    assert (await manager.get_metadata_async())["metadata"] == {"a": 1}
    await manager.add_feedback_async({"rating": "down", "comment": "x"})
    # the sync forms run the async hook to completion too
    manager.update_metadata({"b": 2})
    assert manager.get_metadata()["metadata"] == {"a": 1, "b": 2}
    assert actions == ["update", "get", "add", "update", "get"]


def test_sync_forms_run_an_async_hook_without_a_running_loop(new_manager: Make) -> None:
    async def hook(
        original: Callable[..., Any], action: str, session_id: str, **kwargs: Any
    ) -> Any:
        return await original()

    manager = new_manager(metadata_hook=hook)
    manager.update_metadata({"z": 26})
    assert manager.get_metadata()["metadata"] == {"z": 26}


def test_chained_hooks_wrap_each_other_in_order(new_manager: Make) -> None:
    from mongodb_session_manager.features import chain_hooks

    order: list[str] = []

    def outer(original: Callable[..., Any], action: str, session_id: str, **kwargs: Any) -> Any:
        order.append(f"outer:{action}")
        if action == "update":  # enrich, then let the next hook see the enriched value
            return original({**kwargs["metadata"], "by": "outer"})
        return original()

    def inner(original: Callable[..., Any], action: str, session_id: str, **kwargs: Any) -> Any:
        order.append(f"inner:{action}:{sorted(kwargs.get('metadata', {}))}")
        return original()

    manager = new_manager(metadata_hook=chain_hooks(outer, inner))
    manager.update_metadata({"a": 1})
    assert manager.get_metadata()["metadata"] == {"a": 1, "by": "outer"}
    assert order == ["outer:update", "inner:update:['a', 'by']", "outer:get", "inner:get:[]"]

    async def async_hook(
        original: Callable[..., Any], action: str, session_id: str, **kw: Any
    ) -> Any:
        return await original()

    with pytest.raises(TypeError, match="sync hooks"):
        chain_hooks(outer, async_hook)
