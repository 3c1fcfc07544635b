"""``shared/reference/upstream-api.md``, row by row: every name, default and shape it lists.

Written as a user of the reference library writes code (sync ``MongoClient``,
positional connection strings, the reference's default database), on the
default backend (the wire server: real PyMongo).
"""

from __future__ import annotations

import importlib
import inspect
import warnings
from typing import Any

import pytest
from strands.types.session import Session, SessionAgent, SessionMessage, SessionType

import mongodb_session_manager as msm
from mongodb_session_manager import (
    GUARDRAIL_STOP_REASONS,
    MessageIdError,
    MongoDBConnectionPool,
    MongoDBSessionManager,
    MongoDBSessionManagerFactory,
    MongoDBSessionRepository,
    create_mongodb_session_manager,
    get_global_factory,
    initialize_global_factory,
)
from tests.helpers.types import repository_of

# ------------------------------------------------------------------ exports and module paths

EXPORTS = [
    "MongoDBSessionManager",
    "MongoDBSessionRepository",
    "MongoDBConnectionPool",
    "MongoDBSessionManagerFactory",
    "GUARDRAIL_STOP_REASONS",
    "create_mongodb_session_manager",
    "initialize_global_factory",
    "get_global_factory",
    "close_global_factory",
    "FeedbackSNSHook",
    "create_feedback_sns_hook",
    "MetadataSQSHook",
    "create_metadata_sqs_hook",
    "MetadataWebSocketHook",
    "create_metadata_websocket_hook",
    "is_feedback_sns_hook_available",
    "is_metadata_sqs_hook_available",
    "is_metadata_websocket_hook_available",
    "__version__",
]

MODULE_PATHS = {
    "mongodb_session_manager.mongodb_session_manager": ["MongoDBSessionManager"],
    "mongodb_session_manager.mongodb_session_repository": ["MongoDBSessionRepository"],
    "mongodb_session_manager.mongodb_session_factory": [
        "MongoDBSessionManagerFactory",
        "initialize_global_factory",
        "get_global_factory",
        "close_global_factory",
    ],
    "mongodb_session_manager.mongodb_connection_pool": ["MongoDBConnectionPool"],
    "mongodb_session_manager.hooks.feedback_sns_hook": ["FeedbackSNSHook", "create_feedback_hook"],
    "mongodb_session_manager.hooks.metadata_sqs_hook": ["MetadataSQSHook", "create_metadata_hook"],
    "mongodb_session_manager.hooks.metadata_websocket_hook": [
        "MetadataWebSocketHook",
        "create_metadata_hook",
    ],
}


def test_the_package_exports_every_reference_name() -> None:
    missing = [name for name in EXPORTS if not hasattr(msm, name)]
    assert missing == []
    assert set(EXPORTS) <= set(msm.__all__)
    assert frozenset({"guardrail_intervened", "content_filtered"}) == GUARDRAIL_STOP_REASONS
    assert isinstance(GUARDRAIL_STOP_REASONS, frozenset)


@pytest.mark.parametrize("module_name", sorted(MODULE_PATHS))
def test_reference_module_paths_are_aliases_of_the_same_objects(module_name: str) -> None:
    module = importlib.import_module(module_name)
    for name in MODULE_PATHS[module_name]:
        value = getattr(module, name)
        canonical = {
            "create_feedback_hook": msm.create_feedback_sns_hook,
            "create_metadata_hook": (
                msm.create_metadata_websocket_hook
                if "websocket" in module_name
                else msm.create_metadata_sqs_hook
            ),
        }.get(name, getattr(msm, name, None))
        assert value is canonical, f"{module_name}.{name} is a second implementation"


# ------------------------------------------------------------------ constructors and defaults


def defaults(callable_: Any) -> dict[str, Any]:
    return {
        name: parameter.default
        for name, parameter in inspect.signature(callable_).parameters.items()
        if parameter.default is not inspect.Parameter.empty
    }


@pytest.mark.parametrize(
    "callable_",
    [
        MongoDBSessionManager,
        MongoDBSessionManagerFactory,
        MongoDBSessionRepository,
        initialize_global_factory,
        create_mongodb_session_manager,
    ],
)
def test_default_database_and_collection_are_the_reference_ones(callable_: Any) -> None:
    found = defaults(callable_)
    assert found["database_name"] == "database_name"
    assert found["collection_name"] == "collection_name"


def test_positional_order_of_the_reference_constructors() -> None:
    manager = list(inspect.signature(MongoDBSessionManager).parameters)
    assert manager[:9] == [
        "session_id",
        "connection_string",
        "database_name",
        "collection_name",
        "client",
        "metadata_fields",
        "metadata_hook",
        "feedback_hook",
        "application_name",
    ]
    factory = list(inspect.signature(MongoDBSessionManagerFactory).parameters)
    assert factory[:6] == [
        "connection_string",
        "database_name",
        "collection_name",
        "client",
        "metadata_fields",
        "application_name",
    ]
    repository = list(inspect.signature(MongoDBSessionRepository).parameters)
    assert repository[:6] == factory[:6]
    create = list(inspect.signature(MongoDBSessionManagerFactory.create_session_manager).parameters)
    assert create[1:6] == [
        "session_id",
        "database_name",
        "collection_name",
        "metadata_fields",
        "application_name",
    ]


def test_defaults_find_the_sessions_the_reference_wrote(uri: str) -> None:
    from pymongo import MongoClient

    manager = MongoDBSessionManager("compat-defaults", uri)
    try:
        manager.update_metadata({"where": "default place"})
        with MongoClient[dict[str, Any]](uri) as client:
            stored = client["database_name"]["collection_name"].find_one({"_id": "compat-defaults"})
        assert stored is not None and stored["metadata"] == {"where": "default place"}
    finally:
        repository_of(manager).delete_session("compat-defaults")
        manager.close()


def test_camel_case_hooks_work_with_a_deprecation_warning(uri: str, db_name: str) -> None:
    seen: list[str] = []

    def hook(original_func: Any, action: str, session_id: str, **kwargs: Any) -> Any:
        seen.append(action)
        return original_func(kwargs["metadata"]) if action == "update" else original_func()

    with pytest.warns(DeprecationWarning, match="metadataHook= is deprecated"):
        manager = MongoDBSessionManager("camel", uri, db_name, metadataHook=hook)
    with pytest.warns(DeprecationWarning, match="feedbackHook= is deprecated"):
        other = MongoDBSessionManager("camel", uri, db_name, feedbackHook=hook)
    manager.update_metadata({"a": 1})
    other.add_feedback({"rating": "up", "comment": ""})
    assert seen == ["update", "add"]
    manager.close()
    other.close()


def test_pymongo_options_go_to_the_client_and_the_rest_is_accepted(uri: str, db_name: str) -> None:
    manager = MongoDBSessionManager(
        "options",
        uri,
        db_name,
        maxPoolSize=3,
        serverSelectionTimeoutMS=4000,
        retryWrites=True,
        w=1,
        something_for_strands=True,  # the reference passed it to RepositorySessionManager
    )
    try:
        pool = repository_of(manager).pool
        assert pool.options["maxPoolSize"] == 3
        assert "something_for_strands" not in pool.options
        manager.update_metadata({"ok": True})
        assert pool.client().options.pool_options.max_pool_size == 3
    finally:
        manager.close()


# ------------------------------------------------------------------ client=


def test_a_sync_mongo_client_is_the_usual_client(sync_client: Any, db_name: str) -> None:
    manager = MongoDBSessionManager("sync-client", client=sync_client, database_name=db_name)
    manager.update_metadata({"via": "sync client"})
    manager.add_feedback({"rating": "up", "comment": "nice"})
    # The user's own client sees what the library wrote, in the reference's layout.
    stored = sync_client[db_name]["collection_name"].find_one({"_id": "sync-client"})
    assert stored["metadata"] == {"via": "sync client"}
    assert stored["feedbacks"][0]["rating"] == "up"
    # The library's async twin uses the same options as the user's client.
    twin = repository_of(manager).pool.client()
    assert twin is not sync_client
    assert twin.options.pool_options.max_pool_size == 7
    assert twin.options.pool_options.metadata["application"]["name"] == "reference-user"
    other = MongoDBSessionManager("sync-client-2", client=sync_client, database_name=db_name)
    assert repository_of(other).pool is repository_of(manager).pool  # one twin per client
    assert repository_of(manager).client is sync_client
    manager.close()
    other.close()
    # ... and the user's client stays theirs: still open after the managers closed.
    assert sync_client.admin.command("ping")["ok"] == 1


def test_an_async_client_and_a_pool_are_accepted_too(uri: str, db_name: str) -> None:
    from pymongo import AsyncMongoClient

    pool = MongoDBConnectionPool.acquire(uri)
    try:
        with MongoDBSessionManager("via-pool", client=pool, database_name=db_name) as manager:
            manager.update_metadata({"via": "pool"})
            assert repository_of(manager).pool is pool
    finally:
        pool.release()
    async_client: Any = AsyncMongoClient(uri, tz_aware=True)
    with MongoDBSessionManager("via-async", client=async_client, database_name=db_name) as manager:
        manager.update_metadata({"via": "async"})
        assert manager.get_metadata() == {"_id": "via-async", "metadata": {"via": "async"}}
        # The caller's client: never closed by the library, so closed here (on its loop).
        repository_of(manager).pool.run(async_client.close())


@pytest.mark.parametrize("bad", ["mongodb://localhost", object(), 42])
def test_any_other_client_is_a_type_error_that_says_what_is_accepted(bad: Any) -> None:
    with pytest.raises(TypeError, match=r"pymongo\.MongoClient, a pymongo\.AsyncMongoClient"):
        MongoDBSessionManager("bad-client", client=bad)
    with pytest.raises(TypeError, match="MongoDBConnectionPool"):
        MongoDBSessionManagerFactory(client=bad)


# ------------------------------------------------------------------ MongoDBConnectionPool


def test_the_pool_singleton_through_classmethods(uri: str, db_name: str) -> None:
    from pymongo import MongoClient

    client = MongoDBConnectionPool.initialize(uri, maxPoolSize=9)
    assert isinstance(client, MongoClient)
    assert MongoDBConnectionPool.initialize(uri, maxPoolSize=9) is client
    assert MongoDBConnectionPool.get_client() is client
    stats = MongoDBConnectionPool.get_pool_stats()
    assert stats["status"] in {"idle", "connected"}
    assert stats["options"]["maxPoolSize"] == 9
    # The reference's docs pass that client to the managers: they share its pool.
    manager = MongoDBSessionManager("pooled", client=client, database_name=db_name)
    assert repository_of(manager).pool is MongoDBConnectionPool.get_instance()
    manager.update_metadata({"a": 1})
    assert client[db_name]["collection_name"].count_documents({"_id": "pooled"}) == 1
    manager.close()
    MongoDBConnectionPool.close()
    assert MongoDBConnectionPool.get_client() is None
    assert MongoDBConnectionPool.get_pool_stats() == {"status": "not_initialized"}


# ------------------------------------------------------------------ manager return shapes


@pytest.fixture
def manager(uri: str, db_name: str) -> Any:
    made = create_mongodb_session_manager(
        session_id="compat-1",
        connection_string=uri,
        database_name=db_name,
        collection_name="sessions_compat",
        application_name="support-bot",
    )
    yield made
    made.close()


def test_metadata_shapes(manager: Any) -> None:
    assert manager.update_metadata({"priority": "high", "assigned_to": "agent-123"}) is None
    manager.update_metadata({"priority": "low"})  # partial: other keys kept
    found = manager.get_metadata()
    assert found == {"_id": "compat-1", "metadata": {"priority": "low", "assigned_to": "agent-123"}}
    assert manager.get_metadata().get("metadata", {})["priority"] == "low"
    assert manager.delete_metadata(["assigned_to"]) is None
    assert manager.get_metadata()["metadata"] == {"priority": "low"}
    typed = manager.get_session_metadata()
    assert typed.model_dump() == {"priority": "low"}
    repository_of(manager).delete_session("compat-1")
    assert manager.get_metadata() is None


def test_feedback_shapes(manager: Any) -> None:
    assert manager.get_feedbacks() == []
    manager.add_feedback({"rating": "up", "comment": "Great response!"})
    manager.add_feedback({"rating": None, "comment": None})
    first, second = manager.get_feedbacks()
    assert first["rating"] == "up" and first["comment"] == "Great response!"
    assert first["created_at"] is not None and "created_at" in first
    assert second["rating"] is None and second["comment"] == ""
    assert dict(first)["rating"] == "up"
    assert first.rating == "up"  # and the typed form still works


@pytest.mark.parametrize(
    ("feedback", "message"),
    [
        ({"rating": "up", "$where": "1"}, "may not start with '\\$'"),
        ({"rating": "up", "a.b": 1}, "contains '.'"),
        ({"rating": "5 stars"}, "feedback.rating"),
        ({"rating": "up", "comment": "x" * 20_000}, "feedback.comment"),
        ({"rating": "up", "blob": "x" * 300_000}, "the limit is"),
    ],
)
def test_bad_feedback_is_a_value_error_and_nothing_is_stored(
    manager: Any, feedback: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        manager.add_feedback(feedback)
    assert manager.get_feedbacks() == []


def test_agent_config_shapes_and_errors(manager: Any) -> None:
    from strands import Agent

    from mongodb_session_manager.testing import ScriptedModel

    agent = Agent(
        agent_id="support",
        model=ScriptedModel(["hello"]),
        system_prompt="You help.",
        session_manager=manager,
        callback_handler=None,
    )
    agent("hi")
    config = manager.get_agent_config("support")
    assert set(config) == {"agent_id", "model", "system_prompt", "prompt_metadata"}
    assert config["system_prompt"] == "You help."
    assert manager.get_agent_config("nobody") is None
    manager.update_agent_config("support", model="m-2", system_prompt="Be brief.")
    manager.set_prompt_metadata("support", {"prompt_version": "v3", "temperature": 0.2})
    assert manager.get_agent_config("support")["prompt_metadata"] == {
        "prompt_version": "v3",
        "temperature": 0.2,
    }
    [listed] = manager.list_agents()
    assert {"agent_id", "model", "system_prompt"} <= set(listed)
    assert listed["model"] == "m-2"
    assert manager.get_message_count("support") == 2
    assert manager.get_message_count("nobody") == 0
    with pytest.raises(ValueError):
        manager.update_agent_config("nobody", model="x")
    assert manager.get_application_name() == "support-bot"


def test_feedback_hook_receives_the_session_manager(uri: str, db_name: str) -> None:
    received: list[Any] = []

    def hook(original_func: Any, action: str, session_id: str, **kwargs: Any) -> Any:
        received.append((action, session_id, kwargs["session_manager"], kwargs["feedback"]))
        return original_func(kwargs["feedback"])

    with MongoDBSessionManager("fb-hook", uri, db_name, feedback_hook=hook) as manager:
        manager.add_feedback({"rating": "down", "comment": "slow"})
        [(action, session_id, given, feedback)] = received
        assert (action, session_id, given) == ("add", "fb-hook", manager)
        assert feedback["comment"] == "slow"


# ------------------------------------------------------------------ repository


def test_repository_handles_and_per_session_calls(uri: str, db_name: str) -> None:
    from pymongo.synchronous.collection import Collection

    repo = MongoDBSessionRepository(uri, db_name, "repo_sessions", application_name="app-r")
    try:
        repo.create_session(Session(session_id="r-1", session_type=SessionType.AGENT))
        assert isinstance(repo.collection, Collection)
        assert repo.database.name == db_name
        assert (repo.collection.find_one({"_id": "r-1"}) or {})["application_name"] == "app-r"
        assert [d["_id"] for d in repo.collection.find({}, {"_id": 1})] == ["r-1"]
        repo.update_metadata("r-1", {"a": 1, "b": 2})
        repo.delete_metadata("r-1", ["b"])
        assert repo.get_metadata("r-1") == {"_id": "r-1", "metadata": {"a": 1}}
        assert repo.get_metadata("missing") is None
        repo.add_feedback("r-1", {"rating": "up", "comment": "ok", "_validated_at": "now"})
        [feedback] = repo.get_feedbacks("r-1")
        assert feedback["rating"] == "up" and feedback["_validated_at"] == "now"
        assert repo.get_feedbacks("missing") == []
        assert repo.get_application_name("r-1") == "app-r"
        assert repo.get_application_name("missing") is None
    finally:
        repo.close()


# ------------------------------------------------------------------ factory


def test_factory_overrides_and_stats(uri: str, db_name: str) -> None:
    with pytest.raises(ValueError, match="connection_string or a client"):
        MongoDBSessionManagerFactory()
    factory = MongoDBSessionManagerFactory(uri, db_name, "default_coll", application_name="f")
    try:
        assert factory.get_connection_stats()["status"] in {"idle", "connected"}
        manager = factory.create_session_manager(
            "f-1",
            database_name=db_name,
            collection_name="other_coll",
            metadata_fields=["priority"],
            application_name="override",
        )
        manager.update_metadata({"priority": "high"})
        manager.close()
        database = factory.repository.database
        assert database["other_coll"].find_one({"_id": "f-1"})["application_name"] == "override"
        assert database["default_coll"].find_one({"_id": "f-1"}) is None
        assert "metadata.priority" in database["other_coll"].index_information()
    finally:
        factory.close()


def test_global_factory_life_cycle(uri: str, db_name: str) -> None:
    msm.close_global_factory()
    with pytest.raises(RuntimeError, match="initialize_global_factory"):
        get_global_factory()
    first = initialize_global_factory(
        uri, db_name, metadata_fields=["tier"], application_name="global-app", maxPoolSize=4
    )
    assert get_global_factory() is first
    assert first.repository.metadata_fields == ("tier",)
    with first.create_session_manager("g-0") as manager:
        assert manager.get_application_name() == "global-app"
    second = initialize_global_factory(uri, database_name=db_name, collection_name="c2")
    assert get_global_factory() is second and second is not first
    assert first._closed  # replaced and closed, as the reference did
    with second.create_session_manager("g-1") as manager:
        assert repository_of(manager).collection_name == "c2"
    msm.close_global_factory()
    with pytest.raises(RuntimeError):
        get_global_factory()


# ------------------------------------------------------------------ stored sessions and round trip


def test_any_stored_session_type_opens(sync_client: Any, db_name: str) -> None:
    with MongoDBSessionManager("typed", client=sync_client, database_name=db_name) as manager:
        manager.update_metadata({"a": 1})
    sync_client[db_name]["collection_name"].update_one(
        {"_id": "typed"}, {"$set": {"session_type": "chat"}}
    )
    with MongoDBSessionManager("typed", client=sync_client, database_name=db_name) as manager:
        assert manager.session.session_type == SessionType.AGENT
        assert manager.get_metadata()["metadata"] == {"a": 1}
        assert manager.session_repository.read_session("typed") is not None
    # The stored string is left as the reference wrote it.
    stored = sync_client[db_name]["collection_name"].find_one({"_id": "typed"})
    assert stored["session_type"] == "chat"


def test_strands_repository_round_trip_is_exact(uri: str, db_name: str) -> None:
    repo = MongoDBSessionRepository(uri, db_name)
    try:
        session = Session(session_id="rt", session_type=SessionType.AGENT)
        repo.create_session(session)
        assert repo.read_session("rt") == session  # microseconds included
        agent = SessionAgent(agent_id="a", state={"k": 1}, conversation_manager_state={})
        repo.create_agent("rt", agent)
        assert repo.read_agent("rt", "a") == agent
        messages = [
            SessionMessage(message={"role": "user", "content": [{"text": "hi"}]}, message_id=0),
            SessionMessage(
                message={"role": "assistant", "content": [{"text": "yo"}]},
                message_id=1,
                created_at="2026-01-02T03:04:05Z",  # not Strands' own format: kept as given
            ),
        ]
        for message in messages:
            repo.create_message("rt", "a", message)
        assert repo.read_message("rt", "a", 1) == messages[1]
        assert repo.list_messages("rt", "a") == messages
        updated = SessionAgent(agent_id="a", state={"k": 2}, conversation_manager_state={})
        updated.created_at = agent.created_at
        repo.update_agent("rt", updated)
        assert repo.read_agent("rt", "a") == updated
    finally:
        repo.close()


@pytest.mark.parametrize("message_id", [5, 0])
def test_a_caller_chosen_message_id_off_position_is_a_clear_value_error(
    uri: str, db_name: str, message_id: int
) -> None:
    repo = MongoDBSessionRepository(uri, db_name)
    try:
        repo.create_session(Session(session_id="ids", session_type=SessionType.AGENT))
        repo.create_agent(
            "ids", SessionAgent(agent_id="a", state={}, conversation_manager_state={})
        )
        first = SessionMessage(message={"role": "user", "content": [{"text": "0"}]}, message_id=0)
        repo.create_message("ids", "a", first)
        wrong = SessionMessage(message={"role": "user", "content": [{"text": "?"}]}, message_id=0)
        wrong.message_id = message_id
        with pytest.raises(MessageIdError, match="its next message_id is 1") as caught:
            repo.create_message("ids", "a", wrong)
        assert isinstance(caught.value, ValueError)
        assert repo.list_messages("ids", "a") == [first]
    finally:
        repo.close()


def test_the_camel_case_warning_points_at_the_callers_line(uri: str, db_name: str) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        MongoDBSessionManager("warn", uri, db_name, metadataHook=lambda f, a, s, **k: f()).close()
    [warning] = [w for w in caught if w.category is DeprecationWarning]
    assert warning.filename == __file__


def test_a_sync_client_keeps_the_round_trip_budget(sync_client: Any, db_name: str) -> None:
    from strands import Agent

    from mongodb_session_manager.testing import ScriptedModel

    first = MongoDBSessionManager("budget", client=sync_client, database_name=db_name)
    Agent(model=ScriptedModel(["a"]), session_manager=first, callback_handler=None)("q")
    stats = repository_of(first).pool.command_stats
    with stats.capture() as opening:
        again = MongoDBSessionManager("budget", client=sync_client, database_name=db_name)
        agent = Agent(model=ScriptedModel(["b"]), session_manager=again, callback_handler=None)
    assert opening.commands == ["find", "find"]  # open (with the agent's fields), its messages
    with stats.capture() as turn:
        agent("q2")
    assert turn.commands == ["update", "update"]  # one write per message
    first.close()
    again.close()
