"""The repository's memory of multi-agent state sizes stays bounded."""

from __future__ import annotations

from mongodb_session_manager.repository.multi_agent_sizes import MultiAgentSizes


def test_sizes_are_remembered_and_the_oldest_evicted() -> None:
    sizes = MultiAgentSizes(limit=3)
    for number in range(5):
        sizes.remember(f"s{number}", "graph", 100 + number)
    assert len(sizes) == 3
    assert sizes.get("s0", "graph") == 0  # forgotten: the next write counts it whole
    assert sizes.get("s4", "graph") == 104
    sizes.get("s2", "graph")  # used: kept over s3
    sizes.remember("s5", "graph", 1)
    assert sizes.get("s2", "graph") == 102
    assert sizes.get("s3", "graph") == 0


def test_a_factory_repository_does_not_grow_per_session() -> None:
    sizes = MultiAgentSizes()
    for number in range(5000):
        sizes.remember(f"session-{number}", "swarm", number)
    assert len(sizes) == sizes.limit == 1024
