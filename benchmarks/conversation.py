"""One synthetic conversation, the same for every contender.

Sizes are those of an ordinary assistant chat: user prompts of ~25 words,
answers of ~90 words with Strands' per-call usage and latency metadata, and a
tool call (tool use + tool result) every fourth exchange.
"""

from __future__ import annotations

import os
import random
import uuid
from typing import Any

from strands import tool

_VOCABULARY = (
    "order invoice delivery account refund password shipping address payment card "
    "update status week price plan upgrade support ticket email phone number help "
    "please thanks could would should when where which there their about after before "
    "the a an to of in on for with and or but not is are was were be been this that"
)
_WORDS = _VOCABULARY.split()


@tool
def lookup_order(order_id: str) -> dict[str, Any]:
    """Look up an order by id."""
    return {"order_id": order_id, "status": "shipped", "eta_days": 2}


def _text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(_WORDS) for _ in range(words)).capitalize() + "."


def _assistant_metadata(rng: random.Random, turn: int) -> dict[str, Any]:
    tokens_in = 200 + 40 * turn % 5000
    tokens_out = rng.randint(60, 180)
    return {
        "usage": {
            "inputTokens": tokens_in,
            "outputTokens": tokens_out,
            "totalTokens": tokens_in + tokens_out,
        },
        "metrics": {"latencyMs": rng.randint(300, 1500), "timeToFirstByteMs": rng.randint(80, 300)},
    }


def make_conversation(n_messages: int, seed: int = 7) -> list[dict[str, Any]]:
    """``n_messages`` Strands messages: text exchanges and tool calls, well formed.

    The conversation never ends on a tool use without its result (Strands would
    repair that on resume and the counts would differ).
    """
    rng = random.Random(seed)
    messages: list[dict[str, Any]] = []
    turn = 0
    while len(messages) < n_messages:
        turn += 1
        messages.append({"role": "user", "content": [{"text": _text(rng, 25)}]})
        if turn % 4 == 0 and len(messages) + 3 <= n_messages:
            tool_use_id = f"tooluse_{uuid.UUID(int=rng.getrandbits(128)).hex[:22]}"
            order = f"A-{rng.randint(10_000, 99_999)}"
            messages.append(
                {
                    "role": "assistant",
                    "content": [
                        {
                            "toolUse": {
                                "toolUseId": tool_use_id,
                                "name": "lookup_order",
                                "input": {"order_id": order},
                            }
                        }
                    ],
                    "metadata": _assistant_metadata(rng, turn),
                }
            )
            messages.append(
                {
                    "role": "user",
                    "content": [
                        {
                            "toolResult": {
                                "toolUseId": tool_use_id,
                                "status": "success",
                                "content": [
                                    {
                                        "json": {
                                            "order_id": order,
                                            "status": "shipped",
                                            "eta_days": 2,
                                        }
                                    }
                                ],
                            }
                        }
                    ],
                }
            )
        messages.append(
            {
                "role": "assistant",
                "content": [{"text": _text(rng, 90)}],
                "metadata": _assistant_metadata(rng, turn),
            }
        )
    return messages[:n_messages]


def prompts(n: int, seed: int = 11) -> list[str]:
    """``n`` user prompts for live turns."""
    rng = random.Random(seed)
    return [_text(rng, 25) for _ in range(n)]


def replies(n: int, seed: int = 13) -> list[str]:
    """``n`` assistant replies for the scripted model."""
    rng = random.Random(seed)
    return [_text(rng, 90) for _ in range(n)]


def heavy_turn(i: int, result: str) -> list[dict[str, Any]]:
    """A prompt, a tool call, its result (1 MB in the big-session case) and the answer."""
    tool_use_id = f"tooluse_big_{i:06d}"
    return [
        {"role": "user", "content": [{"text": f"Fetch report {i} and summarise it."}]},
        {
            "role": "assistant",
            "content": [
                {"toolUse": {"toolUseId": tool_use_id, "name": "fetch", "input": {"n": i}}}
            ],
        },
        {
            "role": "user",
            "content": [
                {
                    "toolResult": {
                        "toolUseId": tool_use_id,
                        "status": "success",
                        "content": [{"text": result}],
                    }
                }
            ],
        },
        {"role": "assistant", "content": [{"text": f"Report {i}: nothing unusual."}]},
    ]


def image_message(size: int) -> dict[str, Any]:
    """A user message with a PNG image of ``size`` random bytes."""
    return {
        "role": "user",
        "content": [
            {"text": "Here is the photo of the damage."},
            {"image": {"format": "png", "source": {"bytes": os.urandom(size)}}},
        ],
    }
