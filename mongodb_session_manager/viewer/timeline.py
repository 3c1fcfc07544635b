"""One stable, paginated timeline of every agent's messages and the session's feedbacks.

Order (deterministic, never by wall clock alone):

* the messages of one agent stay in ``message_id`` order, whatever their clocks say
  (a tool result never comes before its tool use);
* across agents, the next message is the head with the smallest
  ``(created_at, agent_id, message_id)``: a k-way merge of per-agent streams;
* feedbacks keep their stored (append) order; the next one comes before a message
  head whose ``created_at`` is later than its own, and a feedback tied to a
  message never comes before that message.

A page needs at most ``limit`` messages from each agent, so the query reads one
``$slice`` per agent starting at the agent's offset; the cursor carries those
offsets (message ids) and the number of feedbacks already shown. Ids below an
agent's ``paged_count`` come from its pages instead (:mod:`.paging`): a stream
is the same whichever part of the store its messages came from.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from mongodb_session_manager.errors import InvalidFilterError
from mongodb_session_manager.models import as_utc, storage_key

_KEY = re.compile(r"[A-Za-z0-9_-]{1,64}|~[0-9a-f]{40}")
"""What :func:`storage_key` produces: the only agent keys a cursor may carry."""
_MAX_OFFSET = 2**31 - 1
_MAX_AGENTS_IN_CURSOR = 1000
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass
class Cursor:
    """Where the next timeline page starts: per-agent offsets and feedbacks shown."""

    offsets: dict[str, int] = field(default_factory=dict)
    feedbacks: int = 0

    def encode(self) -> str:
        """An opaque URL-safe string."""
        payload = json.dumps({"v": 1, "o": self.offsets, "f": self.feedbacks}, sort_keys=True)
        return base64.urlsafe_b64encode(payload.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, text: str | None) -> Cursor:
        """Parse a cursor; :class:`InvalidFilterError` if it was not made by :meth:`encode`."""
        if not text:
            return cls()

        def bad(reason: str) -> InvalidFilterError:
            return InvalidFilterError(
                f"cursor: {reason}", [{"location": ["query", "cursor"], "message": reason}]
            )

        if len(text) > 200_000:
            raise bad("too long")
        try:
            raw = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        except (ValueError, binascii.Error, UnicodeDecodeError):
            raise bad("not a cursor this viewer issued") from None
        if not isinstance(raw, dict) or raw.get("v") != 1:
            raise bad("not a cursor this viewer issued")
        offsets, feedbacks = raw.get("o"), raw.get("f")
        if not isinstance(offsets, dict) or len(offsets) > _MAX_AGENTS_IN_CURSOR:
            raise bad("bad agent offsets")
        if not isinstance(feedbacks, int) or not _count(feedbacks):
            raise bad("bad feedback offset")
        for key, offset in offsets.items():
            if not isinstance(key, str) or not _KEY.fullmatch(key) or not _count(offset):
                raise bad("bad agent offsets")
        return cls(offsets=dict(offsets), feedbacks=feedbacks)


def _count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= _MAX_OFFSET


@dataclass
class AgentStream:
    """One agent's loaded slice of messages, starting at ``offset``."""

    key: str
    agent_id: str
    offset: int
    message_count: int
    messages: Sequence[Mapping[str, Any]]
    taken: int = 0

    def head(self) -> Mapping[str, Any] | None:
        """The next message not yet taken (``None`` at the end of the slice)."""
        return self.messages[self.taken] if self.taken < len(self.messages) else None

    @property
    def position(self) -> int:
        """Messages of this agent emitted so far, this page included."""
        return self.offset + self.taken


def created(raw: Mapping[str, Any]) -> datetime:
    """A stored ``created_at`` as aware UTC (missing or odd values sort first)."""
    value = raw.get("created_at")
    return as_utc(value) if isinstance(value, datetime) else _EPOCH


@dataclass
class MergedItem:
    """One timeline entry: a message of ``stream`` at ``index``, or feedback number ``index``."""

    kind: str
    index: int
    raw: Mapping[str, Any]
    stream: AgentStream | None = None


@dataclass
class Merged:
    """A page of merged items and where the next page starts."""

    items: list[MergedItem]
    cursor: Cursor
    done: bool


def merge(
    streams: list[AgentStream],
    feedbacks: Sequence[Mapping[str, Any]],
    feedback_offset: int,
    feedback_total: int,
    limit: int,
) -> Merged:
    """The next ``limit`` items of the timeline (see the module docstring for the order).

    Args:
        streams: Each agent's messages from its offset on (at least ``limit`` of them,
            or all that are left).
        feedbacks: The session's feedbacks from ``feedback_offset`` on.
        feedback_offset: Index of ``feedbacks[0]`` in the session's list.
        feedback_total: Number of feedbacks in the session.
        limit: Page size.
    """
    by_agent = {stream.agent_id: stream for stream in streams}
    items: list[MergedItem] = []
    next_feedback = 0
    while len(items) < limit:
        best: AgentStream | None = None
        best_key: tuple[datetime, str, int] | None = None
        for stream in streams:
            raw = stream.head()
            if raw is None:
                continue
            key = (created(raw), stream.agent_id, stream.position)
            if best_key is None or key < best_key:
                best, best_key = stream, key
        feedback = feedbacks[next_feedback] if next_feedback < len(feedbacks) else None
        if (
            feedback is not None
            and _feedback_ready(feedback, by_agent)
            and (best_key is None or created(feedback) < best_key[0])
        ):
            items.append(MergedItem("feedback", feedback_offset + next_feedback, feedback))
            next_feedback += 1
            continue
        if best is None:
            # Only a feedback waiting for a message outside what is left: show it now.
            if feedback is None:
                break
            items.append(MergedItem("feedback", feedback_offset + next_feedback, feedback))
            next_feedback += 1
            continue
        raw = best.head()
        assert raw is not None
        items.append(MergedItem("message", best.position, raw, best))
        best.taken += 1
    cursor = Cursor(
        offsets={s.key: s.position for s in streams},
        feedbacks=feedback_offset + next_feedback,
    )
    done = cursor.feedbacks >= feedback_total and all(
        s.position >= s.message_count for s in streams
    )
    return Merged(items=items, cursor=cursor, done=done)


def _feedback_ready(feedback: Mapping[str, Any], streams: Mapping[str, AgentStream]) -> bool:
    """A feedback tied to a message waits until that message was shown."""
    agent_id, message_id = feedback.get("agent_id"), feedback.get("message_id")
    if not isinstance(agent_id, str) or not isinstance(message_id, int):
        return True
    stream = streams.get(agent_id)
    if stream is None or message_id >= stream.message_count:
        return True  # tied to nothing that will be shown: place it by time
    return stream.position > message_id


def agent_key(agent_id: str) -> str:
    """The storage key of ``agent_id`` (re-exported for the query layer)."""
    return storage_key(agent_id)
