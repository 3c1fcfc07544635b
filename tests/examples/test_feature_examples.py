"""The session-feature examples, run as a user would: what they print and what they store."""

from __future__ import annotations

from mongodb_session_manager.testing import MongoBackend
from tests.examples.example_runner import run_example as run
from tests.examples.example_runner import stored_session as stored


def test_metadata_hooks_example(msm_backend: MongoBackend) -> None:
    out = run("metadata_hooks.py", msm_backend)
    assert "[audit] update {'customer_id': 'c-42', 'priority': 'normal'}" in out
    assert "refused: priority must be one of ['high', 'low', 'normal']" in out
    assert "refused: customer_id is owned by the CRM" in out
    assert "4 reads, 2 from MongoDB; priority after update: low" in out
    assert "tool success: Successfully updated metadata fields: ['language']" in out
    assert "tool error: Error managing metadata: priority must be one of" in out
    document = stored(msm_backend, "metadata-hooks-demo")
    if document is not None:
        assert document["metadata"] == {
            "customer_id": "c-42",
            "priority": "low",
            "last_modified_by": "support-app",
            "language": "es",
        }
        assert document["totals"]["tools"]["manage_metadata"]["calls"] == 2
        assert document["totals"]["tools"]["manage_metadata"]["errors"] == 1


def test_feedback_hooks_example(msm_backend: MongoBackend) -> None:
    out = run("feedback_hooks.py", msm_backend)
    assert "refused: feedback looks like spam; not stored" in out
    assert "refused: feedback.rating: Input should be 'up' or 'down'" in out
    assert "Stored 3 feedbacks:" in out
    assert "Alerts sent: ['negative feedback on feedback-hooks-demo: The price was wrong']" in out
    assert "Ratings: {'down': 1, 'neutral': 1, 'up': 1}" in out
    document = stored(msm_backend, "feedback-hooks-demo")
    if document is not None:
        assert [(f["rating"], f["comment"]) for f in document["feedbacks"]] == [
            ("up", "Quick answer, thanks!"),
            ("down", "The price was wrong"),
            (None, "ok"),
        ]
        assert document["feedbacks"][1]["message_id"] == 3


def test_long_term_memory(msm_backend: MongoBackend) -> None:
    out = run("long_term_memory.py", msm_backend)
    assert "  entries for ana: 1\n" in out
    assert "search_memory found: " in out and "s favourite city is Lisbon" in out
    assert "  entries after extraction: 2\n" in out
    assert "  [user] I take my tea with lemon, no sugar. (ranked by " in out
    assert "  bob's results: []\n" in out
    again = run("long_term_memory.py", msm_backend)  # re-runnable: idempotent, cleaned up
    assert "  entries for ana: 1\n" in again and "  entries after extraction: 2\n" in again
