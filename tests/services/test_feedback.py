"""Feedback: validated, timestamped, typed on the way back, one write per add."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from mongodb_session_manager import (
    Feedback,
    InvalidInputError,
    MongoDBSessionManagerFactory,
    SessionNotFoundError,
    SessionTooLargeError,
)
from mongodb_session_manager.models.feedback import MAX_COMMENT_LENGTH
from tests.helpers.types import MakeManager as Make
from tests.helpers.types import ReadRaw as Raw


def test_feedback_is_stored_timestamped_and_read_back_typed(new_manager: Make) -> None:
    manager = new_manager()
    start = datetime.now(UTC) - timedelta(seconds=1)
    manager.add_feedback({"rating": "up", "comment": "Great answer!"})
    manager.add_feedback(
        {"rating": "down", "comment": "Wrong total", "agent_id": "billing", "message_id": 3}
    )
    manager.add_feedback({"rating": None, "comment": None})  # the reference allowed this
    feedbacks = new_manager().get_feedbacks()
    assert all(isinstance(f, Feedback) for f in feedbacks)
    assert [(f.rating, f.comment) for f in feedbacks] == [
        ("up", "Great answer!"),
        ("down", "Wrong total"),
        (None, ""),
    ]
    assert (feedbacks[1].agent_id, feedbacks[1].message_id) == ("billing", 3)
    assert all(f.created_at.tzinfo is not None and f.created_at >= start for f in feedbacks)


def test_a_feedback_model_instance_is_accepted(new_manager: Make) -> None:
    manager = new_manager()
    returned = manager.add_feedback(Feedback(rating="up", comment="typed"))
    assert returned.comment == "typed"
    assert manager.get_feedbacks()[0].comment == "typed"


@pytest.mark.parametrize(
    ("feedback", "field"),
    [
        ({"rating": "meh"}, "feedback.rating"),
        ({"rating": 5}, "feedback.rating"),
        ({"rating": "up", "comment": "x" * (MAX_COMMENT_LENGTH + 1)}, "feedback.comment"),
        ({"rating": "up", "$stars": 5}, "may not start with"),
        ({"rating": "up", "a.b": 5}, "contains '.'"),
        ({"rating": "up", "extra": {"$gt": 1}}, "may not start with"),
        ({"rating": "up", "blob": "x" * 300_000}, "the limit is"),
        ({"rating": "meh"}, "feedback.rating"),
        ({"rating": "up", "message_id": -1}, "feedback.message_id"),
        ({"rating": "up", "agent_id": "a\x00b"}, "feedback.agent_id"),
        ({"rating": "up", "created_at": "yesterday"}, "feedback.created_at"),
        ("thumbs up", "must be a dict"),
    ],
)
def test_invalid_feedback_names_the_field_and_writes_nothing(
    new_manager: Make, raw: Raw, feedback: Any, field: str
) -> None:
    manager = new_manager()
    before = raw("session-1")
    with pytest.raises(InvalidInputError, match=field):
        manager.add_feedback(feedback)
    assert raw("session-1") == before


def test_feedback_on_a_missing_session_is_an_error(
    new_manager: Make, factory: MongoDBSessionManagerFactory
) -> None:
    manager = new_manager("gone")
    factory.repository.delete_session("gone")
    with pytest.raises(SessionNotFoundError):
        manager.add_feedback({"rating": "up"})
    assert manager.get_feedbacks() == []  # the reference library's answer for no session


def test_feedback_respects_the_size_guard(msm_options: dict[str, Any], raw: Raw) -> None:
    small = MongoDBSessionManagerFactory(**msm_options, max_document_bytes=12_000)
    manager = small.create_session_manager("small")
    try:
        manager.add_feedback({"rating": "up", "comment": "x" * 6_000})
        before = raw("small")
        with pytest.raises(SessionTooLargeError):
            manager.add_feedback({"rating": "up", "comment": "y" * 6_000})
        assert raw("small") == before
    finally:
        manager.close()
        small.close()


async def test_async_twins(factory: MongoDBSessionManagerFactory) -> None:
    manager = await factory.create_session_manager_async("async-fb")
    stored = await manager.add_feedback_async({"rating": "down", "comment": "late"})
    assert stored.rating == "down"
    assert [f.comment for f in await manager.get_feedbacks_async()] == ["late"]
    with pytest.raises(InvalidInputError, match=r"feedback\.rating"):
        await manager.add_feedback_async({"rating": "sideways"})
