"""Running ``msm`` in process against the test database."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from typer.testing import CliRunner

from mongodb_session_manager import MongoDBSessionManagerFactory
from mongodb_session_manager.cli import app
from mongodb_session_manager.testing import MongoBackend

Invoke = Callable[..., Any]


@pytest.fixture
def msm(factory: MongoDBSessionManagerFactory, msm_backend: MongoBackend) -> Invoke:
    """``msm(*args, input=None)``: the CLI on the test database (by --uri on a server)."""
    database = factory.repository.database_name

    def invoke(*args: str, input: str | None = None) -> Any:
        command, rest = list(args[:2]), list(args[2:])
        options = ["--database", database]
        obj = None
        if msm_backend.uri is not None:
            options += ["--uri", msm_backend.uri]
        else:  # an in-process client: handed over through the context object
            obj = {"pool": factory.pool}
        return CliRunner().invoke(app, [*command, *options, *rest], input=input, obj=obj)

    return invoke
