"""Guardrail audit of a redaction, and ``keep_original=False`` (issue 11 item 8, issue 13)."""

from __future__ import annotations

import json
from typing import Any

import bson
import pytest
from strands import Agent
from strands.types.content import Message

from mongodb_session_manager import MongoDBSessionManager, MongoDBSessionManagerFactory
from mongodb_session_manager.demo.seeds import REDACTED_TEXT, GuardrailModel
from mongodb_session_manager.errors import InvalidInputError
from mongodb_session_manager.models import GUARDRAIL_STOP_REASONS, summarize_guardrail_trace
from mongodb_session_manager.testing import ScriptedModel
from tests.helpers.types import MakeManager as Make
from tests.helpers.types import ReadRaw as Raw
from tests.helpers.types import as_message

CARD = "4111 1111 1111 1111"

TRACE: dict[str, Any] = {
    "guardrail": {
        "inputAssessment": {
            "gr-1": {
                "contentPolicy": {
                    "filters": [{"type": "HATE", "confidence": "HIGH", "action": "BLOCKED"}]
                },
                "sensitiveInformationPolicy": {
                    "piiEntities": [
                        {"type": "CREDIT_DEBIT_CARD_NUMBER", "match": CARD, "action": "BLOCKED"}
                    ],
                    "regexes": [
                        {"name": "order", "match": "A-1", "regex": "A-\\d", "action": "BLOCKED"}
                    ],
                },
                "topicPolicy": {
                    "topics": [{"name": "Investments", "type": "DENY", "action": "BLOCKED"}]
                },
                "wordPolicy": {
                    "customWords": [{"match": "darn", "action": "BLOCKED"}],
                    "managedWordLists": [
                        {"match": "bleep", "type": "PROFANITY", "action": "BLOCKED"}
                    ],
                },
            }
        },
        "outputAssessments": {
            "gr-1": [
                {
                    "contextualGroundingPolicy": {
                        "filters": [
                            {"type": "GROUNDING", "score": 0.1, "action": "BLOCKED"},
                            {"type": "RELEVANCE", "score": 0.9, "action": "NONE"},
                        ]
                    }
                }
            ]
        },
        "modelOutput": [f"your card {CARD} is noted"],
    }
}


def card_agent(manager: MongoDBSessionManager) -> Agent:
    agent = Agent(model=ScriptedModel(["noted"]), session_manager=manager, callback_handler=None)
    agent(f"my card is {CARD}")
    return agent


def redaction() -> Message:
    return {"role": "user", "content": [{"text": "[card redacted]"}]}


def test_trace_summary_names_each_policy_never_the_matched_text() -> None:
    summary = summarize_guardrail_trace(TRACE)
    assert summary == {
        "topicPolicy": ["Investments"],
        "contentPolicy": ["HATE/HIGH"],
        "wordPolicy": ["CUSTOM_WORD", "PROFANITY"],
        "sensitiveInformationPolicy": ["CREDIT_DEBIT_CARD_NUMBER", "REGEX/order"],
        "contextualGroundingPolicy": ["GROUNDING"],
    }
    assert CARD not in json.dumps(summary)
    assert summarize_guardrail_trace(TRACE["guardrail"]) == summary  # the inner part too
    assert summarize_guardrail_trace({}) is None
    assert summarize_guardrail_trace({"guardrail": {"inputAssessment": "junk"}}) is None
    assert frozenset({"guardrail_intervened", "content_filtered"}) == GUARDRAIL_STOP_REASONS


def test_redaction_records_the_event_on_message_and_session(new_manager: Make, raw: Raw) -> None:
    manager = new_manager("guard-1")
    agent = Agent(model=ScriptedModel(["noted"]), session_manager=manager, callback_handler=None)
    agent(f"my card is {CARD}")
    # Redact the user's message, as a guardrail hook that saw the trace would.
    user: Message = {"role": "user", "content": [{"text": "hello again"}]}
    manager.append_message(user, agent)
    manager.redact_latest_message(
        redaction(),
        agent,
        action="BLOCKED",
        stop_reason="guardrail_intervened",
        guardrail_trace=TRACE,
    )
    doc = raw("guard-1")
    assert doc is not None
    message = doc["agents"]["default"]["messages"][2]
    event = message["guardrail_event"]
    assert event["action"] == "BLOCKED"
    assert event["stop_reason"] == "guardrail_intervened"
    assert event["policies_triggered"]["contentPolicy"] == ["HATE/HIGH"]
    assert event["trace"] == TRACE  # kept as given: the original is kept for audit too
    assert message["content"] == [{"text": "hello again"}]
    assert message["redact_message"]["content"] == [{"text": "[card redacted]"}]
    [summary] = doc["guardrail_events"]
    assert summary["message_id"] == 2
    assert summary["agent_id"] == "default"
    assert summary["action"] == "BLOCKED"
    assert summary["stop_reason"] == "guardrail_intervened"
    assert summary["policies_triggered"] == event["policies_triggered"]
    assert summary["timestamp"] == event["timestamp"]
    assert "trace" not in summary


def test_the_redaction_and_its_event_are_a_single_update(
    new_manager: Make, factory: MongoDBSessionManagerFactory, needs_command_monitoring: None
) -> None:
    manager = new_manager("guard-budget")
    agent = card_agent(manager)
    with factory.pool.command_stats.capture() as log:
        manager.redact_latest_message(redaction(), agent, guardrail_trace=TRACE)
    assert log.commands == ["update"]


def test_strands_own_call_records_a_blocked_event(new_manager: Make, raw: Raw) -> None:
    manager = new_manager("guard-strands")
    agent = Agent(
        model=GuardrailModel(["I cannot help with that."], redact_calls={1}),
        session_manager=manager,
        callback_handler=None,
    )
    agent(f"charge {CARD}")  # Strands calls redact_latest_message(message, agent)
    doc = raw("guard-strands")
    assert doc is not None
    first = doc["agents"]["default"]["messages"][0]
    assert first["redact_message"]["content"] == [{"text": REDACTED_TEXT}]
    assert first["guardrail_event"]["action"] == "BLOCKED"
    assert "stop_reason" not in first["guardrail_event"]
    assert [e["message_id"] for e in doc["guardrail_events"]] == [0]
    # Resuming gives Strands the redaction, as before.
    resumed = Agent(
        model=ScriptedModel(), session_manager=new_manager("guard-strands"), callback_handler=None
    )
    assert resumed.messages[0]["content"] == [{"text": REDACTED_TEXT}]


@pytest.mark.parametrize(
    ("kwargs", "named"),
    [
        ({"action": ""}, "action"),
        ({"action": 3}, "action"),
        ({"stop_reason": "x" * 500}, "stop_reason"),
        ({"guardrail_trace": ["not", "a", "dict"]}, "guardrail_trace"),
        ({"guardrail_trace": {"$where": "1"}}, "$"),
        ({"guardrail_trace": {"a.b": 1}}, "'.'"),
        ({"stop_reason": "bad\x00"}, "NUL"),
    ],
)
def test_bad_guardrail_arguments_are_refused_and_nothing_is_written(
    new_manager: Make, raw: Raw, kwargs: dict[str, Any], named: str
) -> None:
    manager = new_manager("guard-bad")
    agent = card_agent(manager)
    before = raw("guard-bad")
    with pytest.raises(InvalidInputError, match=named.replace("$", r"\$")):
        manager.redact_latest_message(redaction(), agent, **kwargs)
    after = raw("guard-bad")
    assert before == after


@pytest.mark.parametrize("where", ["manager", "factory"])
def test_keep_original_false_erases_the_card_number_in_the_same_write(
    factory: MongoDBSessionManagerFactory,
    new_manager: Make,
    raw: Raw,
    msm_backend: Any,
    msm_options: dict[str, Any],
    where: str,
) -> None:
    session_id = f"guard-erase-{where}"
    if where == "manager":
        manager = new_manager(session_id, keep_original=False)
    else:
        erasing = MongoDBSessionManagerFactory(**msm_options, keep_original=False)
        manager = erasing.create_session_manager(session_id)
    try:
        agent = Agent(model=ScriptedModel(), session_manager=manager, callback_handler=None)
        message = as_message(
            {"role": "user", "content": [{"text": f"my card is {CARD}"}], "note": CARD}
        )
        manager.append_message(message, agent)
        assert CARD in bson.encode(raw(session_id) or {}).decode("latin-1")
        with factory.pool.command_stats.capture() as log:
            manager.redact_latest_message(redaction(), agent, guardrail_trace=TRACE)
        if msm_backend.counts_commands:  # one round trip; it names the original's chunks
            assert log.commands == ["findAndModify"]
        stored = raw(session_id) or {}
        text = bson.encode(stored).decode("latin-1")
        assert CARD not in text
        assert "4111" not in text
        erased = stored["agents"]["default"]["messages"][-1]
        assert erased["content"] == [{"text": "[card redacted]"}]
        assert erased["original_removed"] is True
        assert erased["guardrail_event"]["policies_triggered"]["sensitiveInformationPolicy"] == [
            "CREDIT_DEBIT_CARD_NUMBER",
            "REGEX/order",
        ]
        assert "modelOutput" not in json.dumps(erased["guardrail_event"]["trace"])
        assert stored["size_bytes"] > 0
        resumed = Agent(
            model=ScriptedModel(),
            session_manager=new_manager(session_id),
            callback_handler=None,
        )
        assert resumed.messages[-1]["content"] == [{"text": "[card redacted]"}]
    finally:
        manager.close()
        if where == "factory":
            erasing.close()


def test_the_default_keeps_the_original_for_audit(new_manager: Make, raw: Raw) -> None:
    manager = new_manager("guard-keep")
    agent = card_agent(manager)
    manager.redact_latest_message(redaction(), agent)
    assert manager.keep_original is True
    assert CARD in json.dumps(raw("guard-keep"), default=str)


def test_keep_original_false_on_strands_own_redaction(new_manager: Make, raw: Raw) -> None:
    manager = new_manager("guard-strands-erase", keep_original=False)
    agent = Agent(
        model=GuardrailModel(["I cannot help with that."], redact_calls={1}),
        session_manager=manager,
        callback_handler=None,
    )
    agent(f"charge {CARD}")
    stored = raw("guard-strands-erase")
    assert CARD not in bson.encode(stored or {}).decode("latin-1")
    first = (stored or {})["agents"]["default"]["messages"][0]
    assert first["content"] == [{"text": REDACTED_TEXT}]
    assert first["guardrail_event"]["action"] == "BLOCKED"
