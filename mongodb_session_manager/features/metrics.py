"""Usage metrics: per-tool counters kept with each message, and the session summary.

Per message (already in the core): the token usage and latency of the model call
that produced an assistant message are stored on it, and the session's and the
agent's ``totals`` are ``$inc``'d in the same write.

Per tool (here): when a message carrying ``toolResult`` blocks is written, each
result is matched to its tool by ``toolUseId`` (from the agent's previous
assistant message) and ``totals.tools.<key>`` of the session and of the agent
get ``calls`` / ``successes`` / ``errors`` / ``time_ms`` incremented *in that same
write*. ``time_ms`` is the growth of Strands' ``agent.event_loop_metrics.tool_metrics``
since the last write, so it is exact per agent instance and needs no extra I/O.

Because everything is ``$inc``, totals stay right across processes and restarts
(the reference stamped cumulative snapshots on messages, which double counts).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from mongodb_session_manager.features._base import FeatureBase
from mongodb_session_manager.features.agent_config import read_agent_headers
from mongodb_session_manager.models import ToolTotals, UsageCounts, storage_key

if TYPE_CHECKING:
    from strands.types.session import SessionMessage

    from mongodb_session_manager.manager.tracking import AgentTracker

UNKNOWN_TOOL = "unknown_tool"
"""Name counted for a tool result whose tool use this manager never saw (Strands' own name)."""
MAX_TOOL_NAME_LENGTH = 256
_TOOL_ENTRY_BYTES = 120  # name, four counters and their keys, as BSON, rounded up


# ---------------------------------------------------------------------- per-tool counting


@dataclass
class ToolUsageState:
    """What a manager remembers per agent to count tool usage."""

    pending: dict[str, str] = field(default_factory=dict)
    """toolUseId -> tool name, from the agent's latest assistant message with tool uses."""
    time_seen: dict[str, float] = field(default_factory=dict)
    """Tool name -> Strands' cumulative ``total_time`` (seconds) already counted."""
    known_keys: set[str] = field(default_factory=set)
    """Tool keys this manager has already counted in ``size_bytes``."""


def tool_uses_of(message: Mapping[str, Any]) -> dict[str, str]:
    """``toolUseId -> name`` of the toolUse blocks of a message."""
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
        self.state.pending = self.pending
        self.state.time_seen = self.time_seen
        self.state.known_keys.update(self.by_key())


# ---------------------------------------------------------------------- the summary


class UsageAverages(BaseModel):
    """Averages per model call (0 when there was none)."""

    input_tokens_per_call: float = 0.0
    output_tokens_per_call: float = 0.0
    total_tokens_per_call: float = 0.0
    cache_read_tokens_per_call: float = 0.0
    latency_ms_per_call: float = 0.0
    time_to_first_byte_ms_per_call: float = 0.0

    @classmethod
    def of(cls, counts: UsageCounts) -> UsageAverages:
        calls = counts.model_calls
        if not calls:
            return cls()
        return cls(
            input_tokens_per_call=counts.input_tokens / calls,
            output_tokens_per_call=counts.output_tokens / calls,
            total_tokens_per_call=counts.total_tokens / calls,
            cache_read_tokens_per_call=counts.cache_read_tokens / calls,
            latency_ms_per_call=counts.latency_ms / calls,
            time_to_first_byte_ms_per_call=counts.time_to_first_byte_ms / calls,
        )


class ToolStats(ToolTotals):
    """A tool's counters plus derived figures."""

    average_time_ms: float = 0.0
    error_rate: float = 0.0

    @classmethod
    def of(cls, totals: ToolTotals) -> ToolStats:
        calls = totals.calls
        return cls(
            **totals.model_dump(),
            average_time_ms=totals.time_ms / calls if calls else 0.0,
            error_rate=totals.errors / calls if calls else 0.0,
        )


class UsageSummary(BaseModel):
    """Totals, averages and tool stats of a session or of one agent."""

    totals: UsageCounts = Field(default_factory=UsageCounts)
    averages: UsageAverages = Field(default_factory=UsageAverages)
    tools: dict[str, ToolStats] = Field(default_factory=dict)
    """By tool name."""

    @classmethod
    def of(cls, raw_totals: Any) -> UsageSummary:
        raw = dict(raw_totals) if isinstance(raw_totals, Mapping) else {}
        raw_tools = raw.pop("tools", None)
        counts = UsageCounts.model_validate(
            {k: v for k, v in raw.items() if k in UsageCounts.model_fields}
        )
        tools: dict[str, ToolStats] = {}
        for item in (raw_tools or {}).values() if isinstance(raw_tools, Mapping) else []:
            if isinstance(item, Mapping):
                stats = ToolStats.of(ToolTotals.model_validate(item))
                tools[stats.name or UNKNOWN_TOOL] = stats
        return cls(
            totals=counts, averages=UsageAverages.of(counts), tools=dict(sorted(tools.items()))
        )


class AgentMetrics(UsageSummary):
    """An agent's usage summary."""

    agent_id: str
    model: str | None = None
    message_count: int = 0


class MetricsSummary(UsageSummary):
    """Usage of a whole session: its totals, averages and tool stats, and each agent's."""

    session_id: str
    agents: dict[str, AgentMetrics] = Field(default_factory=dict)


# ---------------------------------------------------------------------- the mixin


class MetricsMixin(FeatureBase):
    """Per-tool counting (used by the manager's writes) and ``get_metrics_summary``."""

    def _plan_tool_usage(
        self, tracker: AgentTracker, agent: Any, messages: Sequence[SessionMessage]
    ) -> ToolUsagePlan:
        """The tool counters ``messages`` (about to be written) add for ``agent``."""
        state = self._features().tool_usage.setdefault(tracker.agent_id, ToolUsageState())
        pending = dict(state.pending)
        if not pending and tracker.latest is not None:
            # A manager that resumed the agent: its last stored message may hold the uses.
            pending = tool_uses_of(tracker.latest.message)
        by_name: dict[str, ToolTotals] = {}
        for session_message in messages:
            message: Mapping[str, Any] = session_message.message
            uses = tool_uses_of(message)
            if uses:
                pending = uses
            for block in message.get("content") or []:
                result = block.get("toolResult") if isinstance(block, Mapping) else None
                if not isinstance(result, Mapping):
                    continue
                name = pending.pop(str(result.get("toolUseId")), UNKNOWN_TOOL)
                stats = by_name.setdefault(name, ToolTotals(name=name))
                stats.calls += 1
                if result.get("status") == "error":
                    stats.errors += 1
                else:
                    stats.successes += 1
        time_seen = dict(state.time_seen)
        tool_metrics = getattr(getattr(agent, "event_loop_metrics", None), "tool_metrics", None)
        if isinstance(tool_metrics, Mapping):
            for name, stats in by_name.items():
                total = getattr(tool_metrics.get(name), "total_time", None)
                if isinstance(total, int | float):
                    stats.time_ms = round(max(0.0, total - time_seen.get(name, 0.0)) * 1000, 3)
                    time_seen[name] = float(total)
        return ToolUsagePlan(state, by_name, pending, time_seen)

    def get_metrics_summary(self) -> MetricsSummary:
        """Totals, per-call averages and tool stats of the session and of each agent.

        One read (an aggregation that returns the ``totals`` of the session and of
        each agent; no message is transferred).

        Raises:
            SessionNotFoundError: The session does not exist (any more).
        """
        return self._run(self._metrics_summary())

    async def get_metrics_summary_async(self) -> MetricsSummary:
        """Async twin of :meth:`get_metrics_summary`."""
        return await self._call(self._metrics_summary())

    async def _metrics_summary(self) -> MetricsSummary:
        root, agents = await read_agent_headers(
            self, ("agent_id", "model", "message_count", "totals"), ("totals",)
        )
        session = UsageSummary.of(root.get("totals"))
        summary = MetricsSummary(session_id=self.session_id, **dict(session))
        for raw in agents:
            usage = UsageSummary.of(raw.get("totals"))
            agent_id = str(raw["agent_id"])
            summary.agents[agent_id] = AgentMetrics(
                agent_id=agent_id,
                model=raw.get("model"),
                message_count=int(raw.get("message_count") or 0),
                **dict(usage),
            )
        return summary
