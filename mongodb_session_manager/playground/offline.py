"""What the offline playground model says: echo, calculator, and remembering names.

The scripted model has no understanding; this module picks a script for each
user message so the playground shows every feature without an API key: a tool
call (``calculator``) for arithmetic, the metadata tool for "my name is ...",
and a Markdown echo of anything else.
"""

from __future__ import annotations

import re

from mongodb_session_manager.demo.tools import CalculatorError, evaluate, format_number
from mongodb_session_manager.offline import ScriptItem

_EXPRESSION = re.compile(r"[-+(\d][\d\s.+\-*/()^%]*[\d)]")
_TIMES = re.compile(r"(?<=[\d)])\s*[x\u00d7]\s*(?=[\d(])", re.IGNORECASE)
# The prefix in any case, the name capitalised ("I am fine" names nobody).
_NAME = re.compile(r"\b(?i:my name is|i am|i'm|call me)\s+([A-Z\u00c0-\u00de][\w'-]{0,40})")
_OPERATOR = re.compile(r"\d\s*[-+*/^%]+\s*[-+(]*\s*\d|\)\s*[-+*/^%]|[-+*/^%]\s*\(")

HELP = (
    "I'm the playground's **offline model**: I echo what you write, use the `calculator` "
    "tool for arithmetic (try *what is 12 * 7.5 * 1.21?*) and remember your name in the "
    "session metadata (try *my name is Ana*). Start `msm playground --model "
    "bedrock:<model-id>` to talk to a real model."
)


def find_expression(text: str) -> str | None:
    """The longest arithmetic expression in ``text`` (with an operator), if any."""
    normalised = _TIMES.sub(" * ", text)
    candidates = [m.group().strip() for m in _EXPRESSION.finditer(normalised)]
    candidates = [c for c in candidates if _OPERATOR.search(c)]
    return max(candidates, key=len) if candidates else None


def find_name(text: str) -> str | None:
    """The name in "my name is X" / "I'm X" / "call me X", if any."""
    match = _NAME.search(text)
    return match.group(1) if match else None


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" for line in text.strip().splitlines() or [""])


def offline_script(prompt: str) -> list[ScriptItem]:
    """The scripted turns answering ``prompt``."""
    expression = find_expression(prompt)
    if expression is not None:
        call: ScriptItem = {"tool": "calculator", "input": {"expression": expression}}
        try:
            value = format_number(evaluate(expression))
        except CalculatorError as exc:
            return [call, f"I could not compute `{expression}`: {exc}."]
        return [call, f"**{expression} = {value}**\n\nComputed with the `calculator` tool."]
    name = find_name(prompt)
    if name is not None:
        return [
            {
                "tool": "manage_metadata",
                "input": {"action": "set", "metadata": {"user_name": name}},
            },
            f"Nice to meet you, **{name}**! I saved your name in this session's metadata "
            "(see the side panel); it is still there after a reload.",
        ]
    return [f"You said:\n\n{_quote(prompt)}\n\n{HELP}"]
