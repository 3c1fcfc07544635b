"""Counting tool results: one pure function for the manager's writes and the migration.

A ``toolResult`` block is matched by ``toolUseId`` to the ``toolUse`` blocks of
the latest message that carried any (the assistant message that asked for the
tools); a result whose use was never seen counts under :data:`UNKNOWN_TOOL`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from mongodb_session_manager.models.usage import ToolTotals

__all__ = ["MAX_TOOL_NAME_LENGTH", "UNKNOWN_TOOL", "count_tool_results", "tool_uses_of"]

UNKNOWN_TOOL = "unknown_tool"
"""Name counted for a tool result whose tool use was never seen (Strands' own name)."""
MAX_TOOL_NAME_LENGTH = 256


def tool_uses_of(message: Mapping[str, Any]) -> dict[str, str]:
    """``toolUseId -> name`` of the toolUse blocks of a message.

    Args:
        message: A Strands message (``{"role": ..., "content": [...]}``).

    Returns:
        The tool uses in block order; a missing or over-long name is
        :data:`UNKNOWN_TOOL` or cut to :data:`MAX_TOOL_NAME_LENGTH`.
    """
    uses: dict[str, str] = {}
    for block in message.get("content") or []:
        use = block.get("toolUse") if isinstance(block, Mapping) else None
        if isinstance(use, Mapping):
            uses[str(use.get("toolUseId"))] = _tool_name(use.get("name"))
    return uses


def _tool_name(name: object) -> str:
    if not isinstance(name, str) or not name:
        return UNKNOWN_TOOL
    return name[:MAX_TOOL_NAME_LENGTH]


def _results_of(message: Mapping[str, Any]) -> Iterable[Mapping[str, Any]]:
    for block in message.get("content") or []:
        result = block.get("toolResult") if isinstance(block, Mapping) else None
        if isinstance(result, Mapping):
            yield result


def count_tool_results(
    messages: Iterable[Mapping[str, Any]], pending: Mapping[str, str] | None = None
) -> tuple[dict[str, ToolTotals], dict[str, str]]:
    """Calls, successes and errors per tool name of the tool results in ``messages``.

    Args:
        messages: Strands messages, oldest first.
        pending: ``toolUseId -> name`` of tool uses seen before ``messages`` (a
            writer that already stored the assistant message asking for the tools);
            not modified.

    Returns:
        The counters by tool name (``time_ms`` left at 0: the caller knows the
        time, if anyone does), and the tool uses still awaiting their results.
    """
    awaiting = dict(pending or {})
    by_name: dict[str, ToolTotals] = {}
    for message in messages:
        uses = tool_uses_of(message)
        if uses:
            awaiting = uses
        for result in _results_of(message):
            name = awaiting.pop(str(result.get("toolUseId")), UNKNOWN_TOOL)
            stats = by_name.setdefault(name, ToolTotals(name=name))
            stats.calls += 1
            if result.get("status") == "error":
                stats.errors += 1
            else:
                stats.successes += 1
    return by_name, awaiting
