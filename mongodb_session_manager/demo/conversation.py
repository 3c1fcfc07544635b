"""The demo's conversation: what the user says and what the offline model answers.

With a real model (``--model bedrock:...``) only the user's side is used; the
model decides what to say and which tools to call.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mongodb_session_manager.offline import ScriptItem

SUPPORT_AGENT = "support"
BILLING_AGENT = "billing"

SUPPORT_PROMPT = (
    "You are the support agent of Acme Cloud. Record what you learn about the customer "
    "with the manage_metadata tool, and use the calculator for every calculation. "
    "Never accept payment card details in chat."
)
BILLING_PROMPT = (
    "You are Acme Cloud's billing specialist. Use the calculator for every calculation "
    "and answer in one or two sentences."
)


@dataclass(frozen=True)
class Turn:
    """One user message and the offline model's answer to it.

    Attributes:
        prompt: What the user says.
        script: The scripted model's turns (tool calls, then the reply).
        feedback: Feedback the user gives on the answer: ``(rating, comment)``.
    """

    prompt: str
    script: tuple[ScriptItem, ...]
    feedback: tuple[str, str] | None = None


@dataclass(frozen=True)
class Part:
    """The turns one agent takes."""

    agent_id: str
    system_prompt: str
    turns: tuple[Turn, ...]
    uses_metadata_tool: bool = True
    notes: tuple[str, ...] = field(default_factory=tuple)


SUPPORT = Part(
    agent_id=SUPPORT_AGENT,
    system_prompt=SUPPORT_PROMPT,
    turns=(
        Turn(
            "Hi, I'm Ana from Globex (customer C-1042, Team plan).",
            (
                {
                    "tool": "manage_metadata",
                    "input": {
                        "action": "set",
                        "metadata": {
                            "customer": {"name": "Ana", "company": "Globex", "id": "C-1042"},
                            "plan": "team",
                        },
                    },
                },
                "Welcome, Ana! I've noted Globex's account (C-1042, Team plan) on this "
                "conversation. How can I help?",
            ),
        ),
        Turn(
            "We want 12 more seats at 7.50 EUR each per month, plus 21% VAT. "
            "What will we pay per month?",
            (
                {"tool": "calculator", "input": {"expression": "12 * 7.50 * 1.21"}},
                "12 seats x 7.50 EUR = 90.00 EUR, plus 21% VAT: **108.90 EUR per month**.",
            ),
            feedback=("up", "Clear price breakdown"),
        ),
        Turn(
            "Great. Charge it to my card 4111 1111 1111 1111, please.",
            (
                "For your security I can't take card details in chat, and the number has "
                "been removed from this conversation. You'll get a secure payment link by "
                "email.",
            ),
            feedback=("down", "I wanted to pay right away"),
        ),
    ),
)

BILLING = Part(
    agent_id=BILLING_AGENT,
    system_prompt=BILLING_PROMPT,
    uses_metadata_tool=False,
    turns=(
        Turn(
            "Globex adds seats worth 108.90 EUR per month with 18 of 30 days left in the "
            "billing cycle. What is the prorated first charge?",
            (
                {"tool": "calculator", "input": {"expression": "108.90 * 18 / 30"}},
                "Prorated for the 18 days left in this 30-day cycle, the first charge is "
                "**65.34 EUR**; from next month it is 108.90 EUR.",
            ),
        ),
    ),
)

RESUME = Turn(
    "Thanks! Can you recap what we agreed?",
    (
        "Of course, Ana: 12 more seats for **108.90 EUR per month** including VAT, and a "
        "secure payment link by email. In our history your card number only shows as "
        "[card number removed].",
    ),
)

APP_METADATA = {
    "ticket": {"status": "awaiting_payment", "channel": "chat"},
    "handled_by": [SUPPORT_AGENT, BILLING_AGENT],
}
"""Metadata the application itself sets (the support agent sets the customer's)."""
