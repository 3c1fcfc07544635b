"""The demo card-number guardrail: the model never sees the number, the stored one is redacted."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from strands import Agent

from mongodb_session_manager import MongoDBSessionManager
from mongodb_session_manager.demo.guardrail import (
    REPLACEMENT,
    CardNumberGuardrail,
    redact_card_numbers,
)
from mongodb_session_manager.testing import ScriptedModel


@pytest.mark.parametrize(
    ("text", "expected", "count"),
    [
        ("card 4111 1111 1111 1111 please", f"card {REPLACEMENT} please", 1),
        ("4111-1111-1111-1111 and 5500005555555559", f"{REPLACEMENT} and {REPLACEMENT}", 2),
        ("order 1234 5678 9012 3456", "order 1234 5678 9012 3456", 0),  # fails the Luhn check
        ("call 555 0100", "call 555 0100", 0),
        ("ticket 12345678901234567890123", "ticket 12345678901234567890123", 0),  # too long
    ],
)
def test_card_numbers_are_found(text: str, expected: str, count: int) -> None:
    assert redact_card_numbers(text) == (expected, count)


class Recorder(ScriptedModel):
    """A scripted model that remembers what it was sent."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.seen: list[str] = []

    async def stream(self, messages: Any, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:  # type: ignore[override]
        self.seen.append(str(messages))
        async for event in super().stream(messages, *args, **kwargs):
            yield event


def test_the_model_and_a_resumed_agent_see_only_the_redaction(
    new_manager: Callable[..., MongoDBSessionManager], raw: Callable[[str], dict[str, Any]]
) -> None:
    manager = new_manager("pii")
    model = Recorder(["I can't take card numbers here."])
    agent = Agent(
        model=model,
        session_manager=manager,
        hooks=[CardNumberGuardrail(manager)],
        callback_handler=None,
    )
    agent("Charge 4111 1111 1111 1111 please")
    assert "4111" not in model.seen[0]
    assert agent.messages[0]["content"] == [{"text": f"Charge {REPLACEMENT} please"}]

    stored = raw("pii")["agents"]["default"]["messages"]
    assert stored[0]["redact_message"] == {
        "role": "user",
        "content": [{"text": f"Charge {REPLACEMENT} please"}],
    }
    assert stored[1].get("redact_message") is None  # the answer is untouched

    resumed = Agent(
        model=ScriptedModel([]),
        session_manager=new_manager("pii"),
        callback_handler=None,
    )
    assert resumed.messages[0]["content"] == [{"text": f"Charge {REPLACEMENT} please"}]


def test_messages_without_card_numbers_cost_no_write(
    new_manager: Callable[..., MongoDBSessionManager], raw: Callable[[str], dict[str, Any]]
) -> None:
    manager = new_manager("clean")
    guardrail = CardNumberGuardrail(manager)
    agent = Agent(
        model=ScriptedModel(["Sure."]),
        session_manager=manager,
        hooks=[guardrail],
        callback_handler=None,
    )
    agent("My order is 1234 5678 9012 3456")
    assert guardrail.redactions == 0
    assert all(
        m.get("redact_message") is None for m in raw("clean")["agents"]["default"]["messages"]
    )
