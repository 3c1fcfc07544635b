"""compose_hooks: a user's audit hook and the AWS hooks on one manager."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

import pytest

from mongodb_session_manager import (
    FeedbackSNSHook,
    InvalidInputError,
    compose_hooks,
    create_metadata_sqs_hook,
)

Closing = Callable[[Any], Any]


def test_an_audit_hook_and_the_sns_hook_both_run_around_one_write(
    aws: Any, store: Callable[..., Any], closing: Closing
) -> None:
    bad, inbox = aws.topic_with_queue("composed")
    sns = closing(FeedbackSNSHook(topic_arn_bad=bad))
    events: list[str] = []

    def audit(original_func: Callable[..., Any], action: str, session_id: str, **kw: Any) -> Any:
        events.append(f"before {action} {session_id} {kw['feedback']['rating']}")
        enriched = {**kw["feedback"], "channel": "web"}  # an enriching hook
        result = original_func(enriched)
        events.append(f"after {action}")
        return result

    session = store("audited")
    hook = compose_hooks(audit, sns)
    result = hook(session.add_feedback, "add", "audited", feedback={"rating": "down"})
    assert sns.flush(10)

    assert result == {"rating": "down", "channel": "web"}
    assert events == ["before add audited down", "after add"]
    assert session.stored()["feedbacks"] == [{"rating": "down", "channel": "web"}]
    [note] = aws.notifications(inbox)
    assert json.loads(note["Message"])["feedback"] == {"rating": "down", "channel": "web"}


def test_a_validating_hook_that_raises_stops_the_write_and_the_notification(
    aws: Any, store: Callable[..., Any], closing: Closing
) -> None:
    queue = aws.queue("validated")
    sqs = closing(create_metadata_sqs_hook(queue))

    def no_secrets(
        original_func: Callable[..., Any], action: str, session_id: str, **kw: Any
    ) -> Any:
        if action == "update" and "password" in kw["metadata"]:
            raise InvalidInputError("no passwords in metadata")
        return original_func(kw["metadata"]) if action == "update" else original_func(**kw)

    session = store()
    hook = compose_hooks(no_secrets, sqs)
    with pytest.raises(InvalidInputError):
        hook(session.update_metadata, "update", session.session_id, metadata={"password": "x"})
    hook(session.update_metadata, "update", session.session_id, metadata={"status": "ok"})
    assert sqs.flush(10)

    assert [json.loads(m["Body"])["metadata"] for m in aws.drain(queue)] == [{"status": "ok"}]
    assert session.stored()["metadata"] == {"status": "ok"}


def test_several_aws_hooks_and_none_entries(
    aws: Any, store: Callable[..., Any], closing: Closing
) -> None:
    first, second = aws.queue("one"), aws.queue("two")
    status_hook = closing(create_metadata_sqs_hook(first, ["status"]))
    owner_hook = closing(create_metadata_sqs_hook(second, ["owner"]))
    hook = compose_hooks(None, status_hook, owner_hook)
    session = store()

    hook(
        session.update_metadata,
        "update",
        session.session_id,
        metadata={"status": "a", "owner": "b"},
    )
    hook(session.delete_metadata, "delete", session.session_id, keys=["owner"])
    assert hook(session.get_metadata, "get", session.session_id) == {"status": "a"}
    assert status_hook.flush(10) and owner_hook.flush(10)

    assert session.calls == ["update_metadata", "delete_metadata"]  # each operation ran once
    assert [json.loads(m["Body"])["metadata"] for m in aws.drain(first)] == [{"status": "a"}]
    assert [
        (body["operation"], body["metadata"])
        for body in (json.loads(m["Body"]) for m in aws.drain(second))
    ] == [("update", {"owner": "b"}), ("delete", {"owner": None})]


def test_no_hooks_is_a_pass_through() -> None:
    assert compose_hooks()(lambda keys: sorted(keys), "delete", "s", keys=["b", "a"]) == ["a", "b"]
    assert compose_hooks(None)(lambda: {"x": 1}, "get", "s") == {"x": 1}


def test_unexpected_positional_arguments_are_reported(caplog: pytest.LogCaptureFixture) -> None:
    def odd(original_func: Callable[..., Any], action: str, session_id: str, **kw: Any) -> Any:
        return original_func(1, 2)

    def last(original_func: Callable[..., Any], action: str, session_id: str, **kw: Any) -> Any:
        return kw

    with caplog.at_level(logging.WARNING):
        assert compose_hooks(odd, last)(lambda **kw: kw, "custom", "s", value=3) == {"value": 3}
    assert "hooks.compose.arguments_ignored" in caplog.text
