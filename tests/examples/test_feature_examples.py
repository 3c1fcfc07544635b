"""The session-feature examples, run as a user would: what they print and what they store."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mongodb_session_manager import MongoDBSessionManagerFactory
from mongodb_session_manager.testing import MongoBackend

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"


def run(name: str, backend: MongoBackend) -> str:
    """Run ``examples/<name>``; on the test server when there is one, else its own server."""
    env = dict(os.environ)
    if backend.uri is not None:
        env["MONGODB_URI"] = backend.uri
    elif sys.version_info >= (3, 13):
        env.pop("MONGODB_URI", None)
    else:
        pytest.skip("examples start the embedded server, which needs Python 3.13 (or MONGODB_URI)")
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / name)],
        capture_output=True,
        text=True,
        timeout=180,
        env=env,
        cwd=EXAMPLES.parent,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def stored(backend: MongoBackend, session_id: str) -> dict[str, Any] | None:
    """The example's session as stored (``None`` when the example ran on its own server)."""
    if backend.uri is None:
        return None
    factory = MongoDBSessionManagerFactory(backend.uri, "examples", ensure_indexes=False)
    try:

        async def find() -> dict[str, Any] | None:
            return await factory.repository._collection().find_one({"_id": session_id})  # type: ignore[no-any-return]

        return factory.pool.run(find())
    finally:
        factory.close()


def test_metadata_hooks_example(msm_backend: MongoBackend) -> None:
    out = run("metadata_hooks.py", msm_backend)
    assert "[audit] update {'customer_id': 'c-42', 'priority': 'normal'}" in out
    assert "refused: priority must be one of ['high', 'low', 'normal']" in out
    assert "refused: customer_id is owned by the CRM" in out
    assert "4 reads, 2 from MongoDB; priority after update: low" in out
    assert 'tool success: {"updated": ["language"]}' in out
    assert "tool error: Error: priority must be one of" in out
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
