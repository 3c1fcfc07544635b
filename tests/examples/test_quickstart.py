"""The README's main command: the quickstart example, run as a user would."""

from __future__ import annotations

from example_runner import run_example

from mongodb_session_manager.testing import MongoBackend


def test_quickstart_persists_and_resumes(msm_backend: MongoBackend) -> None:
    out = run_example("quickstart.py", msm_backend)
    assert "Restored 6 messages from MongoDB:" in out
    assert "[tool call] multiply({'a': 12, 'b': 7.5})" in out
    assert "[tool result] 90.0" in out
    assert "The conversation continues: You asked about 12 licences, Ana." in out
    assert "Stored: 8 messages" in out
