"""Stored content blocks, metadata fields and response models as the viewer reads them."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from mongodb_session_manager.demo.seeds import tiny_png
from mongodb_session_manager.models import AgentRecord
from mongodb_session_manager.viewer.content import json_safe, to_blocks
from mongodb_session_manager.viewer.fields import indexed_metadata_fields, infer_fields
from mongodb_session_manager.viewer.schemas import AgentView

LIMIT = 1_000_000


def test_every_strands_block_kind_is_represented() -> None:
    png = tiny_png()
    blocks = to_blocks(
        [
            {"text": "hi"},
            {"toolUse": {"toolUseId": "t1", "name": "calc", "input": {"x": b"\x00\x01"}}},
            {
                "toolResult": {
                    "toolUseId": "t1",
                    "status": "error",
                    "content": [{"text": "boom"}, {"json": {"n": float("nan")}}],
                }
            },
            {"image": {"format": "png", "source": {"bytes": png}}},
            {"image": {"format": "svg", "source": {"bytes": b"<svg onload=alert(1)>"}}},
            {"image": {"format": "png", "source": {"location": {"type": "s3", "uri": "s3://b/k"}}}},
            {"document": {"format": "pdf", "name": "invoice", "source": {"bytes": b"%PDF" * 10}}},
            {"reasoningContent": {"reasoningText": {"text": "thinking", "signature": "s"}}},
            {"cachePoint": {"type": "default"}},
            "not a block",
        ],
        LIMIT,
    )
    dumped = [b.model_dump(by_alias=True) for b in blocks]
    assert [d["type"] for d in dumped] == [
        "text",
        "tool_use",
        "tool_result",
        "image",
        "image",
        "image",
        "document",
        "reasoning",
        "other",
        "other",
    ]
    assert dumped[1]["input"] == {"x": {"$bytes": 2}}
    assert dumped[2]["status"] == "error"
    assert dumped[2]["content"][1] == {"type": "json", "json": {"n": "nan"}}
    assert dumped[3]["data_url"].startswith("data:image/png;base64,")
    assert dumped[4]["data_url"] is None and "not shown inline" in dumped[4]["note"]
    assert dumped[5]["location"] == "s3://b/k"
    assert dumped[6] == {
        "type": "document",
        "name": "invoice",
        "format": "pdf",
        "size_bytes": 40,
        "location": None,
        "blob_url": None,
    }
    assert dumped[7]["text"] == "thinking"
    assert dumped[8]["kind"] == "cachePoint"


def test_large_images_are_not_inlined() -> None:
    (block,) = to_blocks([{"image": {"format": "png", "source": {"bytes": b"x" * 100}}}], 50)
    assert block.model_dump()["data_url"] is None


def test_json_safe_bounds_depth_and_odd_types() -> None:
    deep: dict[str, object] = {}
    node = deep
    for _ in range(100):
        node["n"] = {}
        node = node["n"]  # type: ignore[assignment]
    text = str(json_safe(deep))
    assert text.count("{") < 40
    when = datetime(2026, 1, 1, 12, tzinfo=UTC)
    assert json_safe({1: when, "b": float("inf")}) == {
        "1": "2026-01-01T12:00:00+00:00",
        "b": "inf",
    }


def test_fields_are_typed_from_samples_and_unsafe_keys_skipped() -> None:
    samples: list[Mapping[str, Any]] = [
        {"tier": "gold", "amount": 3, "vip": True, "when": datetime(2026, 1, 1), "tags": ["a"]},
        {"tier": "gold", "amount": 4.5, "nested": {"city": "Oslo", "deep": {"x": {"y": 1}}}},
        {"tier": "silver", "$bad": 1, "a.b": 2, "mixed": "x"},
        {"mixed": 3, "free": "unique-1"},
        {"mixed": 4, "free": "unique-2"},
    ]
    fields = {f.name: f for f in infer_fields(samples, {"indexed_only"}, ("declared",))}
    assert fields["tier"].type == "enum" and fields["tier"].values == ["gold", "silver"]
    assert fields["amount"].type == "number"
    assert fields["vip"].type == "boolean"
    assert fields["when"].type == "date"
    assert fields["tags"].type == "string"
    assert fields["nested.city"].type == "string"
    assert "nested.deep.x" not in fields and "nested.deep.x.y" not in fields  # depth 3
    assert fields["mixed"].type == "number"  # the majority
    assert fields["free"].type == "string"  # every value distinct: not an enum
    assert fields["indexed_only"].indexed and fields["indexed_only"].type == "string"
    assert "declared" in fields
    assert not any(name.startswith("$") or name == "a.b" for name in fields)
    assert next(iter(fields)) == "declared"


def test_indexed_fields_come_from_metadata_index_keys() -> None:
    info = {
        "_id_": {"key": [("_id", 1)]},
        "metadata.tier": {"key": [("metadata.tier", 1)]},
        "compound": {"key": [("application_name", 1), ("metadata.owner", -1)]},
    }
    assert indexed_metadata_fields(info) == {"tier", "owner"}


def test_agent_view_is_the_agent_record_without_messages() -> None:
    # If the library's agent record gains a field, the viewer's API must show it too.
    assert set(AgentView.model_fields) == set(AgentRecord.model_fields) - {"messages"}
