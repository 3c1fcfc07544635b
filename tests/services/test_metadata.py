"""Session metadata: partial updates, nested paths, hostile keys, sizes, typed models."""

from __future__ import annotations

from typing import Any, Literal

import pytest

from mongodb_session_manager import (
    InvalidInputError,
    Metadata,
    MongoDBSessionManagerFactory,
    SessionNotFoundError,
    SessionTooLargeError,
)
from mongodb_session_manager.features.keys import MAX_KEY_LENGTH, MAX_UPDATE_BYTES
from mongodb_session_manager.testing import MongoBackend
from tests.helpers.store import raw_collection
from tests.helpers.types import MakeManager as Make
from tests.helpers.types import ReadRaw as Raw


def test_partial_update_keeps_the_keys_it_does_not_name(new_manager: Make) -> None:
    manager = new_manager()
    manager.update_metadata({"customer": "acme", "priority": "low", "tags": ["a"]})
    manager.update_metadata({"priority": "high"})
    assert manager.get_metadata()["metadata"] == {
        "customer": "acme",
        "priority": "high",
        "tags": ["a"],
    }


def test_a_dotted_key_updates_only_that_nested_path(new_manager: Make) -> None:
    manager = new_manager()
    manager.update_metadata({"profile": {"tier": "gold", "city": "Lyon"}})
    manager.update_metadata({"profile.tier": "platinum", "profile.limits.daily": 5})
    assert manager.get_metadata()["metadata"] == {
        "profile": {"tier": "platinum", "city": "Lyon", "limits": {"daily": 5}}
    }
    assert manager.get_metadata(["profile.city"])["metadata"] == {"profile": {"city": "Lyon"}}
    manager.delete_metadata(["profile.city"])
    assert manager.get_metadata()["metadata"] == {
        "profile": {"tier": "platinum", "limits": {"daily": 5}}
    }


def test_get_selected_keys_and_delete(new_manager: Make) -> None:
    manager = new_manager()
    manager.update_metadata({"a": 1, "b": 2, "c": {"d": 3}})
    assert manager.get_metadata(["a", "c"])["metadata"] == {"a": 1, "c": {"d": 3}}
    assert manager.get_metadata("b")["metadata"] == {"b": 2}
    assert manager.get_metadata([])["metadata"] == {}
    manager.delete_metadata(["a", "not-there"])
    assert manager.get_metadata()["metadata"] == {"b": 2, "c": {"d": 3}}


def test_unicode_and_bson_values_round_trip(new_manager: Make) -> None:
    from datetime import UTC, datetime

    when = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    manager = new_manager()
    manager.update_metadata(
        {"名前": "Ana Ñúñez 🚀", "ciudad": "Málaga", "since": when, "raw": b"\x00\xff"}
    )
    stored = new_manager().get_metadata()["metadata"]
    assert stored["名前"] == "Ana Ñúñez 🚀"
    assert stored["since"] == when
    assert stored["raw"] == b"\x00\xff"


def _deeply_nested(levels: int) -> dict[str, Any]:
    root: dict[str, Any] = {}
    node = root
    for _ in range(levels):
        node["n"] = {}
        node = node["n"]
    return root


HOSTILE_UPDATES: list[tuple[str, dict[Any, Any], str]] = [
    ("dollar key", {"$set": {"x": 1}}, "may not start with '\\$'"),
    ("dollar segment", {"a.$where": 1}, "may not start with '\\$'"),
    ("empty key", {"": 1}, "must not be empty"),
    ("empty segment", {"a..b": 1}, "empty path segment"),
    ("leading dot", {".a": 1}, "empty path segment"),
    ("trailing dot", {"a.": 1}, "empty path segment"),
    ("NUL", {"a\x00b": 1}, "NUL"),
    ("lone surrogate", {"a\udc80": 1}, "not valid unicode"),
    ("array position", {"tags.99999999": 1}, "array position"),
    ("non-str key", {7: "x"}, "must be a str"),
    ("too long", {"k" * (MAX_KEY_LENGTH + 1): 1}, "characters long"),
    ("overlap", {"a": 1, "a.b": 2}, "overlap"),
    ("nested dollar", {"a": {"$gt": 1}}, "may not start with '\\$'"),
    ("nested dot", {"a": {"b.c": 1}}, "contains '\\.'"),
    ("nested NUL", {"a": [{"b\x00": 1}]}, "NUL"),
    ("too deep", {"a": _deeply_nested(40)}, "nests deeper"),
    ("unencodable", {"a": object()}, "cannot be stored"),
    ("oversize", {"a": "x" * (MAX_UPDATE_BYTES + 1)}, "limit per update"),
]


@pytest.mark.parametrize(
    ("payload", "message"),
    [pytest.param(p, m, id=name) for name, p, m in HOSTILE_UPDATES],
)
def test_hostile_keys_and_values_are_refused_and_nothing_changes(
    new_manager: Make, raw: Raw, payload: dict[Any, Any], message: str
) -> None:
    manager = new_manager()
    manager.update_metadata({"keep": "me", "a": {"b": 0}})
    before = raw("session-1")
    with pytest.raises(InvalidInputError, match=message):
        manager.update_metadata(payload)
    assert raw("session-1") == before


@pytest.mark.parametrize("keys", [["$x"], ["a..b"], [""], ["a", "a.b"], [3], {"a": 1}])
def test_hostile_keys_are_refused_for_get_and_delete(new_manager: Make, keys: Any) -> None:
    manager = new_manager()
    with pytest.raises(InvalidInputError):
        manager.get_metadata(keys)["metadata"]
    with pytest.raises(InvalidInputError):
        manager.delete_metadata(keys)


def test_non_dict_metadata_is_refused(new_manager: Make) -> None:
    with pytest.raises(InvalidInputError, match="must be a dict"):
        new_manager().update_metadata([("a", 1)])  # type: ignore[arg-type]


def test_a_path_through_a_non_document_is_refused_by_mongodb_and_nothing_changes(
    new_manager: Make, raw: Raw, msm_backend: MongoBackend
) -> None:
    if msm_backend.kind == "mock":
        pytest.skip("mongomock silently ignores a $set through a string; MongoDB refuses it")
    manager = new_manager()
    manager.update_metadata({"status": "open", "other": 1})
    before = raw("session-1")
    with pytest.raises(InvalidInputError, match="nothing was written"):
        manager.update_metadata({"status.code": 3, "other": 2})
    assert raw("session-1") == before


def test_missing_session_is_an_error_not_a_silent_no_op(
    new_manager: Make, factory: MongoDBSessionManagerFactory
) -> None:
    manager = new_manager("gone")
    factory.repository.delete_session("gone")
    with pytest.raises(SessionNotFoundError, match="gone"):
        manager.update_metadata({"a": 1})
    with pytest.raises(SessionNotFoundError):
        manager.delete_metadata(["a"])
    assert manager.get_metadata() is None  # the reference library's answer
    with pytest.raises(SessionNotFoundError):
        manager.get_session_metadata()
    assert factory.repository.read_session("gone") is None  # nothing was upserted


def test_empty_update_is_a_no_op(new_manager: Make, raw: Raw) -> None:
    manager = new_manager()
    before = raw("session-1")
    manager.update_metadata({})
    manager.delete_metadata([])
    assert raw("session-1") == before


def test_size_estimate_stays_honest_when_a_key_is_rewritten(new_manager: Make, raw: Raw) -> None:
    manager = new_manager()
    manager.update_metadata({"note": "x"})
    baseline = raw("session-1")["size_bytes"]  # type: ignore[index]
    blob = "y" * 10_000
    for i in range(30):
        manager.update_metadata({"note": f"{i}{blob}"})
    grown = raw("session-1")["size_bytes"] - baseline  # type: ignore[index]
    assert 10_000 <= grown < 2 * 10_050  # not 30 x 10 KB
    manager.delete_metadata(["note"])
    manager.update_metadata({"small": 1})
    assert raw("session-1")["size_bytes"] - baseline < 100  # type: ignore[index]


def test_size_guard_refuses_an_update_that_would_overflow_the_session(
    msm_options: dict[str, Any], raw: Raw
) -> None:
    small = MongoDBSessionManagerFactory(**msm_options, max_document_bytes=20_000)
    manager = small.create_session_manager("small")
    try:
        manager.update_metadata({"a": "x" * 5_000})
        before = raw("small")
        with pytest.raises(SessionTooLargeError, match="nothing was written"):
            manager.update_metadata({"b": "x" * 20_000})
        assert raw("small") == before
    finally:
        manager.close()
        small.close()


class TicketMetadata(Metadata):
    customer_id: str
    priority: Literal["low", "high"] = "low"
    seats: int = 1


def test_a_typed_metadata_model_validates_declared_fields(new_manager: Make, raw: Raw) -> None:
    manager = new_manager()
    manager.metadata_model = TicketMetadata
    manager.update_metadata({"priority": "high", "seats": "3", "free_form": {"x": 1}})
    assert manager.get_metadata()["metadata"] == {
        "priority": "high",
        "seats": 3,
        "free_form": {"x": 1},
    }
    before = raw("session-1")
    with pytest.raises(InvalidInputError, match=r"priority.*TicketMetadata"):
        manager.update_metadata({"priority": "urgent"})
    with pytest.raises(InvalidInputError, match="set 'customer_id' whole"):
        manager.update_metadata({"customer_id.x": "1"})
    assert raw("session-1") == before


def test_a_metadata_instance_writes_the_fields_set_on_it(new_manager: Make) -> None:
    manager = new_manager()
    manager.update_metadata({"other": True})
    manager.update_metadata(TicketMetadata(customer_id="c-9", seats=4, note="vip"))
    stored = manager.get_metadata()["metadata"]
    assert stored == {"other": True, "customer_id": "c-9", "seats": 4, "note": "vip"}
    assert TicketMetadata.model_validate(stored).priority == "low"


def test_metadata_fields_get_indexes(
    msm_options: dict[str, Any], msm_backend: MongoBackend
) -> None:
    factory = MongoDBSessionManagerFactory(**msm_options, metadata_fields=["customer_id"])
    try:

        async def indexes() -> dict[str, Any]:
            return await raw_collection(factory.repository).index_information()  # type: ignore[no-any-return]

        assert "metadata.customer_id" in factory.pool.run(indexes())
    finally:
        factory.close()


async def test_async_twins(factory: MongoDBSessionManagerFactory) -> None:
    manager = await factory.create_session_manager_async("async-meta")
    await manager.update_metadata_async({"a": 1, "b": {"c": 2}})
    await manager.update_metadata_async({"b.c": 3})
    assert (await manager.get_metadata_async())["metadata"] == {"a": 1, "b": {"c": 3}}
    await manager.delete_metadata_async(["a"])
    assert (await manager.get_metadata_async(["b.c"]))["metadata"] == {"b": {"c": 3}}
    with pytest.raises(InvalidInputError):
        await manager.update_metadata_async({"$x": 1})
