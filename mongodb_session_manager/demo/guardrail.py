"""A PII guardrail for the demo: payment card numbers never reach the model.

When a user message contains a card number (13-19 digits passing the Luhn
check), the number is replaced in the live conversation before the model is
called, and the stored message gets a redaction through the session manager's
``redact_latest_message`` -- the same call Strands makes when a Bedrock
guardrail redacts input. A resumed agent and the viewer see the redacted text.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from strands.hooks import HookProvider, HookRegistry, MessageAddedEvent
from strands.types.content import ContentBlock, Message

from mongodb_session_manager.manager import MongoDBSessionManager

logger = logging.getLogger(__name__)

REPLACEMENT = "[card number removed]"
_CANDIDATE = re.compile(r"(?<!\d)(?:\d[ -]?){12,18}\d(?!\d)")


def _luhn_ok(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def redact_card_numbers(text: str) -> tuple[str, int]:
    """``text`` with card numbers replaced, and how many there were."""
    count = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal count
        digits = re.sub(r"\D", "", match.group())
        if not _luhn_ok(digits):
            return match.group()
        count += 1
        return REPLACEMENT

    return _CANDIDATE.sub(replace, text), count


class CardNumberGuardrail(HookProvider):
    """Redacts card numbers from user messages (see the module docstring).

    Register it after the session manager (pass it in ``Agent(hooks=[...])``):
    the manager's own hook stores the message first, then this one redacts it.

    Args:
        manager: The session manager of the agent.
    """

    def __init__(self, manager: MongoDBSessionManager) -> None:
        self.manager = manager
        self.redactions = 0

    def register_hooks(self, registry: HookRegistry, **kwargs: Any) -> None:
        """Watch every message added to the conversation."""
        registry.add_callback(MessageAddedEvent, self._on_message)

    def _on_message(self, event: MessageAddedEvent) -> None:
        message = event.message
        if message.get("role") != "user":
            return
        found = 0
        content: list[ContentBlock] = []
        for block in message.get("content", []):
            text = block.get("text")
            if isinstance(text, str):
                text, count = redact_card_numbers(text)
                found += count
                content.append({**block, "text": text})
            else:
                content.append(block)
        if not found:
            return
        message["content"] = content  # the model is called with the redacted message
        redacted: Message = {"role": "user", "content": content}
        self.manager.redact_latest_message(redacted, event.agent)
        self.redactions += 1
        logger.info(
            "guardrail.redacted | session_id=%s agent_id=%s card_numbers=%d",
            self.manager.session_id,
            event.agent.agent_id,
            found,
        )
