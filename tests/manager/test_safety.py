"""Concurrency, hostile ids, the size limit, a down server: nothing is lost or corrupted."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strands import Agent
from strands.types.content import Message

from mongodb_session_manager import (
    InvalidIdentifierError,
    MongoDBSessionManager,
    MongoDBSessionManagerFactory,
    SessionConflictError,
    SessionTooLargeError,
    StoreUnavailableError,
)
from mongodb_session_manager.models import storage_key
from mongodb_session_manager.testing import MongoBackend, ScriptedModel
from tests.helpers.types import MakeManager as Make


def user(text: str) -> Message:
    return {"role": "user", "content": [{"text": text}]}


def stored_texts(
    factory: MongoDBSessionManagerFactory, session_id: str, agent_id: str = "default"
) -> list[tuple[int, str]]:
    return [
        (m.message_id, m.message["content"][0]["text"])
        for m in factory.repository.list_messages(session_id, agent_id)
    ]


# ---------------------------------------------------------------- concurrency


def test_two_managers_racing_on_one_agent_never_duplicate_or_lose(
    new_manager: Make, factory: MongoDBSessionManagerFactory
) -> None:
    Agent(model=ScriptedModel(["hi"]), session_manager=new_manager("race"), callback_handler=None)(
        "start"
    )
    writers = []
    for name in ("A", "B"):
        manager = new_manager("race")
        writers.append(
            (
                name,
                manager,
                Agent(model=ScriptedModel(), session_manager=manager, callback_handler=None),
            )
        )
    succeeded: list[str] = []
    conflicts: list[SessionConflictError] = []
    barrier = threading.Barrier(2)
    lock = threading.Lock()

    def write(name: str, manager: MongoDBSessionManager, agent: Agent) -> None:
        barrier.wait()
        for i in range(15):
            text = f"{name}-{i}"
            try:
                manager.append_message(user(text), agent)
            except SessionConflictError as exc:
                with lock:
                    conflicts.append(exc)
                return  # a conflicted manager must reload before writing again
            with lock:
                succeeded.append(text)

    threads = [threading.Thread(target=write, args=w) for w in writers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()

    stored = stored_texts(factory, "race")
    assert [mid for mid, _ in stored] == list(range(len(stored)))  # contiguous, no duplicate ids
    assert sorted(text for _, text in stored[2:]) == sorted(
        succeeded
    )  # every success stored, nothing else
    assert conflicts, "two writers on one agent must conflict"
    assert "nothing was written" in str(conflicts[0]).lower()
    assert conflicts[0].session_id == "race" and conflicts[0].agent_id == "default"


def test_after_a_conflict_a_fresh_manager_continues_cleanly(
    new_manager: Make, factory: MongoDBSessionManagerFactory
) -> None:
    a_mgr, b_mgr = new_manager("c"), new_manager("c")
    a = Agent(model=ScriptedModel(), session_manager=a_mgr, callback_handler=None)
    a_mgr.append_message(user("one"), a)
    b = Agent(model=ScriptedModel(), session_manager=b_mgr, callback_handler=None)
    a_mgr.append_message(user("two"), a)
    with pytest.raises(SessionConflictError) as info:
        b_mgr.append_message(user("stale"), b)
    assert (info.value.expected, info.value.actual) == (1, 2)
    c_mgr = new_manager("c")
    c = Agent(model=ScriptedModel(), session_manager=c_mgr, callback_handler=None)
    c_mgr.append_message(user("three"), c)
    assert stored_texts(factory, "c") == [(0, "one"), (1, "two"), (2, "three")]


def test_concurrent_first_requests_create_the_session_once(
    factory: MongoDBSessionManagerFactory,
) -> None:
    barrier = threading.Barrier(6)
    errors: list[BaseException] = []

    def open_session(i: int) -> None:
        barrier.wait()
        try:
            manager = factory.create_session_manager("first")
            agent = Agent(
                agent_id=f"agent-{i}",
                model=ScriptedModel([f"r{i}"]),
                session_manager=manager,
                callback_handler=None,
            )
            agent(f"q{i}")
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=open_session, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    for i in range(6):
        assert stored_texts(factory, "first", f"agent-{i}") == [(0, f"q{i}"), (1, f"r{i}")]


_WRITER = textwrap.dedent(
    """
    import json, sys
    from strands import Agent
    from mongodb_session_manager import MongoDBSessionManager, SessionConflictError
    from mongodb_session_manager.testing import ScriptedModel
    uri, db, name = sys.argv[1:4]
    done, conflicts = [], 0
    while len(done) < 10 and conflicts < 200:
        manager = MongoDBSessionManager("proc", uri, db)
        agent = Agent(model=ScriptedModel(), session_manager=manager, callback_handler=None)
        try:
            for i in range(len(done), 10):
                text = f"{name}-{i}"
                manager.append_message({"role": "user", "content": [{"text": text}]}, agent)
                done.append(text)
        except SessionConflictError:
            conflicts += 1
        manager.close()
    print(json.dumps({"done": done, "conflicts": conflicts}))
    """
)


def test_two_processes_appending_to_one_agent_lose_nothing(
    msm_backend: MongoBackend, msm_options: dict[str, Any], factory: MongoDBSessionManagerFactory
) -> None:
    if msm_backend.uri is None:
        pytest.skip("mongomock-motor lives inside one process; processes need a server backend")
    Agent(
        model=ScriptedModel(),
        session_manager=factory.create_session_manager("proc"),
        callback_handler=None,
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", _WRITER, msm_backend.uri, msm_options["database_name"], name],
            stdout=subprocess.PIPE,
            text=True,
        )
        for name in ("P", "Q")
    ]
    results = [json.loads(p.communicate(timeout=120)[0]) for p in procs]
    assert all(p.returncode == 0 for p in procs)
    stored = stored_texts(factory, "proc")
    assert [mid for mid, _ in stored] == list(range(20))
    assert sorted(t for _, t in stored) == sorted(results[0]["done"] + results[1]["done"])


# ---------------------------------------------------------------- hostile ids

HOSTILE = [
    "a.b",
    "$where",
    "agents.victim",
    "~abc",
    "messages.0",
    "..",
    "$",
    "é🙂中文",
    "x" * 1024,
    " ",
    "a\tb",
    "__proto__",
]


@pytest.mark.parametrize("agent_id", HOSTILE)
def test_hostile_agent_ids_round_trip_without_touching_others(
    agent_id: str, new_manager: Make, raw: Callable[[str], Any]
) -> None:
    manager = new_manager("hostile")
    victim = Agent(
        agent_id="victim",
        model=ScriptedModel(["safe"]),
        session_manager=manager,
        callback_handler=None,
    )
    victim("keep me")
    hostile = Agent(
        agent_id=agent_id,
        model=ScriptedModel(["ok"]),
        session_manager=manager,
        callback_handler=None,
        state={"k": agent_id},
    )
    hostile("hello")
    other = new_manager("hostile")
    again = Agent(
        agent_id=agent_id, model=ScriptedModel(), session_manager=other, callback_handler=None
    )
    assert again.state.get("k") == agent_id
    assert [m["content"][0]["text"] for m in again.messages] == ["hello", "ok"]
    victim_again = Agent(
        agent_id="victim", model=ScriptedModel(), session_manager=other, callback_handler=None
    )
    assert [m["content"][0]["text"] for m in victim_again.messages] == ["keep me", "safe"]
    document = raw("hostile")
    assert set(document["agents"]) == {"victim", storage_key(agent_id)}
    assert all(not key.startswith("$") and "." not in key for key in document["agents"])


@pytest.mark.parametrize("bad", ["", "x" * 1025, "nul\x00byte"])
def test_unstorable_ids_are_refused_clearly(
    bad: str, new_manager: Make, raw: Callable[[str], Any]
) -> None:
    with pytest.raises(InvalidIdentifierError) as info:
        new_manager(bad)
    assert isinstance(info.value, ValueError)
    if bad:  # (Strands itself maps an empty agent_id to "default")
        manager = new_manager("ok")
        with pytest.raises(ValueError):
            Agent(
                agent_id=bad, model=ScriptedModel(), session_manager=manager, callback_handler=None
            )
        assert raw("ok")["agents"] == {}  # nothing was written


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(session_id=st.text(min_size=1, max_size=60), agent_id=st.text(min_size=1, max_size=60))
def test_any_id_strands_accepts_round_trips_or_is_refused(
    session_id: str, agent_id: str, factory: MongoDBSessionManagerFactory
) -> None:
    try:
        manager = factory.create_session_manager(session_id)
    except InvalidIdentifierError:
        assert "\x00" in session_id or any(0xD800 <= ord(c) <= 0xDFFF for c in session_id)
        return
    try:
        agent = Agent(
            agent_id=agent_id,
            model=ScriptedModel(["pong"]),
            session_manager=manager,
            callback_handler=None,
        )
    except ValueError:
        return  # refused by Strands (path separators) or by us (NUL): nothing written
    agent("ping")
    resumed = Agent(
        agent_id=agent_id,
        model=ScriptedModel(),
        session_manager=factory.create_session_manager(session_id),
        callback_handler=None,
    )
    assert [m["content"][0]["text"] for m in resumed.messages][-2:] == ["ping", "pong"]
    factory.repository.delete_session(session_id)


# ---------------------------------------------------------------- size limit


def test_a_write_past_the_size_limit_is_refused_and_nothing_changes(
    msm_options: dict[str, Any], raw: Callable[[str], Any]
) -> None:
    small = MongoDBSessionManagerFactory(**msm_options, max_document_bytes=60_000)
    try:
        manager = small.create_session_manager("big")
        agent = Agent(model=ScriptedModel(), session_manager=manager, callback_handler=None)
        manager.append_message(user("a" * 25_000), agent)
        before = raw("big")
        with pytest.raises(SessionTooLargeError) as info:
            manager.append_message(user("b" * 40_000), agent)
        assert raw("big") == before
        error = info.value
        assert (
            error.session_id == "big" and error.limit_bytes == 60_000 and error.added_bytes > 40_000
        )
        assert "big" in str(error) and "60000" in str(error)
        manager.append_message(user("small again"), agent)  # the manager is still usable
        assert len(small.repository.list_messages("big", "default")) == 2
    finally:
        small.close()


def test_a_message_over_16_mib_is_stored_out_of_line_and_read_back_whole(
    new_manager: Make, raw: Callable[[str], Any]
) -> None:
    manager = new_manager("huge")
    agent = Agent(model=ScriptedModel(), session_manager=manager, callback_handler=None)
    manager.append_message(user("first"), agent)
    text = "z" * (17 * 1024 * 1024)
    manager.append_message(user(text), agent)
    assert len(str(raw("huge"))) < 64 * 1024  # the session holds a reference, not the text
    resumed = Agent(
        model=ScriptedModel(), session_manager=new_manager("huge"), callback_handler=None
    )
    assert resumed.messages[1]["content"][0]["text"] == text


# ---------------------------------------------------------------- server down


def test_the_error_names_the_timeout_the_uri_set() -> None:
    with pytest.raises(StoreUnavailableError, match="within 300 ms"):
        MongoDBSessionManager(
            "s", "mongodb://127.0.0.1:9/?directConnection=true&serverSelectionTimeoutMS=300", "db"
        )


def test_unreachable_server_fails_fast_with_a_clear_error() -> None:
    started = time.monotonic()
    with pytest.raises(StoreUnavailableError) as info:
        MongoDBSessionManager(
            "s",
            "mongodb://127.0.0.1:9/?directConnection=true",
            "db",
            serverSelectionTimeoutMS=400,
            connectTimeoutMS=400,
        )
    assert time.monotonic() - started < 5
    assert "127.0.0.1:9" in str(info.value) and "400 ms" in str(info.value)


# ---------------------------------------------------------------- processes and fork


def test_a_new_process_resumes_the_conversation(
    msm_backend: MongoBackend, msm_options: dict[str, Any], new_manager: Make
) -> None:
    if msm_backend.uri is None:
        pytest.skip(
            "mongomock-motor lives inside one process; a new process needs a server backend"
        )
    agent = Agent(
        model=ScriptedModel(["Nice to meet you, Ana."]),
        session_manager=new_manager("xproc"),
        callback_handler=None,
    )
    agent("I am Ana")
    script = textwrap.dedent(
        """
        import sys
        from strands import Agent
        from mongodb_session_manager import MongoDBSessionManager
        from mongodb_session_manager.testing import ScriptedModel
        agent = Agent(model=ScriptedModel(), callback_handler=None,
                      session_manager=MongoDBSessionManager("xproc", sys.argv[1], sys.argv[2]))
        print("|".join(m["content"][0]["text"] for m in agent.messages))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script, msm_backend.uri, msm_options["database_name"]],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert out.stdout.strip() == "I am Ana|Nice to meet you, Ana."


@pytest.mark.skipif(not hasattr(os, "fork"), reason="os.fork is not available on this platform")
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_a_forked_child_gets_its_own_loop_and_client(
    msm_backend: MongoBackend, new_manager: Make, factory: MongoDBSessionManagerFactory
) -> None:
    if msm_backend.uri is None:
        pytest.skip(
            "mongomock-motor data is copied into a forked child; the parent cannot see its writes"
        )
    manager = new_manager("fork")
    agent = Agent(model=ScriptedModel(), session_manager=manager, callback_handler=None)
    manager.append_message(user("parent before fork"), agent)
    pid = os.fork()
    if pid == 0:  # child: use the inherited manager; the loop and client must be rebuilt
        code = 1
        try:
            manager.append_message(user("child"), agent)
            code = 0
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert stored_texts(factory, "fork") == [(0, "parent before fork"), (1, "child")]
    # The parent still works after its child used the same objects.
    fresh = new_manager("fork")
    fresh_agent = Agent(model=ScriptedModel(), session_manager=fresh, callback_handler=None)
    fresh.append_message(user("parent after fork"), fresh_agent)
    assert stored_texts(factory, "fork")[-1] == (2, "parent after fork")
