"""One stored message of an agent."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from mongodb_session_manager.models._time import UtcDatetime, utcnow


class MessageRecord(BaseModel):
    """A Strands message as stored: content blocks untouched, bytes as BSON binary.

    ``message_id`` is the message's index in the agent's conversation and equals its
    position in the stored array: the per-agent counter guards every append.
    """

    model_config = ConfigDict(extra="allow")

    message_id: int = Field(ge=0)
    role: Literal["user", "assistant"] | str
    content: list[dict[str, Any]]
    tracking_id: str | None = None
    metadata: dict[str, Any] | None = None
    """Strands' per-call ``usage`` and ``metrics`` for assistant messages."""
    redact_message: dict[str, Any] | None = None
    """The message that replaces this one when a guardrail redacted it."""
    extra: dict[str, Any] | None = None
    """Any other top-level keys of the Strands message, kept for a faithful round trip."""
    created_at: UtcDatetime = Field(default_factory=utcnow)
    updated_at: UtcDatetime = Field(default_factory=utcnow)

    @property
    def redacted(self) -> bool:
        """Whether a guardrail replaced this message."""
        return self.redact_message is not None
