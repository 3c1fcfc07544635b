"""One stored message as one terminal line (``msm sessions show``, snapshots too)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from rich.text import Text

from mongodb_session_manager.cli._store_options import plain

__all__ = ["message_line", "text_of"]


def text_of(blocks: Any) -> str:
    """A message's content blocks as one line of text (tool calls and results named)."""
    parts = []
    for block in blocks or []:
        if not isinstance(block, dict):
            continue
        if "text" in block:
            parts.append(str(block["text"]))
        elif "toolUse" in block:
            use = block["toolUse"] or {}
            parts.append(f"[tool call {use.get('name')} {json.dumps(use.get('input'))[:200]}]")
        elif "toolResult" in block:
            parts.append(f"[tool result {(block['toolResult'] or {}).get('status')}]")
        else:
            parts.append(f"[{next(iter(block), 'block')}]")
    return " ".join(parts)


def message_line(message: Mapping[str, Any]) -> Text:
    """``  #id role (redacted): text`` with the text cut at 500 characters, inert."""
    flag = " (redacted)" if message.get("redacted") else ""
    text = text_of(message.get("content"))
    return plain(f"  #{message['message_id']} {message['role']}{flag}: {text[:500]}")
