"""Demo sessions for the viewer, made by real Strands agents (offline ``ScriptedModel``).

``msm viewer --demo`` and the viewer's tests use them: several agents in one
session, tool calls (one failing), an image, a guardrail redaction (Strands
itself calls ``redact_latest_message``), feedback tied to a message, typed
metadata, a long conversation, and hostile text (HTML / script in messages).

Feedback and metadata go through the manager's own ``add_feedback`` and
``update_metadata``; only the spreading of demo sessions over past days
(:func:`shift_times`) rewrites documents, through
:class:`~mongodb_session_manager.store.seeding.SeedingStore`.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import AsyncGenerator, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from strands import Agent, tool
from strands.types.content import ContentBlock
from strands.types.streaming import StreamEvent

from mongodb_session_manager.manager import MongoDBSessionManagerFactory
from mongodb_session_manager.models import Feedback
from mongodb_session_manager.offline import ScriptedModel
from mongodb_session_manager.store.seeding import SeedingStore

XSS_TEXT = (
    "Here is the page you asked for: <script>window.__msm_xss = 'script'</script>"
    " <img src=x onerror=\"window.__msm_xss = 'img'\"> and a [link](javascript:window.__msm_xss=1)"
    " **bold** text."
)
"""A message that would run script if the page rendered it unsanitised."""

REDACTED_TEXT = "[User input redacted by guardrail: payment card number]"
LONG_SESSION_TURNS = 40


@tool
def lookup_order(order_id: str) -> dict[str, Any]:
    """Look up an order by id."""
    return {"order_id": order_id, "status": "shipped", "carrier": "UPS", "eta_days": 2}


@tool
def refund(order_id: str, amount: float) -> str:
    """Refund part of an order."""
    if amount > 100:
        raise ValueError(f"refund of {amount} exceeds the 100 EUR limit without approval")
    return f"refunded {amount} EUR on {order_id}"


@tool
def describe_image(detail: str) -> str:
    """Describe the attached image."""
    return f"A small blue square ({detail})."


class GuardrailModel(ScriptedModel):
    """A scripted model that, like a Bedrock guardrail, asks to redact the user's input.

    On calls listed in ``redact_calls`` (1-based) it emits Strands'
    ``redactContent`` stream event, so the agent redacts the user's message and
    calls the session manager's ``redact_latest_message``.
    """

    def __init__(self, *args: Any, redact_calls: set[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.redact_calls = redact_calls

    async def stream(self, *args: Any, **kwargs: Any) -> AsyncGenerator[StreamEvent, None]:
        """Stream the scripted turn; on a redacting call, ``redactContent`` before ``messageStop``.

        Args:
            *args: Passed to :meth:`ScriptedModel.stream`.
            **kwargs: Passed to :meth:`ScriptedModel.stream`.

        Yields:
            The scripted model's events, plus the redaction event on listed calls.
        """
        redact = (self.calls + 1) in self.redact_calls
        async for event in super().stream(*args, **kwargs):
            if redact and "messageStop" in event:
                yield {"redactContent": {"redactUserContentMessage": REDACTED_TEXT}}
            yield event


def tiny_png(size: int = 16, rgb: tuple[int, int, int] = (40, 90, 200)) -> bytes:
    """A small solid-colour PNG, made without any imaging library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * size
    raw = zlib.compress(row * size)
    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


# ------------------------------------------------------------------ writes


def store_feedback(
    factory: MongoDBSessionManagerFactory, session_id: str, feedback: Feedback
) -> None:
    """Add a feedback through the session manager."""
    with factory.create_session_manager(session_id) as manager:
        manager.add_feedback(feedback)


def store_metadata(
    factory: MongoDBSessionManagerFactory, session_id: str, metadata: Mapping[str, Any]
) -> None:
    """Set metadata fields through the session manager (other fields kept)."""
    with factory.create_session_manager(session_id) as manager:
        manager.update_metadata(dict(metadata))


def shift_times(factory: MongoDBSessionManagerFactory, session_id: str, delta: timedelta) -> None:
    """Move every date of a session by ``delta`` (demo sessions spread over days)."""
    repository = factory.repository
    store = SeedingStore(factory.pool, repository.database_name, repository.collection_name)
    factory.pool.run(store.rewrite_session(session_id, lambda document: _shifted(document, delta)))


def _shifted(value: Any, delta: timedelta) -> Any:
    """``value`` with every datetime in it moved by ``delta`` (dicts and lists walked)."""
    if isinstance(value, datetime):
        return value + delta
    if isinstance(value, dict):
        return {k: _shifted(v, delta) for k, v in value.items()}
    if isinstance(value, list):
        return [_shifted(v, delta) for v in value]
    return value


# ------------------------------------------------------------------ sessions


def _agent(
    factory: MongoDBSessionManagerFactory,
    session_id: str,
    agent_id: str,
    model: ScriptedModel,
    application_name: str = "support-desk",
    **kwargs: Any,
) -> Agent:
    manager = factory.create_session_manager(session_id, application_name=application_name)
    return Agent(
        agent_id=agent_id, model=model, session_manager=manager, callback_handler=None, **kwargs
    )


def _latency(model: ScriptedModel, turn: int) -> None:
    # Varied, deterministic latencies make the metrics charts worth looking at.
    model.update_config(latency_ms=300 + (turn * 137) % 900)


def seed_support_session(factory: MongoDBSessionManagerFactory, session_id: str) -> None:
    """Two agents (triage, support), tool calls, feedback tied to a message, metadata."""
    manager = factory.create_session_manager(session_id, application_name="support-desk")
    triage_model = ScriptedModel(
        ["This is about a **delivery**. Routing you to support."], model_id="scripted-haiku"
    )
    support_model = ScriptedModel(
        [
            {"tool": "lookup_order", "input": {"order_id": "A-1042"}, "text": "Let me check."},
            "Your order **A-1042** has shipped with UPS and arrives in 2 days.\n\n"
            "| carrier | eta |\n|---|---|\n| UPS | 2 days |",
            {"tool": "refund", "input": {"order_id": "A-1042", "amount": 250}},
            "I could not refund 250 EUR without approval; I have asked a supervisor.",
        ],
        model_id="scripted-sonnet",
    )
    triage = Agent(
        agent_id="triage",
        model=triage_model,
        session_manager=manager,
        callback_handler=None,
        system_prompt="Classify the request and route it.",
    )
    support = Agent(
        agent_id="support",
        model=support_model,
        session_manager=manager,
        callback_handler=None,
        tools=[lookup_order, refund],
        system_prompt="You are a friendly support agent. Use tools to look orders up.",
    )
    _latency(triage_model, 1)
    triage("Where is my order A-1042?")
    _latency(support_model, 2)
    support("Where is my order A-1042?")
    _latency(support_model, 3)
    support("It arrived broken, please refund 250 EUR.")
    manager.close()
    store_feedback(
        factory,
        session_id,
        Feedback(rating="up", comment="Fast answer!", agent_id="support", message_id=3),
    )
    store_feedback(factory, session_id, Feedback(rating="down", comment="The refund was refused."))
    store_metadata(
        factory,
        session_id,
        {
            "customer_tier": "gold",
            "priority": "high",
            "ticket": 1042,
            "escalated": True,
            "opened_at": datetime(2026, 11, 20, 9, 30, tzinfo=UTC),
        },
    )


def seed_redacted_session(factory: MongoDBSessionManagerFactory, session_id: str) -> None:
    """A guardrail redacts the user's card number (Strands calls redact_latest_message)."""
    model = GuardrailModel(
        ["I can't handle card numbers here; please use the secure payment page.", "Done!"],
        model_id="scripted-haiku",
        redact_calls={1},
    )
    agent = _agent(factory, session_id, "payments", model, system_prompt="Payments assistant.")
    agent("My card number is 4111 1111 1111 1111, charge it please")
    agent("OK, I used the payment page.")
    store_feedback(factory, session_id, Feedback(rating="up", comment="Thanks for the warning"))
    store_metadata(factory, session_id, {"customer_tier": "silver", "priority": "high"})


def seed_image_session(factory: MongoDBSessionManagerFactory, session_id: str) -> None:
    """A user sends an image; a tool describes it."""
    model = ScriptedModel(
        [{"tool": "describe_image", "input": {"detail": "16x16"}}, "It is a small blue square."],
        model_id="scripted-sonnet",
    )
    agent = _agent(factory, session_id, "vision", model, tools=[describe_image])
    prompt: list[ContentBlock] = [
        {"text": "What is in this picture?"},
        {"image": {"format": "png", "source": {"bytes": tiny_png()}}},
    ]
    agent(prompt)
    store_metadata(factory, session_id, {"customer_tier": "bronze", "priority": "low"})


def seed_hostile_session(factory: MongoDBSessionManagerFactory, session_id: str) -> None:
    """Messages carrying script and event-handler HTML (must render inert)."""
    model = ScriptedModel(
        [XSS_TEXT, {"tool": "lookup_order", "input": {"order_id": "<img src=x onerror=alert(1)>"}}],
        model_id="scripted-haiku",
    )
    agent = _agent(factory, session_id, "assistant", model, tools=[lookup_order])
    agent(XSS_TEXT)
    agent("look up order <script>window.__msm_xss='tool'</script>")
    store_feedback(factory, session_id, Feedback(rating="down", comment=XSS_TEXT))
    store_metadata(
        factory, session_id, {"customer_tier": "bronze", "priority": "medium", "note": XSS_TEXT}
    )


def seed_long_session(
    factory: MongoDBSessionManagerFactory, session_id: str, turns: int = LONG_SESSION_TURNS
) -> None:
    """A long conversation (``2 * turns`` messages) for timeline paging."""
    model = ScriptedModel(
        [f"Answer number {i + 1}." for i in range(turns)], model_id="scripted-haiku"
    )
    agent = _agent(factory, session_id, "qa", model, application_name="qa-suite")
    for turn in range(turns):
        _latency(model, turn)
        agent(f"Question number {turn + 1}?")
    store_metadata(factory, session_id, {"customer_tier": "silver", "priority": "low"})


def seed_filler_sessions(factory: MongoDBSessionManagerFactory, count: int) -> list[str]:
    """Short sessions with varied metadata, models and dates."""
    tiers, priorities = ("gold", "silver", "bronze"), ("low", "medium", "high")
    made = []
    for i in range(count):
        session_id = f"chat-{i:04d}"
        model = ScriptedModel(
            [f"Hello! Happy to help with request {i}."],
            model_id=("scripted-haiku", "scripted-sonnet")[i % 2],
        )
        agent = _agent(factory, session_id, "assistant", model, ("web-chat", "mobile-app")[i % 2])
        agent(f"Hi, I need help with request {i}.")
        store_metadata(
            factory,
            session_id,
            {
                "customer_tier": tiers[i % 3],
                "priority": priorities[(i // 3) % 3],
                "ticket": 2000 + i,
            },
        )
        shift_times(factory, session_id, -timedelta(days=i + 1))
        made.append(session_id)
    return made


def seed_demo_sessions(
    factory: MongoDBSessionManagerFactory, *, filler: int = 8, long_turns: int = LONG_SESSION_TURNS
) -> list[str]:
    """Create every demo session; returns their ids (support first)."""
    seeds = (
        ("support-0001", seed_support_session),
        ("payments-0002", seed_redacted_session),
        ("vision-0003", seed_image_session),
        ("hostile-0004", seed_hostile_session),
    )
    made = []
    for session_id, seed in seeds:
        seed(factory, session_id)
        made.append(session_id)
    seed_long_session(factory, "long-0005", long_turns)
    made.append("long-0005")
    made.extend(seed_filler_sessions(factory, filler))
    return made
