"""User feedback on a session (thumbs up / down and a comment)."""

from __future__ import annotations

from collections.abc import Iterator, KeysView
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from mongodb_session_manager.models._time import UtcDatetime, utcnow

MAX_COMMENT_LENGTH = 10_000
MAX_FEEDBACK_BYTES = 256 * 1024
"""Largest encoded feedback accepted (comment and extra keys included)."""


class Feedback(BaseModel):
    """One piece of feedback, optionally tied to an agent and a message.

    Extra keys are kept (a validation hook may add ``_validated_at``, an app its
    own fields). It also reads like the dict the reference library returned:
    ``feedback["rating"]``, ``feedback.get("comment")``, ``dict(feedback)``.
    """

    model_config = ConfigDict(extra="allow")

    rating: Literal["up", "down"] | None = None
    comment: str = Field(default="", max_length=MAX_COMMENT_LENGTH)
    agent_id: str | None = None
    message_id: int | None = Field(default=None, ge=0)
    created_at: UtcDatetime = Field(default_factory=utcnow)

    # Mapping-style access, for code written against the reference library's dicts.

    def _as_dict(self) -> dict[str, Any]:
        return {**{name: getattr(self, name) for name in type(self).model_fields}, **self.extras}

    @property
    def extras(self) -> dict[str, Any]:
        """The keys beyond the declared fields."""
        return dict(self.model_extra or {})

    def __getitem__(self, key: str) -> Any:
        try:
            return self._as_dict()[key]
        except KeyError:
            raise KeyError(key) from None

    def __contains__(self, key: object) -> bool:
        return key in self._as_dict()

    def get(self, key: str, default: Any = None) -> Any:
        """The value of ``key`` (a field or an extra key), or ``default``."""
        return self._as_dict().get(key, default)

    def keys(self) -> KeysView[str]:
        """Field and extra key names (so ``dict(feedback)`` works)."""
        return self._as_dict().keys()

    def items(self) -> Iterator[tuple[str, Any]]:
        """``(name, value)`` pairs of fields and extra keys."""
        return iter(self._as_dict().items())
