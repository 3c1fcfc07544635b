"""User feedback on a session (thumbs up / down and a comment)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from mongodb_session_manager.models._time import UtcDatetime, utcnow

MAX_COMMENT_LENGTH = 10_000


class Feedback(BaseModel):
    """One piece of feedback, optionally tied to an agent and a message."""

    model_config = ConfigDict(extra="forbid")

    rating: Literal["up", "down"] | None = None
    comment: str = Field(default="", max_length=MAX_COMMENT_LENGTH)
    agent_id: str | None = None
    message_id: int | None = Field(default=None, ge=0)
    created_at: UtcDatetime = Field(default_factory=utcnow)
