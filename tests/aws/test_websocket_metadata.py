"""MetadataWebSocketHook: metadata changes pushed to the session's WebSocket connection."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import pytest

from mongodb_session_manager import (
    InvalidInputError,
    MetadataWebSocketHook,
    MongoDBSessionManagerFactory,
    create_metadata_websocket_hook,
    is_metadata_websocket_hook_available,
)

Closing = Callable[[Any], Any]


def posted(region: str, connection_id: str) -> list[dict[str, Any]]:
    """What moto's API Gateway received for a connection (one JSON document per post)."""
    from moto.apigatewaymanagementapi.models import apigatewaymanagementapi_backends
    from moto.core.models import DEFAULT_ACCOUNT_ID

    backend = apigatewaymanagementapi_backends[DEFAULT_ACCOUNT_ID][region]
    if connection_id not in backend.connections:
        return []
    data = backend.connections[connection_id].data.decode("utf-8")
    decoder, found, index = json.JSONDecoder(), [], 0
    while index < len(data):
        document, index = decoder.raw_decode(data, index)
        found.append(document)
    return found


def test_changes_are_pushed_to_the_connection_stored_in_metadata(
    aws_server: Any, store: Callable[..., Any], closing: Closing
) -> None:
    hook = closing(
        create_metadata_websocket_hook(aws_server.endpoint_url, region_name=aws_server.region)
    )
    session = store("browser-session")

    # The $connect handler stores the connection id; that alone pushes nothing.
    hook(session.update_metadata, "update", "browser-session", metadata={"connection_id": "c-1"})
    hook(session.update_metadata, "update", "browser-session", metadata={"status": "thinking"})
    hook(session.update_metadata, "update", "browser-session", metadata={"progress": 0.5})
    hook(session.delete_metadata, "delete", "browser-session", keys=["progress"])
    assert hook.flush(10)

    pushed = posted(aws_server.region, "c-1")
    assert [(p["operation"], p["metadata"]) for p in pushed] == [
        ("update", {"status": "thinking"}),
        ("update", {"progress": 0.5}),
        ("delete", {"progress": None}),
    ]
    assert all(p["session_id"] == "browser-session" for p in pushed)
    assert all("connection_id" not in p["metadata"] for p in pushed)
    assert session.stored()["metadata"] == {"connection_id": "c-1", "status": "thinking"}
    assert hook.stats.sent == 3


def test_only_selected_fields_are_pushed(
    aws_server: Any, store: Callable[..., Any], closing: Closing
) -> None:
    hook = closing(
        MetadataWebSocketHook(aws_server.endpoint_url, ["status"], region_name=aws_server.region)
    )
    session = store()
    hook(session.update_metadata, "update", session.session_id, metadata={"connection_id": "c-2"})
    hook(
        session.update_metadata,
        "update",
        session.session_id,
        metadata={"status": "done", "internal_score": 0.93},
    )
    hook(session.update_metadata, "update", session.session_id, metadata={"internal_score": 1})
    assert hook.flush(10)

    assert [p["metadata"] for p in posted(aws_server.region, "c-2")] == [{"status": "done"}]


def test_a_connection_id_stored_by_another_process_is_read_once_from_the_session(
    aws_server: Any,
    store: Callable[..., Any],
    closing: Closing,
    factory: MongoDBSessionManagerFactory,
) -> None:
    session = store("elsewhere")
    session.update_metadata({"connection_id": "c-3"})  # written without this hook
    hook = closing(
        create_metadata_websocket_hook(
            aws_server.endpoint_url, region_name=aws_server.region, repository=factory.repository
        )
    )

    hook(session.update_metadata, "update", "elsewhere", metadata={"status": "one"})
    hook(session.update_metadata, "update", "elsewhere", metadata={"status": "two"})
    assert hook.flush(10)

    assert [p["metadata"]["status"] for p in posted(aws_server.region, "c-3")] == ["one", "two"]
    assert hook.connection_id("elsewhere") == "c-3"


@pytest.mark.usefixtures("needs_command_monitoring")
def test_looking_the_connection_up_costs_one_read_per_session_then_none(
    aws_server: Any,
    store: Callable[..., Any],
    closing: Closing,
    factory: MongoDBSessionManagerFactory,
) -> None:
    session = store("counted")
    session.update_metadata({"connection_id": "c-4"})
    hook = closing(
        MetadataWebSocketHook(
            aws_server.endpoint_url, region_name=aws_server.region, repository=factory.repository
        )
    )

    with factory.pool.command_stats.capture() as log:
        for step in range(5):
            hook(session.update_metadata, "update", "counted", metadata={"step": step})
        assert hook.flush(10)

    assert sorted(log.commands) == ["find"] + ["update"] * 5  # the 5 writes, 1 lookup
    assert len(posted(aws_server.region, "c-4")) == 5


def test_no_connection_known_means_nothing_is_sent(
    aws_server: Any, store: Callable[..., Any], closing: Closing
) -> None:
    hook = closing(MetadataWebSocketHook(aws_server.endpoint_url, region_name=aws_server.region))
    session = store()

    hook(session.update_metadata, "update", session.session_id, metadata={"status": "x"})
    assert hook.flush(10)

    assert hook.stats.skipped == 1 and hook.stats.sent == 0 and hook.stats.failed == 0
    assert session.stored()["metadata"] == {"status": "x"}


def test_a_gone_connection_is_handled_quietly_without_retry(
    fake_api_gateway: Any,
    store: Callable[..., Any],
    closing: Closing,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake_api_gateway.gone.add("closed-tab")
    hook = closing(MetadataWebSocketHook(fake_api_gateway.url, region_name="eu-west-1"))
    session = store("s-gone")

    with caplog.at_level(logging.DEBUG, logger="mongodb_session_manager.aws"):
        hook(session.update_metadata, "update", "s-gone", metadata={"connection_id": "closed-tab"})
        hook(session.update_metadata, "update", "s-gone", metadata={"status": "a"})
        assert hook.flush(10)
        hook(session.update_metadata, "update", "s-gone", metadata={"status": "b"})
        assert hook.flush(10)

    gone_logs = [r for r in caplog.records if "aws.websocket.gone" in r.getMessage()]
    assert len(gone_logs) == 1 and gone_logs[0].levelno == logging.DEBUG
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert hook.stats.skipped == 2 and hook.stats.failed == 0  # forgotten after the 410
    assert hook.connection_id("s-gone") is None
    assert session.stored()["metadata"]["status"] == "b"


def test_after_a_410_the_newer_connection_from_the_getter_receives_the_change(
    fake_api_gateway: Any, store: Callable[..., Any], closing: Closing
) -> None:
    fake_api_gateway.gone.add("old-tab")
    current = {"s-re": "new-tab"}  # e.g. a connections table updated by another server
    hook = closing(
        create_metadata_websocket_hook(
            fake_api_gateway.url, region_name="eu-west-1", connection_id_getter=current.get
        )
    )
    session = store("s-re")

    hook(session.update_metadata, "update", "s-re", metadata={"connection_id": "old-tab"})
    hook(session.update_metadata, "update", "s-re", metadata={"status": "moved"})
    assert hook.flush(10)

    assert [(c, p["metadata"]) for c, p in fake_api_gateway.received] == [
        ("new-tab", {"status": "moved"})
    ]
    assert hook.connection_id("s-re") == "new-tab"
    assert hook.stats.sent == 1


def test_clearing_the_connection_id_stops_the_pushes(
    fake_api_gateway: Any, store: Callable[..., Any], closing: Closing
) -> None:
    hook = closing(MetadataWebSocketHook(fake_api_gateway.url, region_name="eu-west-1"))
    session = store("s-off")
    hook(session.update_metadata, "update", "s-off", metadata={"connection_id": "tab"})
    hook(session.update_metadata, "update", "s-off", metadata={"status": "1"})
    hook(session.delete_metadata, "delete", "s-off", keys=["connection_id", "status"])
    hook(session.update_metadata, "update", "s-off", metadata={"status": "2"})
    assert hook.flush(10)

    # The delete itself still reaches the client it was for; nothing after it.
    assert [p["operation"] for _, p in fake_api_gateway.received] == ["update", "delete"]
    assert fake_api_gateway.received[1][1]["keys"] == ["status"]


def test_endpoint_forms_and_region() -> None:
    hook = MetadataWebSocketHook("wss://abc123.execute-api.eu-central-1.amazonaws.com/prod/")
    assert hook.endpoint_url == "https://abc123.execute-api.eu-central-1.amazonaws.com/prod"
    assert hook.region_name == "eu-central-1"
    assert hook.client.meta.region_name == "eu-central-1"
    hook.close()
    with pytest.raises(InvalidInputError, match="no AWS region"):
        MetadataWebSocketHook("https://ws.example.com/prod")
    with pytest.raises(InvalidInputError, match="not an endpoint URL"):
        MetadataWebSocketHook("abc123")
    with pytest.raises(InvalidInputError, match="not a usable metadata key"):
        MetadataWebSocketHook(
            "https://ws.example.com", region_name="eu-west-1", connection_id_key="a.b"
        )
    with pytest.raises(InvalidInputError, match="not both"):
        MetadataWebSocketHook(
            "https://ws.example.com",
            region_name="eu-west-1",
            repository=object(),  # type: ignore[arg-type]
            connection_id_getter=lambda s: None,
        )


def test_availability_is_reported() -> None:
    assert is_metadata_websocket_hook_available() is True
