"""Shared plumbing of the examples: a database and a model, with no setup.

* :func:`database`: ``MONGODB_URI`` when it is set; otherwise the embedded
  MongoDB-compatible server (mongoeco, Python 3.13+) on 127.0.0.1 for the run.
* :func:`model`: the offline scripted model (it says what the example scripts),
  or a real model when ``MSM_MODEL`` names one, e.g.
  ``MSM_MODEL=bedrock:us.anthropic.claude-sonnet-4-20250514-v1:0`` (needs AWS
  credentials). With a real model the examples run the same steps; the answers
  are the model's own.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from strands.models.model import Model

from mongodb_session_manager.demo.models import parse_model_spec, resolve_model
from mongodb_session_manager.testing.scripted_model import ScriptItem


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


def model(script: Sequence[ScriptItem] = (), **scripted_options: Any) -> Model:
    """The model of the example: scripted (offline) unless ``MSM_MODEL`` names a real one."""
    return resolve_model(None, script, **scripted_options)


def offline() -> bool:
    """Whether the examples run on the offline scripted model."""
    return parse_model_spec().offline


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """Run an ASGI app with uvicorn in a thread on a free port; yield its base URL."""
    import uvicorn

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, name="example-server", daemon=True)
    thread.start()
    while not server.started:
        if not thread.is_alive():
            raise RuntimeError("the example server did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(30)
