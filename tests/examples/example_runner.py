"""Running the examples as a user would, and reading what they stored (shared by the tests)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from mongodb_session_manager import MongoDBSessionManagerFactory
from mongodb_session_manager.models import DEFAULT_COLLECTION
from mongodb_session_manager.testing import MongoBackend

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
EXAMPLES_DATABASE = "examples"


def run_example(name: str, backend: MongoBackend, *args: str) -> str:
    """Run ``examples/<name>`` offline in a fresh interpreter; return what it printed.

    On the test server when there is one (its data can then be read with
    :func:`stored_session`); otherwise the example starts its own embedded server,
    which needs Python 3.13.
    """
    env = {k: v for k, v in os.environ.items() if k != "MSM_MODEL"}
    if backend.uri is not None:
        env["MONGODB_URI"] = backend.uri
    elif sys.version_info >= (3, 13):
        env.pop("MONGODB_URI", None)
    else:
        pytest.skip("examples start the embedded server, which needs Python 3.13 (or MONGODB_URI)")
    done = subprocess.run(
        [sys.executable, str(EXAMPLES / name), *args],
        capture_output=True,
        text=True,
        timeout=240,
        env=env,
        cwd=EXAMPLES.parent,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def stored_session(backend: MongoBackend, session_id: str) -> dict[str, Any] | None:
    """An example's session as stored (``None`` when it ran on its own server)."""
    if backend.uri is None:
        return None
    factory = MongoDBSessionManagerFactory(backend.uri, EXAMPLES_DATABASE, ensure_indexes=False)
    try:

        async def find() -> dict[str, Any] | None:
            collection = factory.pool.collection(EXAMPLES_DATABASE, DEFAULT_COLLECTION)
            return await collection.find_one({"_id": session_id})

        return factory.pool.run(find())
    finally:
        factory.close()
