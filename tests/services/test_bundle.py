"""The session services as units, over the real backend (no manager in between)."""

from __future__ import annotations

import pytest

from mongodb_session_manager import (
    MongoDBSessionManagerFactory,
    SessionNotFoundError,
)
from mongodb_session_manager.models import Feedback
from mongodb_session_manager.services import SessionServices, session_services
from mongodb_session_manager.services._access import read_agents
from tests.helpers.types import MakeManager as Make
from tests.helpers.types import ReadRaw as Raw


@pytest.fixture
def services(factory: MongoDBSessionManagerFactory, new_manager: Make) -> SessionServices:
    new_manager("svc")  # creates the session
    return session_services(factory.repository.store, "svc")


def test_metadata_write_read_remove(services: SessionServices, raw: Raw) -> None:
    run = services.metadata.runner.run
    run(services.metadata.write({"a": 1, "profile.tier": "gold"}))
    assert run(services.metadata.read()) == {"a": 1, "profile": {"tier": "gold"}}
    assert run(services.metadata.read_document(["a"])) == {"_id": "svc", "metadata": {"a": 1}}
    run(services.metadata.remove(["a"]))
    assert run(services.metadata.read()) == {"profile": {"tier": "gold"}}
    assert (raw("svc") or {})["metadata"] == {"profile": {"tier": "gold"}}


def test_metadata_and_config_share_the_size_bookkeeping(services: SessionServices) -> None:
    run = services.metadata.runner.run
    assert services.metadata.sizes is services.agent_config.sizes
    run(services.metadata.write({"k": "x" * 100}))
    assert services.metadata.sizes.size_overcount == 0
    run(services.metadata.write({"k": "y"}))  # replaced 100 bytes: counted once, then paid back
    assert services.metadata.sizes.size_overcount > 100
    run(services.metadata.write({"other": 1}))
    assert services.metadata.sizes.size_overcount == 0


def test_a_missing_session(factory: MongoDBSessionManagerFactory) -> None:
    gone = session_services(factory.repository.store, "never-created")
    run = gone.metadata.runner.run
    assert run(gone.metadata.read_document(None)) is None
    with pytest.raises(SessionNotFoundError):
        run(gone.metadata.read())
    with pytest.raises(SessionNotFoundError):
        run(gone.metadata.write({"a": 1}))
    assert run(gone.feedback.read()) == []
    assert run(gone.agent_config.read_config("default")) is None
    assert run(gone.agent_config.message_count("default")) == 0
    assert run(gone.agent_config.application_name()) is None
    with pytest.raises(SessionNotFoundError):
        run(gone.metrics.summary())


def test_feedback_push_and_read(services: SessionServices) -> None:
    run = services.feedback.runner.run
    run(services.feedback.push(Feedback(rating="up", comment="ok")))
    assert [f.comment for f in run(services.feedback.read())] == ["ok"]


def test_a_repository_stands_for_its_store(factory: MongoDBSessionManagerFactory) -> None:
    built = session_services(factory.repository, "svc")
    assert built.metadata.sizes.access is factory.repository.store


def test_agents_and_metrics_of_a_session(services: SessionServices, new_manager: Make) -> None:
    from strands import Agent

    from mongodb_session_manager.testing import ScriptedModel

    agent = Agent(
        model=ScriptedModel(["Hi."]), session_manager=new_manager("svc"), callback_handler=None
    )
    agent("Hello")
    run = services.agent_config.runner.run
    root, agents = run(read_agents(services.agent_config.access, "svc", ("agent_id",), ("totals",)))
    assert [a["agent_id"] for a in agents] == ["default"]
    assert "totals" in root
    assert run(services.agent_config.message_count("default")) == 2
    run(services.agent_config.write_config("default", "model-x", None, {"v": 2}))
    assert run(services.agent_config.read_config("default")) == {
        "agent_id": "default",
        "model": "model-x",
        "system_prompt": agent.system_prompt,
        "prompt_metadata": {"v": 2},
    }
    summary = run(services.metrics.summary())
    assert summary.session_id == "svc"
    assert summary.agents["default"].message_count == 2
