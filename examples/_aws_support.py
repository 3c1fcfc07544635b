"""Shared plumbing of the AWS examples: an AWS endpoint to talk to, with no setup.

Uses ``AWS_ENDPOINT_URL`` when it is set (LocalStack, say). Otherwise starts
moto's server on 127.0.0.1 for the run, with throwaway credentials, so the
examples run offline and never touch a real AWS account.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager

REGION = os.environ.get("AWS_DEFAULT_REGION", "eu-west-1")


@contextmanager
def aws_endpoint() -> Iterator[str]:
    """Yield the endpoint URL the example's AWS clients and hooks use."""
    configured = os.environ.get("AWS_ENDPOINT_URL")
    if configured:
        yield configured
        return
    from moto.server import ThreadedMotoServer

    # moto accepts any credentials; these keep real ones out of the run.
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ[name] = "testing"
    os.environ.pop("AWS_PROFILE", None)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's request log
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()
