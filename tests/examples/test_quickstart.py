"""The README's quickstart: ``examples/quickstart.py`` is that block, and it runs."""

from __future__ import annotations

import pytest

from mongodb_session_manager.testing import MongoBackend
from tests.examples.example_runner import EXAMPLES, run_example
from tests.examples.readme_blocks import drop_database, python_blocks


def test_the_example_is_the_readmes_quickstart() -> None:
    quickstart = python_blocks("30-second quickstart")[0]
    assert quickstart in (EXAMPLES / "quickstart.py").read_text(encoding="utf-8")


def test_quickstart_persists_and_resumes(msm_backend: MongoBackend) -> None:
    if msm_backend.uri is None:
        pytest.skip("the quickstart reaches MongoDB through MONGODB_URI; the mock backend has none")
    drop_database(msm_backend, "my_app")
    out = run_example("quickstart.py", msm_backend)
    assert out.strip().splitlines() == [
        "2 messages restored from MongoDB",
        "You told me: your name is Ana.",
    ]
    again = run_example("quickstart.py", msm_backend)  # re-runnable: the session grows
    assert again.splitlines()[0] == "6 messages restored from MongoDB"
