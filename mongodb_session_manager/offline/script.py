"""What a :class:`~mongodb_session_manager.offline.ScriptedModel` plays: script items, parsed.

A script is a list of :data:`ScriptItem`; :func:`parse_item` validates each one
into a :class:`Turn` (text and tool calls). The token and chunk helpers are what
the model uses to stream a turn and estimate its usage.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "ScriptItem",
    "ToolCall",
    "Turn",
    "block_chars",
    "chunks",
    "estimate_tokens",
    "parse_item",
    "parse_tool_call",
]

ScriptItem = str | Mapping[str, Any]
"""One scripted assistant turn.

Either a plain string (the assistant replies with that text) or a mapping:

* ``{"tool": name, "input": {...}}`` -- the assistant requests one tool call.
  Optional keys: ``"toolUseId"`` (pin the id instead of generating one) and
  ``"text"`` (text the assistant says before the tool call).
* ``{"tools": [{"tool": name, "input": {...}}, ...]}`` -- several tool calls in
  one assistant message (parallel tool use); ``"text"`` is allowed here too.
"""


@dataclass(frozen=True)
class ToolCall:
    """A normalized scripted tool call."""

    name: str
    input: dict[str, Any]
    tool_use_id: str | None = None


@dataclass(frozen=True)
class Turn:
    """A normalized scripted assistant turn."""

    text: str = ""
    tool_calls: tuple[ToolCall, ...] = field(default_factory=tuple)


def parse_tool_call(raw: Any, position: int) -> ToolCall:
    """Validate and normalize one ``{"tool": ..., "input": ...}`` mapping.

    Args:
        raw: The candidate mapping.
        position: Index of the enclosing script item, for error messages.

    Returns:
        The normalized tool call.

    Raises:
        TypeError: If the mapping has the wrong shape.
    """
    if not isinstance(raw, Mapping):
        raise TypeError(f"script item {position}: tool call must be a mapping, got {raw!r}")
    name = raw.get("tool")
    if not isinstance(name, str) or not name:
        raise TypeError(f"script item {position}: 'tool' must be a non-empty string, got {name!r}")
    tool_input = raw.get("input", {})
    if tool_input is None:
        tool_input = {}
    if not isinstance(tool_input, Mapping):
        raise TypeError(f"script item {position}: 'input' must be a mapping, got {tool_input!r}")
    tool_use_id = raw.get("toolUseId")
    if tool_use_id is not None and (not isinstance(tool_use_id, str) or not tool_use_id):
        raise TypeError(f"script item {position}: 'toolUseId' must be a non-empty string")
    return ToolCall(name=name, input=dict(tool_input), tool_use_id=tool_use_id)


def parse_item(item: ScriptItem, position: int) -> Turn:
    """Validate and normalize one script item.

    Args:
        item: A string or tool-call mapping.
        position: Index of the item in the script, for error messages.

    Returns:
        The normalized turn.

    Raises:
        TypeError: If the item has the wrong shape.
    """
    where = f"script item {position}"
    if isinstance(item, str):
        return Turn(text=item)
    if not isinstance(item, Mapping):
        raise TypeError(f"{where}: expected str or mapping, got {type(item).__name__}")
    text = item.get("text", "")
    if not isinstance(text, str):
        raise TypeError(f"{where}: 'text' must be a string")
    if "tools" in item:
        if "tool" in item:
            raise TypeError(f"{where}: use either 'tool' or 'tools', not both")
        raw_calls = item["tools"]
        if isinstance(raw_calls, str | bytes) or not isinstance(raw_calls, Sequence):
            raise TypeError(f"{where}: 'tools' must be a list of tool calls")
        if not raw_calls:
            raise TypeError(f"{where}: 'tools' must not be empty")
        calls = tuple(parse_tool_call(raw, position) for raw in raw_calls)
    elif "tool" in item:
        calls = (parse_tool_call(item, position),)
    else:
        raise TypeError(f"{where}: mapping needs a 'tool' or 'tools' key, got {item!r}")
    return Turn(text=text, tool_calls=calls)


def block_chars(block: Mapping[str, Any]) -> int:
    """Count the characters a content block contributes to the prompt.

    Args:
        block: A Strands content block.

    Returns:
        Length of its text, or of its JSON serialization for non-text blocks.
    """
    text = block.get("text")
    if isinstance(text, str):
        return len(text)
    return len(json.dumps(block, default=str, ensure_ascii=False))


def estimate_tokens(chars: int) -> int:
    """Estimate tokens as ``ceil(chars / 4)``, never less than one.

    Args:
        chars: Number of characters.

    Returns:
        The token estimate.
    """
    return max(1, math.ceil(chars / 4))


def chunks(text: str, size: int) -> list[str]:
    """Split ``text`` into pieces of at most ``size`` characters.

    Args:
        text: The text to split.
        size: Maximum piece length.

    Returns:
        The pieces, in order (empty for empty text).
    """
    return [text[i : i + size] for i in range(0, len(text), size)]
