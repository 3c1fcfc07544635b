"""Session viewer passwords (issue 11 items 6 and 10): stable, never stored in plain text."""

from __future__ import annotations

from typing import Any

import bson

from mongodb_session_manager import MongoDBSessionManager, MongoDBSessionManagerFactory, migrate_up
from mongodb_session_manager.features import viewer_password as vp
from mongodb_session_manager.store.viewer_secrets import KEY_CACHE
from tests.helpers.store import raw_collection
from tests.helpers.types import MakeManager as Make
from tests.helpers.types import ReadRaw as Raw
from tests.migrations.legacy_fixtures import legacy_session


def stored_text(document: Any) -> str:
    return bson.encode(document or {}).decode("latin-1")


def check(factory: MongoDBSessionManagerFactory, session_id: str, password: str) -> bool:
    repo = factory.repository
    return factory.pool.run(
        vp.check_password(
            factory.pool, repo.database_name, repo.collection_name, session_id, password
        )
    )


def test_the_password_is_stable_across_managers_processes_and_never_stored(
    new_manager: Make, factory: MongoDBSessionManagerFactory, raw: Raw
) -> None:
    first = new_manager("pw-1").get_session_viewer_password()
    assert isinstance(first, str) and len(first) >= 32
    assert new_manager("pw-1").get_session_viewer_password() == first
    assert factory.repository.get_session_viewer_password("pw-1") == first
    KEY_CACHE.clear()  # what a new process sees: the key comes from the database again
    assert new_manager("pw-1").get_session_viewer_password() == first
    other = new_manager("pw-2").get_session_viewer_password()
    assert other is not None and other != first
    document = raw("pw-1")
    assert first not in stored_text(document)
    assert document is not None and document["viewer_access"]["scheme"] == "hmac-sha256"
    assert "session_viewer_password" not in document
    assert check(factory, "pw-1", first) and not check(factory, "pw-2", first)
    assert not check(factory, "pw-1", first[:-1] + ("A" if first[-1] != "A" else "B"))


async def test_the_async_forms_agree(
    new_manager: Make, factory: MongoDBSessionManagerFactory
) -> None:
    manager = await MongoDBSessionManager.create_async("pw-async", repository=factory.repository)
    try:
        password = await manager.get_session_viewer_password_async()
        assert password == await factory.repository.get_session_viewer_password_async("pw-async")
    finally:
        await manager.close_async()


def test_creating_the_session_costs_no_extra_round_trip(
    factory: MongoDBSessionManagerFactory, new_manager: Make, needs_command_monitoring: None
) -> None:
    new_manager("pw-warm")  # indexes, once per process
    with factory.pool.command_stats.capture() as log:
        manager = new_manager("pw-budget")
    assert log.commands == ["find", "insert"]
    with factory.pool.command_stats.capture() as log:
        manager.get_session_viewer_password()
        manager.get_session_viewer_password()
    assert log.commands.count("find") == 2  # the session's flag; the key is cached
    assert "insert" not in log.commands


def test_sessions_without_one_have_none(
    factory: MongoDBSessionManagerFactory, raw: Raw, new_manager: Make
) -> None:
    async def unset() -> None:
        await raw_collection(factory.repository).update_one(
            {"_id": "pw-none"}, {"$unset": {"viewer_access": ""}}
        )

    manager = new_manager("pw-none")
    factory.pool.run(unset())
    assert manager.get_session_viewer_password() is None
    assert factory.repository.get_session_viewer_password("no-such-session") is None
    assert not check(factory, "pw-none", "anything-at-all-123")


def test_the_migration_replaces_the_plain_text_and_old_links_keep_working(
    factory: MongoDBSessionManagerFactory, raw: Raw, new_manager: Make
) -> None:
    document = legacy_session("ref-pw")
    document["session_viewer_password"] = "Plain-Reference-Secret-42"
    document["guardrail_events"] = [
        {"message_id": 0, "agent_id": "default", "action": "BLOCKED", "timestamp": "2026-03-01"},
        {"type": "INPUT", "action": "REDACTED"},
    ]

    async def insert() -> None:
        await raw_collection(factory.repository).insert_one(document)

    factory.pool.run(insert())
    # Before migrating: no crash, no password handed out from the plain text.
    assert factory.repository.get_session_viewer_password("ref-pw") is None
    report = migrate_up(pool=factory.pool, database_name=factory.repository.database_name)
    assert report.ok and [step.migrated for step in report.steps] == [1, 1]
    migrated = raw("ref-pw")
    assert migrated is not None
    assert "session_viewer_password" not in migrated
    assert "Plain-Reference-Secret-42" not in stored_text(migrated)
    assert migrated["guardrail_events"] == document["guardrail_events"]
    assert check(factory, "ref-pw", "Plain-Reference-Secret-42")  # the link support handed out
    assert not check(factory, "ref-pw", "Plain-Reference-Secret-43")
    manager = new_manager("ref-pw")  # opens after migration
    derived = manager.get_session_viewer_password()
    assert derived is not None and check(factory, "ref-pw", derived)


def test_session_credentials_round_trip_hostile_ids() -> None:
    for session_id in ("plain", "a.b$c", "ünï-😀", "x" * 300, "sv1.trick.pw"):
        credential = vp.session_credential(session_id, "pass-word_1")
        assert vp.parse_credential(credential) == (session_id, "pass-word_1")
    for junk in ("", "sv1.", "sv1.abc", "sv1..pw", "token-abc", "sv1.!!!.pw", "sv1.//8.pw"):
        assert vp.parse_credential(junk) is None, junk
