"""Shared plumbing of the examples: a database to talk to, with no setup.

Uses ``MONGODB_URI`` when it is set; otherwise starts the embedded
MongoDB-compatible server (mongoeco, Python 3.13+) on 127.0.0.1 for the run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def database() -> Iterator[str]:
    """Yield a MongoDB connection string for the example to use."""
    uri = os.environ.get("MONGODB_URI")
    if uri:
        yield uri
        return
    from mongodb_session_manager.local import LocalMongoServer

    with LocalMongoServer() as server:
        yield server.uri
