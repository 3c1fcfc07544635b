"""Retention: ``expires_at`` + a TTL index, refreshed by every write, in UTC."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from strands import Agent

from mongodb_session_manager import (
    InvalidInputError,
    MongoDBSessionManager,
    MongoDBSessionManagerFactory,
)
from mongodb_session_manager.testing import ScriptedModel
from tests.helpers.store import raw_collection

TTL = timedelta(hours=2)


@pytest.fixture
def ttl_factory(msm_options: dict[str, Any]) -> Iterator[MongoDBSessionManagerFactory]:
    made = MongoDBSessionManagerFactory(**msm_options, ttl=TTL)
    yield made
    made.close()


def stored(factory: MongoDBSessionManagerFactory, session_id: str) -> dict[str, Any]:
    async def find() -> dict[str, Any]:
        return await raw_collection(factory.repository).find_one({"_id": session_id})  # type: ignore[no-any-return]

    return factory.pool.run(find())


def close_to(value: datetime, expected: datetime, seconds: float = 30) -> bool:
    return abs((value - expected).total_seconds()) < seconds


@pytest.fixture
def far_from_utc() -> Iterator[None]:
    """Run with the machine's clock at UTC+14: a naive local time would be 14 hours off."""
    previous = time.tzname, __import__("os").environ.get("TZ")
    import os

    os.environ["TZ"] = "XYZ-14"
    time.tzset()
    naive_local = datetime.now()
    assert abs((naive_local - datetime.now(UTC).replace(tzinfo=None)) - timedelta(hours=14)) < (
        timedelta(seconds=5)
    )
    yield
    if previous[1] is None:
        os.environ.pop("TZ", None)
    else:
        os.environ["TZ"] = previous[1]
    time.tzset()


def test_a_new_session_expires_ttl_after_now_in_utc_whatever_the_local_zone(
    ttl_factory: MongoDBSessionManagerFactory, far_from_utc: None
) -> None:
    ttl_factory.create_session_manager("s-ttl").close()

    expires_at = stored(ttl_factory, "s-ttl")["expires_at"]

    assert expires_at.tzinfo is not None
    # Neither expired already nor 14 hours off: exactly now + ttl, in UTC.
    assert close_to(expires_at, datetime.now(UTC) + TTL)
    assert expires_at > datetime.now(UTC)


def test_every_write_moves_the_expiry_in_the_same_write(
    ttl_factory: MongoDBSessionManagerFactory,
    factory: MongoDBSessionManagerFactory,
    needs_command_monitoring: None,
) -> None:
    manager = ttl_factory.create_session_manager("s-refresh")
    agent = Agent(
        model=ScriptedModel(["one", "two"]), session_manager=manager, callback_handler=None
    )
    agent("first")
    first = stored(ttl_factory, "s-refresh")["expires_at"]
    time.sleep(0.01)

    with ttl_factory.pool.command_stats.capture() as with_ttl:
        agent("second")
    second = stored(ttl_factory, "s-refresh")["expires_at"]

    plain = Agent(
        model=ScriptedModel(["one", "two"]),
        session_manager=factory.create_session_manager("s-plain"),
        callback_handler=None,
    )
    plain("first")
    with factory.pool.command_stats.capture() as without_ttl:
        plain("second")

    assert second > first
    assert close_to(second, datetime.now(UTC) + TTL)
    assert with_ttl.commands == without_ttl.commands  # no extra round trip for the expiry
    assert stored(factory, "s-plain").get("expires_at") is None  # no ttl: never expires
    manager.close()


def test_a_manager_can_set_its_own_ttl_on_a_shared_factory(
    ttl_factory: MongoDBSessionManagerFactory,
) -> None:
    ttl_factory.create_session_manager("short", ttl=timedelta(minutes=10)).close()
    ttl_factory.create_session_manager("default").close()

    now = datetime.now(UTC)
    assert close_to(stored(ttl_factory, "short")["expires_at"], now + timedelta(minutes=10))
    assert close_to(stored(ttl_factory, "default")["expires_at"], now + TTL)


def test_the_ttl_index_expires_documents_at_their_own_expires_at(
    ttl_factory: MongoDBSessionManagerFactory,
) -> None:
    async def indexes() -> dict[str, Any]:
        return await raw_collection(ttl_factory.repository).index_information()  # type: ignore[no-any-return]

    index = ttl_factory.pool.run(indexes())["expires_at_ttl"]
    assert index["expireAfterSeconds"] == 0
    assert list(index["key"]) == [("expires_at", 1)]


@pytest.mark.parametrize("bad", [timedelta(0), timedelta(seconds=-5), 3600, "2h"])
def test_a_bad_ttl_is_refused_before_anything_opens(msm_options: dict[str, Any], bad: Any) -> None:
    with pytest.raises(InvalidInputError, match="ttl"):
        MongoDBSessionManagerFactory(**msm_options, ttl=bad)
    with pytest.raises(InvalidInputError, match="ttl"):
        MongoDBSessionManager("s", **msm_options, ttl=bad)


def test_metadata_and_feedback_writes_also_move_the_expiry(
    ttl_factory: MongoDBSessionManagerFactory,
) -> None:
    manager = ttl_factory.create_session_manager("s-features")
    created = stored(ttl_factory, "s-features")["expires_at"]
    time.sleep(0.01)
    manager.update_metadata({"customer_id": "c-1"})
    after_metadata = stored(ttl_factory, "s-features")["expires_at"]
    time.sleep(0.01)
    manager.add_feedback({"rating": "up", "comment": "ok"})
    after_feedback = stored(ttl_factory, "s-features")["expires_at"]
    manager.close()

    assert created < after_metadata < after_feedback
    assert close_to(after_feedback, datetime.now(UTC) + TTL)
