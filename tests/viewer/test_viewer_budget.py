"""Round trips and bytes of each viewer screen: they read only what they show.

Two collections with the same number of sessions, one with short conversations
and one with long, wordy ones (about 0.6 MB per session): result pages, session
headers, timeline pages and metrics must cost the same round trips, and bytes
that do not grow with the size of the stored conversations.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
from pymongo import monitoring

from mongodb_session_manager.demo.synthetic import insert_synthetic_sessions, synthetic_session
from mongodb_session_manager.store import StoreLoop
from mongodb_session_manager.testing import MongoBackend
from mongodb_session_manager.viewer import SessionQueries, ViewerSettings
from mongodb_session_manager.viewer.filters import MetaFilter, SessionSearch
from mongodb_session_manager.viewer.perf import ScreenCost, measure, measure_screens

pytestmark = pytest.mark.usefixtures("needs_command_monitoring")

DRIVER_COMMANDS = frozenset({"hello", "ismaster", "isMaster", "ping", "endSessions", "killCursors"})
"""The driver's own commands (handshakes, heartbeats): not the viewer's work."""
SESSIONS = 25
SMALL = {"agents": 2, "messages_per_agent": 4, "text_chars": 300}
LARGE = {"agents": 2, "messages_per_agent": 300, "text_chars": 1000}


class ThreadListener(monitoring.CommandListener):
    """Records, per application command, whether it starts on the store loop's thread.

    A PyMongo command listener runs on the thread that sends the command.
    """

    def __init__(self) -> None:
        self.on_store_thread: list[bool] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if event.command_name not in DRIVER_COMMANDS:
            self.on_store_thread.append(StoreLoop.get().in_store_thread())

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        pass

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        pass


LISTENER = ThreadListener()
"""One listener, so both collections' queries share one pool, as the viewer's screens would."""


def _queries(backend: MongoBackend, shape: dict[str, int]) -> Iterator[SessionQueries]:
    database = f"msm_budget_{uuid.uuid4().hex[:10]}"
    options = backend.options(database)
    queries = SessionQueries(
        ViewerSettings(
            connection_string=options.get("connection_string"),
            client=options.get("client"),
            database_name=database,
            # A 15 MB insert keeps the in-process server busy: a loaded machine must not
            # fail the driver's heartbeat meanwhile (that cancels the insert).
            pool_options={"event_listeners": [LISTENER], "connectTimeoutMS": 60_000},
        )
    )
    queries.pool.run(insert_synthetic_sessions(queries, SESSIONS, **shape))
    yield queries

    async def drop() -> None:
        await queries.pool.client().drop_database(database)

    queries.pool.run(drop())
    queries.close()


@pytest.fixture(scope="module")
def small(msm_backend: MongoBackend) -> Iterator[SessionQueries]:
    yield from _queries(msm_backend, SMALL)


@pytest.fixture(scope="module")
def large(msm_backend: MongoBackend) -> Iterator[SessionQueries]:
    yield from _queries(msm_backend, LARGE)


@pytest.fixture
async def costs(small: SessionQueries, large: SessionQueries) -> AsyncIterator[Callable[..., Any]]:
    async def both(call: Callable[[SessionQueries], Any]) -> tuple[ScreenCost, ScreenCost]:
        return (
            await measure(small, lambda: call(small)),
            await measure(large, lambda: call(large)),
        )

    await small.fields()
    await large.fields()
    yield both


def _stored_bytes(shape: dict[str, Any]) -> int:
    import bson

    return len(bson.encode(synthetic_session(3, **shape)))


async def test_result_page_is_two_reads_whatever_the_conversations_weigh(
    costs: Callable[..., Any],
) -> None:
    plain_small, plain_large = await costs(lambda q: q.search(SessionSearch(limit=20)))
    meta = SessionSearch(limit=20, meta=[MetaFilter("customer_tier", "eq", ["gold"])])
    filtered_small, filtered_large = await costs(lambda q: q.search(meta))
    for cost in (plain_small, plain_large, filtered_small, filtered_large):
        assert cost.round_trips == 2 and cost.reads == 2  # the page and its count, together
    assert _stored_bytes(LARGE) > 100 * _stored_bytes(SMALL) / 2  # the data really differs
    # 20 rows of ~1.2 KB (two 200-character previews); long conversations add nothing.
    assert plain_large.bytes_received < 30_000
    assert plain_large.bytes_received < plain_small.bytes_received * 1.1
    assert filtered_large.bytes_received < filtered_small.bytes_received * 1.1


async def test_session_header_is_one_read_without_messages(costs: Callable[..., Any]) -> None:
    header_small, header_large = await costs(lambda q: q.session("synthetic-000003"))
    assert header_small.round_trips == header_large.round_trips == 1
    assert header_large.bytes_received < 3_000
    assert header_large.bytes_received < header_small.bytes_received * 1.1


async def test_timeline_page_reads_one_slice_per_agent(costs: Callable[..., Any]) -> None:
    first_small, first_large = await costs(lambda q: q.timeline("synthetic-000003", None, 20))
    assert first_small.round_trips == first_large.round_trips == 1
    # At most 20 messages per agent (2 agents, ~1.1 KB each) of a ~0.6 MB session.
    assert first_large.bytes_received < 2 * 20 * 1_300
    assert first_large.bytes_received * 10 < _stored_bytes(LARGE)


async def test_later_timeline_pages_cost_the_same(large: SessionQueries) -> None:
    page = await large.timeline("synthetic-000004", None, 25)
    later = await measure(large, lambda: large.timeline("synthetic-000004", page.next_cursor, 25))
    assert later.round_trips == 1
    assert later.bytes_received < 2 * 25 * 1_300


async def test_metrics_read_figures_not_content(costs: Callable[..., Any]) -> None:
    small_cost, large_cost = await costs(lambda q: q.metrics("synthetic-000003"))
    assert small_cost.round_trips == large_cost.round_trips == 1
    # 600 messages x (time + usage + metrics) and no text.
    assert large_cost.bytes_received * 5 < _stored_bytes(LARGE)


async def test_field_discovery_is_cached(large: SessionQueries) -> None:
    large.catalog.invalidate()
    cold = await measure(large, large.fields)
    warm = await measure(large, large.fields)
    assert cold.round_trips == 3  # indexes, a projected sample, distinct application names
    assert warm.round_trips == 0
    assert cold.bytes_received < 20_000


async def test_all_database_work_runs_on_the_store_loop(large: SessionQueries) -> None:
    # The web server's loop awaits; PyMongo runs on the library's own loop thread.
    LISTENER.on_store_thread.clear()
    report = await measure_screens(large, "synthetic-000007")
    assert set(report) == {
        "search_page",
        "search_filtered",
        "search_deep_page",
        "session_header",
        "timeline_page",
        "metrics",
    }
    assert LISTENER.on_store_thread and all(LISTENER.on_store_thread)
    assert report["search_deep_page"]["round_trips"] == 2


async def test_an_unknown_field_rediscovers_at_most_every_few_seconds(
    large: SessionQueries,
) -> None:
    from mongodb_session_manager.errors import InvalidFilterError

    async def unknown() -> None:
        with pytest.raises(InvalidFilterError):
            await large.parse_search(SessionSearch(), [("meta.not_there", "x")])

    large.catalog.invalidate()  # a fresh discovery (a slow machine may have aged the cache)
    await large.fields()
    assert (await measure(large, unknown)).round_trips == 0  # just discovered: refuse at once
    large.catalog._at -= 60  # a discovery a minute old: the field may be new, look again
    assert (await measure(large, unknown)).round_trips == 3
    assert (await measure(large, unknown)).round_trips == 0
