"""The AWS hook examples, run as a user would (moto's server and the embedded database)."""

from __future__ import annotations

import pytest

from mongodb_session_manager import MongoDBSessionManager
from mongodb_session_manager.testing import MongoBackend
from tests.examples.example_runner import run_example

pytestmark = pytest.mark.skipif(
    not hasattr(MongoDBSessionManager, "add_feedback"),
    reason="the examples call add_feedback / update_metadata (the session features of issue 3)",
)


@pytest.fixture(autouse=True)
def offline_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    """The examples start moto themselves when no AWS endpoint is configured."""
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def test_feedback_alerts_reach_the_topic_of_their_rating(msm_backend: MongoBackend) -> None:
    out = run_example("aws_feedback_sns.py", msm_backend)
    assert "[audit] add feedback on support-42: down" in out
    assert (
        "feedback-bad: [bad] feedback on support-42 | rating=down "
        "comment='It is due on the 15th!'" in out
    )
    assert (
        "feedback-good: [good] feedback on support-42 | rating=up "
        "comment='Thanks for the fix.'" in out
    )
    assert "Just a note." not in out  # no neutral topic
    assert "Stored feedbacks: 3" in out
    assert "Delivery: sent=2 failed=0 dropped=0" in out


def test_metadata_changes_reach_the_queue_with_only_the_selected_fields(
    msm_backend: MongoBackend,
) -> None:
    out = run_example("aws_metadata_sqs.py", msm_backend)
    assert 'update order-1017: {"status": "thinking"}' in out
    assert 'update order-1017: {"status": "answered", "eta": "2026-12-02T09:00:00Z"}' in out
    assert 'delete order-1017: {"eta": null}' in out
    assert "internal_score" not in out.split("Stored metadata:")[0]
    assert 'Stored metadata: {"internal_score": 0.97, "status": "answered"}' in out


def test_metadata_changes_are_pushed_to_the_browser(msm_backend: MongoBackend) -> None:
    out = run_example("aws_metadata_websocket.py", msm_backend)
    assert out.splitlines()[:2] == [
        'browser <- update {"status": "thinking", "progress": 0.1}',
        'browser <- update {"status": "done", "progress": 1.0}',
    ]
    assert "Delivery: sent=2 skipped=0 failed=0" in out
