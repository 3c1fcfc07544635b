"""``count_tool_results``: the one tool counter of the manager's writes and the migration."""

from __future__ import annotations

from typing import Any

from mongodb_session_manager.models.tool_usage import (
    MAX_TOOL_NAME_LENGTH,
    UNKNOWN_TOOL,
    count_tool_results,
    tool_uses_of,
)


def _use(tool_id: str, name: Any) -> dict[str, Any]:
    return {"toolUse": {"toolUseId": tool_id, "name": name, "input": {}}}


def _result(tool_id: str, status: str = "success") -> dict[str, Any]:
    return {"toolResult": {"toolUseId": tool_id, "status": status, "content": []}}


def test_results_are_matched_to_the_latest_tool_uses() -> None:
    messages = [
        {"role": "assistant", "content": [_use("a", "add"), _use("b", "search")]},
        {"role": "user", "content": [_result("a"), _result("b", "error")]},
        {"role": "assistant", "content": [_use("c", "add")]},
        {"role": "user", "content": [_result("c"), _result("zz")]},
    ]
    counts, pending = count_tool_results(messages)
    assert {name: (s.calls, s.successes, s.errors) for name, s in counts.items()} == {
        "add": (2, 2, 0),
        "search": (1, 0, 1),
        UNKNOWN_TOOL: (1, 1, 0),
    }
    assert pending == {}
    assert all(stats.time_ms == 0 for stats in counts.values())


def test_pending_uses_carry_over_and_are_not_modified() -> None:
    before = {"x": "lookup"}
    counts, pending = count_tool_results([{"role": "user", "content": [_result("x")]}], before)
    assert counts["lookup"].calls == 1
    assert pending == {}
    assert before == {"x": "lookup"}
    _, still = count_tool_results([{"role": "assistant", "content": [_use("y", "f")]}])
    assert still == {"y": "f"}


def test_tool_names_are_bounded() -> None:
    message = {"content": [_use("1", ""), _use("2", "n" * 1000), _use("3", None), {"text": "x"}]}
    assert tool_uses_of(message) == {
        "1": UNKNOWN_TOOL,
        "2": "n" * MAX_TOOL_NAME_LENGTH,
        "3": UNKNOWN_TOOL,
    }
