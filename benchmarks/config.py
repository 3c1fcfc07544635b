"""How much to measure: the full run and the quick (CI) run."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Config:
    """Sizes and repetitions of every case."""

    quick: bool = False
    repeats: int = 5
    """Repetitions of each timed figure (median and spread are reported)."""
    resume_sizes: tuple[int, ...] = (100, 1_000, 10_000)
    s3_max_messages: int = 1_000
    """Largest session resumed from moto's S3 (moto answers ~7 ms per request)."""
    turns: int = 20
    """Turns of the per-turn overhead conversation."""
    chats: int = 50
    """Concurrent streaming chats in the event-loop case."""
    chat_turns: int = 2
    """Turns of each of those chats."""
    model_latency_ms: int = 2_000
    """Simulated model streaming time of one reply in the event-loop case."""
    loop_delay_ms: float = 1.0
    """Simulated network delay per round trip in the event-loop case."""
    delays_ms: tuple[float, ...] = (0.0, 1.0, 5.0, 20.0)
    """Simulated network delays of the network case."""
    network_resume_messages: int = 50
    memory_messages: int = 10_000
    viewer_sessions: int = 10_000
    viewer_page_size: int = 50
    hot_rounds: int = 7
    """Interleaved rounds of the hot-path CPU figures (medians are reported)."""
    hot_turns: int = 30
    """Turns measured per contender and round in the hot-path case."""
    hot_warmup: int = 25
    """Turns every hot-path agent runs first, past the sliding window (40 messages)."""
    hot_count_turn: int = 30
    """The turn whose writes are counted."""
    hot_state_kib: int = 63
    """Size of the unchanging ``agent.state`` of the hot-path state row."""
    hot_memory_turns: int = 150
    """Turns of the retained-memory row (NullConversationManager)."""
    hot_resume_messages: int = 10_000
    """Messages of the hot-path resume row (client CPU, ours vs FileSessionManager)."""
    scaling_sizes: tuple[int, ...] = (20, 300, 1_000, 5_000, 50_000)
    """Session lengths of the append-scaling case (issue 16)."""
    scaling_appends: int = 100
    """Appends timed per cell: one page's worth (the library seals a page every 100)."""
    scaling_v1_seconds: float = 10.0
    """Stop timing v1's appends in a cell after this long (at least 3): each costs seconds
    at 5,000 messages against the embedded server."""
    window_sizes: tuple[int, ...] = (20, 300, 1_000, 5_000, 50_000)
    """Session lengths of the windowed resume (``SlidingWindowConversationManager(40)``)."""
    big_session_mb: int = 100
    """Target size of the big-session case, in MB of messages (1 MB tool results + text)."""
    big_session_messages: int = 50_000
    """Messages of the big session."""
    snapshot_sizes: tuple[int, ...] = (10, 100, 1_000, 5_000)
    """Conversation lengths of the snapshot save / restore case (issue 17)."""
    memory_entries: int = 10_000
    """Entries of the memory-search case (issue 17)."""
    skip: frozenset[str] = field(default_factory=frozenset)
    """Case ids not to run."""

    @classmethod
    def full(cls) -> Config:
        """The full run (a few minutes on 2 cores)."""
        return cls()

    @classmethod
    def quick_run(cls) -> Config:
        """Small sizes, one or two repetitions: proves the benchmark runs (CI)."""
        return cls(
            quick=True,
            repeats=1,
            resume_sizes=(100, 1_000),
            s3_max_messages=100,
            turns=5,
            chats=10,
            chat_turns=1,
            model_latency_ms=100,
            delays_ms=(0.0, 5.0),
            network_resume_messages=20,
            memory_messages=1_000,
            viewer_sessions=500,
            viewer_page_size=50,
            hot_rounds=3,
            hot_turns=10,
            hot_memory_turns=50,
            hot_resume_messages=1_000,
            scaling_sizes=(20, 300, 1_000),
            scaling_v1_seconds=2.0,
            window_sizes=(20, 300, 1_000),
            big_session_mb=5,
            big_session_messages=1_000,
            snapshot_sizes=(10, 100),
            memory_entries=300,
        )
