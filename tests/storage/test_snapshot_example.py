"""``examples/snapshot_storage.py``, run as a user would: what it prints."""

from __future__ import annotations

import re

from mongodb_session_manager.testing import MongoBackend
from tests.examples.example_runner import run_example


def test_snapshot_storage_example(msm_backend: MongoBackend) -> None:
    out = run_example("snapshot_storage.py", msm_backend)

    assert "  4 messages, 2 checkpoints\n" in out
    assert len(re.findall(r"stored key: .*immutable_history/snapshot_", out)) == 2
    assert "snapshots/snapshot_latest.json" in out
    assert "  restored 4 messages\n" in out
    assert "the agent now holds: ['My order is A-1042.', 'Noted: order A-1042.']" in out
    assert re.search(r"  \d+ bytes in 1 round trip\(s\)", out)
    assert re.search(r"  session snapshot-example: 1 agent\(s\), \d+ bytes", out)
    assert re.findall(r"  checkpoint [\d:]+: (\d+) messages", out) == ["2", "4"]
