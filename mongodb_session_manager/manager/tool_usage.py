"""The tool counters a message write adds (computed on the write path, no extra I/O).

When a message carrying ``toolResult`` blocks is written, each result is matched
to its tool by ``toolUseId`` (:func:`~mongodb_session_manager.models.tool_usage.count_tool_results`)
and ``totals.tools.<key>`` of the session and of the agent get ``calls`` /
``successes`` / ``errors`` / ``time_ms`` incremented *in that same write*.
``time_ms`` is the growth of Strands' ``agent.event_loop_metrics.tool_metrics``
since the last write, so it is exact per agent instance. Everything is ``$inc``,
so totals stay right across processes and restarts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mongodb_session_manager.models import ToolTotals, storage_key
from mongodb_session_manager.models.tool_usage import count_tool_results, tool_uses_of

if TYPE_CHECKING:
    from strands.types.session import SessionMessage

    from mongodb_session_manager.manager.tracking import AgentTracker, ToolUsageState

__all__ = ["ToolUsagePlan", "plan_tool_usage"]

_TOOL_ENTRY_BYTES = 120  # name, four counters and their keys, as BSON, rounded up


@dataclass
class ToolUsagePlan:
    """Tool counters one write adds; :meth:`commit` once the write succeeded."""

    state: ToolUsageState
    by_name: dict[str, ToolTotals]
    pending: dict[str, str]
    time_seen: dict[str, float]

    def by_key(self) -> dict[str, ToolTotals]:
        """The counters keyed as stored (for a new agent record)."""
        return {storage_key(name): stats for name, stats in self.by_name.items()}

    def update(self, agent_key: str | None) -> dict[str, dict[str, Any]]:
        """``$inc`` / ``$set`` for the session totals, and the agent's if ``agent_key``."""
        if not self.by_name:
            return {}
        prefixes = ["totals.tools"]
        if agent_key is not None:
            prefixes.append(f"agents.{agent_key}.totals.tools")
        inc: dict[str, Any] = {"size_bytes": 0}
        set_: dict[str, Any] = {}
        for key, stats in self.by_key().items():
            for prefix in prefixes:
                base = f"{prefix}.{key}"
                set_[f"{base}.name"] = stats.name
                for counter in ("calls", "successes", "errors", "time_ms"):
                    amount = getattr(stats, counter)
                    if amount:
                        inc[f"{base}.{counter}"] = amount
            if key not in self.state.known_keys:
                inc["size_bytes"] += len(prefixes) * (
                    _TOOL_ENTRY_BYTES + len(key) + len(stats.name)
                )
        return {"$inc": inc, "$set": set_}

    def commit(self) -> None:
        """Record the plan as written (the state the next write starts from)."""
        self.state.pending = self.pending
        self.state.time_seen = self.time_seen
        self.state.known_keys.update(self.by_key())


def plan_tool_usage(
    tracker: AgentTracker, agent: Any, messages: Sequence[SessionMessage]
) -> ToolUsagePlan:
    """The tool counters ``messages`` (about to be written) add for ``agent``.

    Args:
        tracker: The agent's tracker (its ``tool_usage`` state and latest message).
        agent: The live agent (for Strands' tool timings).
        messages: The messages of the write, oldest first.
    """
    state = tracker.tool_usage
    pending = dict(state.pending)
    if not pending and tracker.latest is not None:
        # A manager that resumed the agent: its last stored message may hold the uses.
        pending = tool_uses_of(tracker.latest.message)
    by_name, pending = count_tool_results((m.message for m in messages), pending)
    time_seen = dict(state.time_seen)
    tool_metrics = getattr(getattr(agent, "event_loop_metrics", None), "tool_metrics", None)
    if isinstance(tool_metrics, Mapping):
        for name, stats in by_name.items():
            total = getattr(tool_metrics.get(name), "total_time", None)
            if isinstance(total, int | float):
                stats.time_ms = round(max(0.0, total - time_seen.get(name, 0.0)) * 1000, 3)
                time_seen[name] = float(total)
    return ToolUsagePlan(state, by_name, pending, time_seen)
