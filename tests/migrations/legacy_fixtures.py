"""Session documents as the reference implementation stored them (schema version 0).

Built as raw dicts, exactly as its repository wrote them: ``_id`` = session id,
naive datetimes, ``agents.<agent_id>.agent_data`` + ``messages`` with
``{message: {role, content}, message_id, redact_message, created_at, updated_at}``,
the agent's *cumulative* ``event_loop_metrics`` stamped on assistant messages,
raw bytes (images) as BSON binary, feedback without validation, a dotted agent id
nested by its unchecked update paths, and ``guardrail_events``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import bson
from bson import Binary
from bson.codec_options import CodecOptions

T0 = datetime(2025, 3, 14, 9, 30, 0)  # naive, as the reference wrote its dates
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8  # 2 KB of "image"
SLIDING = {"__name__": "SlidingWindowConversationManager", "removed_message_count": 0}
INTERRUPTS = {"interrupt_state": {"interrupts": {}, "context": {}, "activated": False}}


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def metrics(
    inp: int, out: int, latency: int, ttfb: int | None = None, cache_read: int = 0
) -> dict[str, Any]:
    """An agent's cumulative ``event_loop_metrics`` as the reference stamped them."""
    usage: dict[str, Any] = {"inputTokens": inp, "outputTokens": out, "totalTokens": inp + out}
    if cache_read:
        usage["cacheReadInputTokens"] = cache_read
    accumulated: dict[str, Any] = {"latencyMs": latency}
    if ttfb is not None:
        accumulated["timeToFirstByteMs"] = ttfb
    return {"accumulated_usage": usage, "accumulated_metrics": accumulated}


def message(
    message_id: int,
    role: str,
    content: list[dict[str, Any]],
    minute: float,
    *,
    event_loop_metrics: dict[str, Any] | None = None,
    redact: dict[str, Any] | None = None,
    **message_extra: Any,
) -> dict[str, Any]:
    stored: dict[str, Any] = {
        "message": {"role": role, "content": content, **message_extra},
        "message_id": message_id,
        "redact_message": redact,
        "created_at": at(minute),
        "updated_at": at(minute),
    }
    if event_loop_metrics is not None:
        stored["event_loop_metrics"] = event_loop_metrics
    return stored


def agent_record(
    agent_id: str,
    messages: list[dict[str, Any]],
    *,
    model: str | None = "us.anthropic.claude-sonnet-4-20250514-v1:0",
    system_prompt: str | None = "You are a helpful shop assistant.",
    state: dict[str, Any] | None = None,
    prompt_metadata: dict[str, Any] | None = None,
    minute: float = 0,
) -> dict[str, Any]:
    return {
        "agent_data": {
            "agent_id": agent_id,
            "state": state if state is not None else {},
            "conversation_manager_state": dict(SLIDING),
            "_internal_state": dict(INTERRUPTS),
            "created_at": at(minute),
            "updated_at": at(minute + 30),
            "model": model,
            "system_prompt": system_prompt,
            "prompt_metadata": prompt_metadata,
        },
        "messages": messages,
        "created_at": at(minute),
        "updated_at": at(minute + 30),
    }


def support_messages() -> list[dict[str, Any]]:
    """A support conversation: a tool call, an image, a restart, a redacted message."""
    return [
        message(0, "user", [{"text": "Hi, my order #123 has not arrived."}], 1),
        message(
            1,
            "assistant",
            [
                {"text": "Let me look that up."},
                {
                    "toolUse": {
                        "toolUseId": "tooluse_1",
                        "name": "lookup_order",
                        "input": {"order_id": "123"},
                    }
                },
            ],
            1.1,
            event_loop_metrics=metrics(120, 30, 800, ttfb=300),
        ),
        message(
            2,
            "user",
            [
                {
                    "toolResult": {
                        "toolUseId": "tooluse_1",
                        "status": "success",
                        "content": [
                            {"json": {"order_id": "123", "status": "shipped", "eta": "tomorrow"}}
                        ],
                    }
                }
            ],
            1.2,
        ),
        message(
            3,
            "assistant",
            [{"text": "Your order ships tomorrow."}],
            1.3,
            event_loop_metrics=metrics(300, 70, 1900, ttfb=650),
        ),
        message(
            4,
            "user",
            [
                {"text": "Here is a photo of the damaged box."},
                {"image": {"format": "png", "source": {"bytes": Binary(PNG)}}},
            ],
            2,
        ),
        message(
            5,
            "assistant",
            [{"text": "I am sorry about the box; a replacement is on its way."}],
            2.1,
            event_loop_metrics=metrics(1500, 110, 3100, ttfb=900),
        ),
        # The service restarted here: a new Agent object, counters from zero.
        message(
            6,
            "user",
            [{"text": "My card number is 4111 1111 1111 1111, refund me."}],
            60,
            redact={"role": "user", "content": [{"text": "[User input redacted.]"}]},
        ),
        message(
            7,
            "assistant",
            [{"text": "I cannot process card numbers here."}],
            60.1,
            event_loop_metrics=metrics(200, 25, 700, ttfb=200),
        ),
        message(8, "user", [{"text": "OK, thanks."}], 61),
        message(
            9,
            "assistant",
            [{"text": "You are welcome!"}],
            61.1,
            event_loop_metrics=metrics(450, 40, 1300, ttfb=380),
        ),
    ]


# Per-message figures the migration must derive from support_messages(): by message id.
SUPPORT_FIGURES: dict[int, dict[str, int]] = {
    1: {
        "inputTokens": 120,
        "outputTokens": 30,
        "totalTokens": 150,
        "latencyMs": 800,
        "timeToFirstByteMs": 300,
    },
    3: {
        "inputTokens": 180,
        "outputTokens": 40,
        "totalTokens": 220,
        "latencyMs": 1100,
        "timeToFirstByteMs": 350,
    },
    5: {
        "inputTokens": 1200,
        "outputTokens": 40,
        "totalTokens": 1240,
        "latencyMs": 1200,
        "timeToFirstByteMs": 250,
    },
    7: {
        "inputTokens": 200,
        "outputTokens": 25,
        "totalTokens": 225,
        "latencyMs": 700,
        "timeToFirstByteMs": 200,
    },
    9: {
        "inputTokens": 250,
        "outputTokens": 15,
        "totalTokens": 265,
        "latencyMs": 600,
        "timeToFirstByteMs": 180,
    },
}


def billing_messages() -> list[dict[str, Any]]:
    return [
        message(0, "user", [{"text": "Refund order 123."}], 3),
        message(
            1,
            "assistant",
            [{"text": "Refund of 19.99 EUR issued."}],
            3.1,
            event_loop_metrics=metrics(90, 12, 400, cache_read=64),
        ),
    ]


def reviewer_messages() -> list[dict[str, Any]]:
    """A newer Strands wrote per-call ``metadata`` and a ``tracking_id`` into messages."""
    return [
        message(0, "user", [{"text": "¿Está todo bien? 👀"}], 4, tracking_id="t-0"),
        message(
            1,
            "assistant",
            [{"text": "Sí, todo correcto."}],
            4.1,
            event_loop_metrics=metrics(50, 8, 250),
            tracking_id="t-1",
            metadata={
                "usage": {"inputTokens": 50, "outputTokens": 8, "totalTokens": 58},
                "metrics": {"latencyMs": 250},
            },
        ),
    ]


def legacy_session(
    session_id: str = "legacy-shop-1", *, application_name: str = "shop"
) -> dict[str, Any]:
    """A realistic reference-layout session: three agents, one of them with a dotted id."""
    return {
        "_id": session_id,
        "session_id": session_id,
        "session_type": "AGENT",
        "created_at": at(0),
        "updated_at": at(61.1),
        "application_name": application_name,
        "metadata": {
            "customer_id": "c-42",
            "priority": "high",
            "tags": ["vip"],
            "address": {"city": "Lyon"},
        },
        "feedbacks": [
            {"rating": "up", "comment": "Quick answer", "created_at": at(2.5)},
            {"rating": "down", "comment": None, "created_at": at(62)},
            {
                "rating": "meh",
                "comment": "not a rating the reference checked",
                "created_at": at(63),
            },
            {"rating": None, "comment": "no thumbs, just a note", "created_at": at(64)},
        ],
        "guardrail_events": [{"type": "INPUT", "action": "REDACTED", "created_at": at(60)}],
        "agents": {
            "support": agent_record(
                "support",
                support_messages(),
                state={"user_name": "Ana", "cart": {"items": 2}},
                prompt_metadata={"template": "support-v3", "variables": {"tone": "warm"}},
            ),
            # agent id "billing.bot": the reference's `agents.billing.bot` update path nested it.
            "billing": {
                "bot": agent_record("billing.bot", billing_messages(), model="gpt-4o", minute=3)
            },
            "revisor-ñ": agent_record(
                "revisor-ñ", reviewer_messages(), system_prompt=None, minute=4
            ),
        },
    }


def small_legacy_session(index: int, *, padding: int = 0) -> dict[str, Any]:
    """A small session for volume tests (one agent, four messages, one image)."""
    session_id = f"bulk-{index:05d}"
    messages = [
        message(0, "user", [{"text": f"question {index}" + "x" * padding}], 0),
        message(
            1,
            "assistant",
            [{"text": f"answer {index}"}],
            0.1,
            event_loop_metrics=metrics(10, 5, 100),
        ),
        message(
            2, "user", [{"image": {"format": "jpeg", "source": {"bytes": Binary(PNG[:64])}}}], 1
        ),
        message(
            3, "assistant", [{"text": "nice picture"}], 1.1, event_loop_metrics=metrics(30, 9, 250)
        ),
    ]
    return {
        "_id": session_id,
        "session_id": session_id,
        "session_type": "AGENT",
        "created_at": at(index),
        "updated_at": at(index + 1),
        "application_name": "bulk",
        "metadata": {"n": index},
        "feedbacks": [],
        "guardrail_events": [],
        "agents": {"default": agent_record("default", messages, minute=index)},
    }


def as_stored(document: dict[str, Any]) -> dict[str, Any]:
    """The document as a tz-aware PyMongo client reads it back (naive -> aware UTC, bytes)."""
    return bson.decode(bson.encode(document), codec_options=CodecOptions(tz_aware=True))


def as_current(document: dict[str, Any]) -> dict[str, Any]:
    """A reference document converted to this library's schema (2) as ``msm migrate up`` does.

    The fixtures are short (no agent reaches a page), so everything stays in the document.
    """
    from mongodb_session_manager.migrations.message_pages import v1_to_v2
    from mongodb_session_manager.migrations.reference_layout import reference_to_v1

    converted = v1_to_v2(reference_to_v1(as_stored(document)))
    assert not converted.pages
    return converted.document
