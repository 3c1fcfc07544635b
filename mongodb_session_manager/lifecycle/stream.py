"""A session export written as it is read: an agent's messages a batch at a time.

A long session's messages are spread over pages; :class:`ExportWriter` writes
the same JSON (or Markdown) :func:`~.export.to_json` / :func:`~.export.to_markdown`
would produce for the whole document, but never holds more than one batch of
messages: the caller hands it each agent's batches in order
(``SessionStore.iter_messages``)::

    writer = ExportWriter(header_document, out, format="json")
    for index, agent_id in enumerate(writer.agent_ids):
        writer.begin_agent(index)
        for batch in batches_of(agent_id):
            writer.add(batch)
        writer.end_agent()
    writer.finish()

The text is the same as the in-memory export's (same keys, same order, same
indentation), except the Markdown's last line keeps any trailing spaces.
"""

from __future__ import annotations

import json
import secrets
from collections.abc import AsyncIterator, Iterable, Mapping
from typing import Any, Literal, TextIO

from mongodb_session_manager.errors import InvalidInputError, SessionNotFoundError
from mongodb_session_manager.lifecycle.export import export_document, export_message, to_json
from mongodb_session_manager.lifecycle.markdown import agent_md, head_md, message_md, tail_md
from mongodb_session_manager.store.sessions import SessionStore

__all__ = ["ExportWriter", "close_batches", "next_batch", "read_header", "read_tail"]


class ExportWriter:
    """Writes one session's export to ``out``, the messages as they come.

    Args:
        document: The session document; its agents' ``messages`` are ignored
            (what :meth:`add` is given is exported instead).
        out: A text stream.
        format: ``"json"`` or ``"markdown"``.
        include_redacted: Also export the originals of redacted messages.
    """

    def __init__(
        self,
        document: Mapping[str, Any],
        out: TextIO,
        *,
        format: Literal["json", "markdown"] = "json",
        include_redacted: bool = False,
    ) -> None:
        if format not in ("json", "markdown"):
            raise InvalidInputError(f"unknown export format {format!r}; use 'json' or 'markdown'")
        agents = document.get("agents")
        header = {
            **document,
            "agents": {
                key: {**agent, "messages": []}
                for key, agent in (agents.items() if isinstance(agents, Mapping) else ())
                if isinstance(agent, Mapping)
            },
        }
        self.export = export_document(header, include_redacted=include_redacted)
        self.agent_ids: list[str] = [str(a.get("agent_id")) for a in self.export["agents"]]
        """The agents in export order: hand their messages over in this order."""
        self.out = out
        self.format = format
        self.include_redacted = include_redacted
        self._agent = -1
        self._in_agent = 0  # messages written for the current agent
        self._pending = 0  # blank Markdown lines not written yet
        self._wrote_line = False
        self.written = 0
        """Messages written so far."""
        if format == "json":
            token = secrets.token_hex(16)  # cannot occur in the header's own text
            for index, agent in enumerate(self.export["agents"]):
                agent["messages"] = f"{token}:{index}"
            text = to_json(self.export)
            self._pieces: list[str] = []
            for index in range(len(self.agent_ids)):
                before, text = text.split(json.dumps(f"{token}:{index}"), 1)
                self._pieces.append(before)
            self._pieces.append(text)
            out.write(self._pieces[0])
        else:
            self._lines(head_md(self.export))

    # ------------------------------------------------------------------ markdown

    def _lines(self, lines: Iterable[str]) -> None:
        """Markdown lines joined by newlines, trailing blank lines held back."""
        for line in lines:
            if not line:
                self._pending += 1
                continue
            breaks = self._pending + (1 if self._wrote_line else 0)
            self.out.write("\n" * breaks + line)
            self._pending, self._wrote_line = 0, True

    # ------------------------------------------------------------------ the steps

    def begin_agent(self, index: int) -> None:
        """Start agent number ``index`` of :attr:`agent_ids` (they come in order)."""
        if index != self._agent + 1 or index >= len(self.agent_ids):
            raise InvalidInputError(f"agent {index} out of order")
        self._agent, self._in_agent = index, 0
        if self.format == "markdown":
            self._lines(agent_md(self.export["agents"][index] | {"messages": []}))

    def add(self, messages: Iterable[Mapping[str, Any]]) -> None:
        """The current agent's next stored messages, in ``message_id`` order."""
        for raw in messages:
            if not isinstance(raw, Mapping):
                continue
            message = export_message(raw, self.include_redacted)
            if self.format == "markdown":
                self._lines(message_md(message))
            else:
                indent = " " * (self._indent() + 2)
                body = json.dumps(message, indent=2, ensure_ascii=False, allow_nan=False)
                lead = ",\n" if self._in_agent else "[\n"
                self.out.write(lead + "\n".join(indent + line for line in body.split("\n")))
            self._in_agent += 1
            self.written += 1

    def _indent(self) -> int:
        """The indentation of the line holding the current agent's ``"messages"`` key."""
        before = self._pieces[self._agent]
        line = before[before.rfind("\n") + 1 :]
        return len(line) - len(line.lstrip(" "))

    def end_agent(self) -> None:
        """The current agent's messages are all written."""
        if self.format == "json":
            close = "\n" + " " * self._indent() + "]" if self._in_agent else "[]"
            self.out.write(close + self._pieces[self._agent + 1])

    def finish(self) -> None:
        """Write what follows the last agent."""
        if self._agent != len(self.agent_ids) - 1:
            raise InvalidInputError("not every agent was written")
        if self.format == "markdown":
            self._lines(tail_md(self.export))
            self.out.write("\n")


# ------------------------------------------------------------------ reading for it


async def read_header(store: SessionStore, session_id: str) -> dict[str, Any]:
    """The session document as stored (recent messages only): the streamed export's header."""
    document = await store.read_document(session_id)
    if document is None:
        raise SessionNotFoundError(session_id)
    return document


async def read_tail(store: SessionStore, session_id: str, last: int) -> dict[str, Any]:
    """The session document with each agent's ``messages`` its ``last`` messages only.

    One read of the session, then one ``read_messages`` per agent from
    ``message_count - last`` (only the pages holding that tail are read): what
    ``msm sessions show --messages N`` prints, whatever the session's length.
    ``last`` 0: no messages, no read beyond the session's.
    """
    document = await read_header(store, session_id)
    agents = document.get("agents")
    if not isinstance(agents, dict):
        return document
    for key, agent in agents.items():
        if not isinstance(agent, Mapping) or not isinstance(agent.get("agent_id"), str):
            continue
        count = agent.get("message_count")
        start = max(0, (count if isinstance(count, int) else 0) - last)
        tail = (
            await store.read_messages(session_id, agent["agent_id"], offset=start) if last else []
        )
        agents[key] = {**agent, "messages": tail}
    return document


async def close_batches(batches: AsyncIterator[Any]) -> None:
    """Close an agent's batches early (a write failed): its reads stop on the store loop."""
    close = getattr(batches, "aclose", None)
    if close is not None:
        await close()


async def next_batch(batches: AsyncIterator[list[dict[str, Any]]]) -> list[dict[str, Any]] | None:
    """The next batch of an agent's messages (``None`` after the last)."""
    try:
        return await anext(batches)
    except StopAsyncIteration:
        return None
