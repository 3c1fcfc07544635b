"""The pieces the three AWS hooks share: client settings, queue limits, connection ids,
metadata messages."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import mongodb_session_manager
from mongodb_session_manager.aws._client import DEFAULT_MAX_ATTEMPTS, ClientSettings
from mongodb_session_manager.aws._connections import (
    ConnectionIds,
    check_connection_id_key,
    http_endpoint,
)
from mongodb_session_manager.aws._metadata import MetadataMessages
from mongodb_session_manager.aws._worker import DeliveryWorker, Outcome, QueueLimits
from mongodb_session_manager.errors import InvalidInputError

pytest.importorskip("boto3")


def test_client_settings_are_picked_from_a_constructors_arguments_by_name() -> None:
    arguments = {
        "region_name": "eu-west-1",
        "endpoint_url": "http://localhost:4566",
        "client": None,
        "boto3_session": None,
        "max_attempts": 3,
        "connect_timeout": 1.0,
        "read_timeout": 2.0,
        "queue_url": "not a setting",
        "self": object(),
    }
    settings = ClientSettings.from_arguments(arguments)
    assert settings == ClientSettings("eu-west-1", "http://localhost:4566", None, None, 3, 1.0, 2.0)
    assert ClientSettings().max_attempts == DEFAULT_MAX_ATTEMPTS


def test_the_resources_region_wins_and_a_contradiction_is_refused() -> None:
    assert ClientSettings().resolved("Hook", "eu-west-1").region_name == "eu-west-1"
    assert ClientSettings(region_name="us-east-1").resolved("Hook", None).region_name == (
        "us-east-1"
    )
    with pytest.raises(InvalidInputError, match="region_name='us-east-1'"):
        ClientSettings(region_name="us-east-1").resolved("Hook", "eu-west-1")
    with pytest.raises(InvalidInputError, match="no AWS region"):
        ClientSettings().resolved("Hook", None)  # no default region in the test environment


def test_settings_out_of_range_are_refused_with_the_hooks_name() -> None:
    with pytest.raises(InvalidInputError, match="my-hook: max_attempts"):
        ClientSettings(max_attempts=0).check("my-hook")
    ClientSettings().check("my-hook")


def test_queue_limits_are_checked_by_the_worker() -> None:
    def send(target: str, batch: object) -> Outcome:
        return Outcome()

    with pytest.raises(InvalidInputError, match="w: max_queue_size"):
        DeliveryWorker("w", send, QueueLimits(max_queue_size=0))
    worker = DeliveryWorker("w", send, QueueLimits(max_batch_size=1))
    assert worker.limits.max_batch_size == 1
    assert worker.close(1.0)


def test_connection_ids_drop_the_least_recent_and_forget_only_what_they_hold() -> None:
    ids = ConnectionIds(max_sessions=2)
    ids.remember("a", "A1")
    ids.remember("b", "B1")
    ids.remember("a", "A2")  # a is now the most recent
    ids.remember("c", "C1")
    assert [ids.get(s) for s in "abc"] == ["A2", None, "C1"]
    assert ids.forget("a", "A1") == "A2"  # another connection: kept
    assert ids.get("a") == "A2"
    assert ids.forget("a") == "A2"
    assert ids.get("a") is None


def test_endpoints_and_keys_are_normalised_or_refused() -> None:
    assert http_endpoint("wss://x.execute-api.eu-west-1.amazonaws.com/prod/") == (
        "https://x.execute-api.eu-west-1.amazonaws.com/prod"
    )
    with pytest.raises(InvalidInputError):
        http_endpoint("ftp://x")
    assert check_connection_id_key("conn") == "conn"
    for bad in ("", "a.b", "$x", "a\x00"):
        with pytest.raises(InvalidInputError):
            check_connection_id_key(bad)


def test_metadata_messages_select_exclude_and_count_what_cannot_fit() -> None:
    too_large: list[int] = []
    messages = MetadataMessages(
        "h", ["status", "conn"], "evt", 10_000, lambda: too_large.append(1), frozenset({"conn"})
    )
    encoded = messages.encode("update", "s1", {"metadata": {"status": "ok", "conn": "c", "x": 1}})
    assert encoded is not None
    change, body, size = encoded
    assert change["metadata"] == {"status": "ok"} and change["event"] == "evt"
    assert size == len(body.encode())
    assert messages.encode("update", "s1", {"metadata": {"x": 1}}) is None
    assert messages.encode("get", "s1", {}) is None
    tiny = MetadataMessages("h", None, "evt", 10, lambda: too_large.append(1))
    assert tiny.encode("update", "s1", {"metadata": {"status": "ok"}}) is None
    assert too_large == [1]


def test_nothing_in_the_package_imports_the_reference_hooks_paths() -> None:
    """``hooks/`` is the reference library's import paths, for users only."""
    root = Path(mongodb_session_manager.__file__).parent
    importers = []
    for path in sorted(root.rglob("*.py")):
        if path.parent.name == "hooks" and path.parent.parent == root:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = (
                [alias.name for alias in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            if any(
                n == "mongodb_session_manager.hooks"
                or n.startswith("mongodb_session_manager.hooks.")
                for n in names
            ):
                importers.append(str(path.relative_to(root)))
    assert importers == []
