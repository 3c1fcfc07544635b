"""Operator tasks in Python: export (JSON / Markdown), list, delete by id or query."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import pytest
from markdown_it import MarkdownIt

from mongodb_session_manager import (
    InvalidInputError,
    MongoDBSessionManagerFactory,
    SessionNotFoundError,
    SessionQuery,
    delete_session,
    delete_sessions,
    export_session,
    list_sessions,
)
from mongodb_session_manager.lifecycle import export_session_data
from mongodb_session_manager.models import storage_key
from tests.helpers.store import raw_collection
from tests.migrations.legacy_fixtures import (
    PNG,
    as_current,
    legacy_session,
    small_legacy_session,
)


def v1(document: dict[str, Any], **changes: Any) -> dict[str, Any]:
    converted = as_current(document)
    converted.update(changes)
    return converted


def insert(factory: MongoDBSessionManagerFactory, *documents: dict[str, Any]) -> None:
    async def run() -> None:
        await raw_collection(factory.repository).insert_many(list(documents))

    factory.pool.run(run())


def ids(factory: MongoDBSessionManagerFactory) -> set[str]:
    async def run() -> list[dict[str, Any]]:
        return await raw_collection(factory.repository).find({}, {"_id": 1}).to_list(None)  # type: ignore[no-any-return]

    return {row["_id"] for row in factory.pool.run(run())}


@pytest.fixture
def shop(factory: MongoDBSessionManagerFactory) -> MongoDBSessionManagerFactory:
    document = legacy_session("shop-1")
    # LLM output that would be live HTML in a Markdown viewer.
    document["agents"]["support"]["messages"][9]["message"]["content"] = [
        {"text": "You are welcome! <script>alert('x')</script>"}
    ]
    insert(factory, v1(document))
    return factory


def test_json_export_holds_everything_with_redaction_shown_and_bytes_in_base64(
    shop: MongoDBSessionManagerFactory,
) -> None:
    exported = json.loads(export_session("shop-1", repository=shop.repository))

    assert exported["format"] == "mongodb-session-manager/session-export"
    assert exported["session"]["session_id"] == "shop-1"
    assert exported["session"]["schema_version"] == 2
    assert exported["metadata"]["address"] == {"city": "Lyon"}
    assert exported["totals"]["messages"] == 14
    assert [f["rating"] for f in exported["feedbacks"]] == ["up", "down", None]
    assert exported["extra"]["guardrail_events"][0]["action"] == "REDACTED"
    assert exported["extra"]["legacy_feedbacks"][0]["feedback"]["rating"] == "meh"
    agents = {a["agent_id"]: a for a in exported["agents"]}
    assert set(agents) == {"support", "billing.bot", "revisor-ñ"}
    support = agents["support"]
    assert support["state"]["user_name"] == "Ana"
    assert support["system_prompt"] == "You are a helpful shop assistant."
    assert support["totals"]["model_calls"] == 5
    assert len(support["messages"]) == 10
    redacted = support["messages"][6]
    assert redacted["redacted"] is True
    assert redacted["content"] == [{"text": "[User input redacted.]"}]
    assert "original_content" not in redacted
    assert "4111" not in json.dumps(exported)
    image = support["messages"][4]["content"][1]["image"]["source"]["bytes"]
    assert base64.b64decode(image["$binary"]["base64"]) == PNG
    assert support["messages"][1]["metadata"]["usage"]["inputTokens"] == 120
    assert support["messages"][1]["created_at"].endswith("+00:00")


def test_redacted_content_is_included_only_on_request(shop: MongoDBSessionManagerFactory) -> None:
    data = export_session_data("shop-1", include_redacted=True, repository=shop.repository)
    support = next(a for a in data["agents"] if a["agent_id"] == "support")
    assert data["redacted_content_included"] is True
    assert "4111" in support["messages"][6]["original_content"][0]["text"]


def test_markdown_export_is_a_readable_safe_transcript(shop: MongoDBSessionManagerFactory) -> None:
    markdown = export_session("shop-1", format="markdown", repository=shop.repository)

    assert markdown.startswith("# Session `shop-1`")
    assert "## Agent `support`" in markdown and "## Agent `billing.bot`" in markdown
    assert "*[image, png, 2,056 bytes]*" in markdown
    assert "base64" not in markdown
    assert "**redacted**" in markdown and "[User input redacted.]" in markdown
    assert "4111" not in markdown
    assert "**Tool call** `lookup_order`" in markdown
    assert '"status": "shipped"' in markdown
    # Stored text is shown verbatim, inside a fence: inert in any Markdown renderer.
    html = MarkdownIt("commonmark").render(markdown)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "👍 up" in markdown and "Quick answer" in markdown
    assert "| Tokens | 2,090 in / 170 out / 2,260 total |" in markdown
    # Stored text is fenced: it cannot pose as a heading of the transcript.
    assert "```text\nYour order ships tomorrow.\n```" in markdown


def test_export_of_a_missing_or_unmigrated_session_says_what_is_wrong(
    factory: MongoDBSessionManagerFactory,
) -> None:
    insert(factory, legacy_session("old"))
    with pytest.raises(SessionNotFoundError):
        export_session("nope", repository=factory.repository)
    with pytest.raises(InvalidInputError, match="format"):
        insert(factory, v1(small_legacy_session(1)))
        export_session("bulk-00001", format="pdf", repository=factory.repository)  # type: ignore[arg-type]


def test_export_with_connection_arguments(
    shop: MongoDBSessionManagerFactory, msm_options: dict[str, Any]
) -> None:
    text = export_session("shop-1", **msm_options)
    assert json.loads(text)["session"]["session_id"] == "shop-1"


@pytest.fixture
def many(factory: MongoDBSessionManagerFactory) -> MongoDBSessionManagerFactory:
    now = datetime.now(UTC)
    documents = []
    for index in range(12):
        document = v1(
            small_legacy_session(index),
            application_name="chat" if index % 2 else "voice",
            updated_at=now - timedelta(days=index * 10),
            metadata={"tier": "gold" if index < 4 else "free", "n": index},
        )
        documents.append(document)
    insert(factory, *documents)
    return factory


def test_list_filters_pages_and_counts_without_reading_messages(
    many: MongoDBSessionManagerFactory,
) -> None:
    listed = list_sessions(repository=many.repository)
    assert [s.session_id for s in listed][:3] == ["bulk-00000", "bulk-00001", "bulk-00002"]
    first = listed[0]
    assert (first.agents, first.messages, first.feedbacks, first.schema_version) == (1, 4, 0, 2)
    assert first.size_bytes and first.size_bytes > 0

    chat = list_sessions(SessionQuery(application_name="chat"), repository=many.repository)
    assert {s.session_id for s in chat} == {f"bulk-{i:05d}" for i in range(1, 12, 2)}
    idle = list_sessions(SessionQuery(inactive_for=timedelta(days=75)), repository=many.repository)
    assert {s.session_id for s in idle} == {f"bulk-{i:05d}" for i in range(8, 12)}
    gold = list_sessions(SessionQuery(metadata={"tier": "gold"}), repository=many.repository)
    assert len(gold) == 4
    page = list_sessions(limit=5, skip=10, repository=many.repository)
    assert [s.session_id for s in page] == ["bulk-00010", "bulk-00011"]


def test_delete_one_session(many: MongoDBSessionManagerFactory) -> None:
    assert delete_session("bulk-00003", repository=many.repository) is True
    assert delete_session("bulk-00003", repository=many.repository) is False
    assert "bulk-00003" not in ids(many)


def test_delete_by_query_dry_run_then_for_real_with_a_limit(
    many: MongoDBSessionManagerFactory,
) -> None:
    query = SessionQuery(inactive_for=timedelta(days=45), application_name="chat")
    preview = delete_sessions(query, dry_run=True, repository=many.repository)
    assert (preview.matched, preview.deleted) == (4, 0)  # chat sessions 5, 7, 9 and 11
    assert preview.sample_ids == ["bulk-00005", "bulk-00007", "bulk-00009", "bulk-00011"]
    assert len(ids(many)) == 12

    partial = delete_sessions(query, limit=3, repository=many.repository)
    assert partial.deleted == 3
    rest = delete_sessions(query, repository=many.repository)
    assert (rest.matched, rest.deleted) == (1, 1)
    assert {f"bulk-{i:05d}" for i in (5, 7, 9, 11)}.isdisjoint(ids(many))
    assert len(ids(many)) == 8


def test_delete_by_ids_deletes_exactly_those(many: MongoDBSessionManagerFactory) -> None:
    report = delete_sessions(
        SessionQuery(session_ids=["bulk-00001", "bulk-00002", "missing"]),
        limit=1,
        repository=many.repository,
    )
    assert (report.matched, report.deleted) == (2, 1)
    assert len(ids(many)) == 11


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (SessionQuery(), "every session"),
        (SessionQuery(metadata={"$where": "1"}), "metadata key"),
        (SessionQuery(metadata={"a..b": "1"}), "metadata key"),
        (SessionQuery(metadata={"tier": {"$ne": "x"}}), "must be a string"),  # type: ignore[dict-item]
        (SessionQuery(application_name={"$gt": ""}), "must be a string"),  # type: ignore[arg-type]
        (SessionQuery(session_ids="bulk-00001"), "list of ids"),
        (SessionQuery(inactive_for=timedelta(days=-1)), "inactive_for"),
    ],
)
def test_hostile_or_empty_queries_delete_nothing(
    many: MongoDBSessionManagerFactory, query: SessionQuery, message: str
) -> None:
    with pytest.raises(InvalidInputError, match=message):
        delete_sessions(query, repository=many.repository)
    assert len(ids(many)) == 12


def test_naive_dates_in_a_query_are_read_as_utc(many: MongoDBSessionManagerFactory) -> None:
    cutoff = datetime.now(UTC) - timedelta(days=95)
    naive = list_sessions(
        SessionQuery(updated_before=cutoff.replace(tzinfo=None)), repository=many.repository
    )
    assert [s.session_id for s in naive] == ["bulk-00010", "bulk-00011"]


def test_storage_keys_do_not_leak_into_the_export(shop: MongoDBSessionManagerFactory) -> None:
    exported = export_session("shop-1", repository=shop.repository)
    assert storage_key("billing.bot") not in exported


@pytest.mark.parametrize("fmt", ["json", "markdown"])
def test_exports_never_carry_viewer_password_secrets(
    factory: MongoDBSessionManagerFactory, fmt: Literal["json", "markdown"]
) -> None:
    # A reference session with its plain-text viewer password, migrated: the
    # document now holds a scrypt verifier; an unmigrated copy still holds the text.
    legacy = legacy_session("pw-1")
    legacy["session_viewer_password"] = "hunter2-plain-text"
    migrated = v1(legacy)
    assert "viewer_access" in migrated
    unmigrated = v1(legacy_session("pw-2"), session_viewer_password="hunter2-plain-text")
    insert(factory, migrated, unmigrated)
    for session_id in ("pw-1", "pw-2"):
        text = export_session(session_id, format=fmt, repository=factory.repository)
        assert "viewer_access" not in text
        assert "session_viewer_password" not in text
        assert "hunter2" not in text
        assert "scrypt" not in text
        assert session_id in text  # the export itself is there
