"""The collections can be sharded on the documented keys: no unique index stands in the way."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from pymongo import IndexModel

from mongodb_session_manager.models import session_indexes
from mongodb_session_manager.models.pages import SHARD_KEYS, blob_indexes, page_indexes

SCALING = Path(__file__).resolve().parents[2] / "docs" / "scaling.md"
INDEXES = {"sessions": session_indexes(), "pages": page_indexes(), "blobs": blob_indexes()}
SUFFIX = {"sessions": "sessions", "sessions_pages": "pages", "sessions_blobs": "blobs"}


def keys_of(index: IndexModel) -> list[tuple[str, Any]]:
    return list(index.document["key"].items())


def shardable(index: IndexModel, shard_key: dict[str, Any]) -> bool:
    """MongoDB's rule: a unique index is ``_id`` or prefixed by the shard key, never hashed."""
    if not index.document.get("unique"):
        return True
    keys = keys_of(index)
    if any(value == "hashed" for _, value in keys):
        return False
    if [name for name, _ in keys] == ["_id"]:
        return True
    return [name for name, _ in keys[: len(shard_key)]] == list(shard_key)


@pytest.mark.parametrize("kind", sorted(INDEXES))
def test_every_unique_index_allows_the_shard_key(kind: str) -> None:
    refused = [i.document["name"] for i in INDEXES[kind] if not shardable(i, SHARD_KEYS[kind])]
    assert refused == []
    # The library creates no hashed index: the operator does, when sharding (docs/scaling.md).
    assert all(value != "hashed" for i in INDEXES[kind] for _, value in keys_of(i))


def test_the_rule_refuses_what_mongodb_refuses() -> None:
    retired = IndexModel([("session_id", 1)], name="session_id_unique", unique=True)
    assert not shardable(retired, SHARD_KEYS["sessions"])
    assert not shardable(IndexModel([("_id", "hashed")], unique=True), SHARD_KEYS["sessions"])
    prefixed = IndexModel([("session_id", 1), ("agent_key", 1), ("first_id", 1), ("x", 1)])
    prefixed.document["unique"] = True
    assert shardable(prefixed, {"session_id": 1, "agent_key": 1, "first_id": 1})


def _js_object(text: str) -> dict[str, Any]:
    quoted = re.sub(r"([{,]\s*)([A-Za-z_][\w.]*)\s*:", r'\1"\2":', text)
    parsed: dict[str, Any] = json.loads(quoted)
    return parsed


def test_the_documented_shard_commands_are_the_shard_keys() -> None:
    text = SCALING.read_text(encoding="utf-8")
    documented = {
        SUFFIX[collection]: _js_object(keys)
        for collection, keys in re.findall(
            r'sh\.shardCollection\("[^".]+\.([^"]+)",\s*(\{[^}]*\})\)', text
        )
    }
    assert {k: list(v.items()) for k, v in documented.items()} == {
        k: list(v.items()) for k, v in SHARD_KEYS.items()
    }
    # The compound hashed keys need their index first; the commands create it.
    created = {
        SUFFIX[collection]: _js_object(keys)
        for collection, keys in re.findall(r"db\.(\w+)\.createIndex\((\{[^}]*\})\)", text)
    }
    assert created == {"pages": SHARD_KEYS["pages"], "blobs": SHARD_KEYS["blobs"]}
